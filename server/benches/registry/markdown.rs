//! `registry.md`: the figures for people, and what they mean.

use std::fmt::Write as _;

use serde_json::Value;

use crate::common::report::{round, targets_table};

pub fn render(f: &Value) -> String {
    let mut md = String::new();
    let m = &f["machine"];
    let s = &f["settings"];
    let _ = writeln!(md, "# Schema registry benchmark\n");
    let _ = writeln!(
        md,
        "{} · commit {} · {} CPUs ({}) · {} MiB RAM · load average {} at the start, {} at the \
         end · {} subjects · total {} s\n",
        f["date"].as_str().unwrap_or("?"),
        f["git"].as_str().unwrap_or("?"),
        m["nproc"],
        m["cpu"].as_str().unwrap_or("?"),
        m["memory_mib"],
        f["load_average"]["start"],
        f["load_average"]["end"],
        s["subjects"],
        f["total_seconds"]
    );
    md.push_str(&targets_table(&f["targets"]));
    let r = &f["registration"];
    let _ = writeln!(
        md,
        "\n## Registration in-process (ms)\n\nA {}-field record schema under a {} subject \
         with {} earlier versions, through `RegistryService`.\n",
        r["fields"],
        r["level"].as_str().unwrap_or("?"),
        r["earlier_versions"]
    );
    let _ = writeln!(
        md,
        "| What | n | mean | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|"
    );
    let a = &r["avro_only"];
    let rows = [
        ("register, earlier versions cached", &r["register_cached"]),
        ("register, fresh service", &r["register_fresh_service"]),
        ("check only, cached (diagnostic)", &r["check_cached"]),
        (
            "check only, fresh service (diagnostic)",
            &r["check_fresh_service"],
        ),
        (
            "setup registrations (versions 1–20, diagnostic)",
            &r["setup"]["latency"],
        ),
        ("Avro only: parse the candidate", &a["parse_candidate"]),
        (
            "Avro only: parse the 20 earlier versions",
            &a["parse_earlier_versions"],
        ),
        (
            "Avro only: clone the 20 parsed versions",
            &a["clone_earlier_versions"],
        ),
        (
            "Avro only: FULL_TRANSITIVE check against 20",
            &a["full_transitive_check"],
        ),
    ];
    for (what, st) in rows {
        let _ = writeln!(
            md,
            "| {what} | {} | {} | {} | {} | {} | {} |",
            st["count"], st["mean_ms"], st["p50_ms"], st["p90_ms"], st["p99_ms"], st["max_ms"]
        );
    }
    let h = &f["http"];
    let _ = writeln!(
        md,
        "\n## HTTP, {} clients on loopback, {} s per endpoint\n\nIn two halves each, in the \
         order {}; the ratio is {}.\n",
        h["clients"],
        h["seconds"],
        h["order"].as_str().unwrap_or("?"),
        h["schema_by_id_to_healthz"]
    );
    let _ = writeln!(
        md,
        "| Endpoint | req/s | req/s per half | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|"
    );
    for (label, key) in [
        ("/healthz", "healthz"),
        ("/registry/schemas/ids/{id}", "schema_by_id"),
    ] {
        let e = &h[key];
        let halves: Vec<String> = h[format!("{key}_halves_per_second")]
            .as_array()
            .into_iter()
            .flatten()
            .map(Value::to_string)
            .collect();
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} | {} | {} |",
            e["per_second"],
            halves.join(", "),
            e["latency"]["p50_ms"],
            e["latency"]["p99_ms"],
            e["errors"]
        );
    }
    let _ = writeln!(md, "\n## Notes\n");
    for note in f["notes"].as_array().into_iter().flatten() {
        let _ = writeln!(md, "- {}", note.as_str().unwrap_or(""));
    }
    let _ = writeln!(md, "\nAll figures: `registry.json`.");
    md
}

/// What the figures mean, for the reader of `registry.md`.
pub fn notes(f: &Value) -> Vec<String> {
    let num = |v: &Value| v.as_f64().unwrap_or(0.0);
    let r = &f["registration"];
    let run = &r["run"];
    let a = &r["avro_only"];
    let h = &f["http"];
    vec![
        format!(
            "Each of {} subjects gets versions 1–{} (untimed, each checked FULL_TRANSITIVE as it \
             is registered), then version {} is timed: {} on the served service right after \
             their setup (the earlier versions are in its cache of parsed schemas), {} each on a \
             fresh `RegistryService` over the same database (nothing cached, as after a restart: \
             every earlier version is read and parsed). Subjects have distinct schemas, so no id \
             is shared; the database holds {} schemas at the end ({} MB).",
            run["subjects"],
            r["earlier_versions"],
            num(&r["earlier_versions"]) + 1.0,
            run["timed_warm"],
            run["timed_cold"],
            run["distinct_ids"],
            round(num(&r["database_bytes"]) / 1e6, 1),
        ),
        format!(
            "The timed version has {} fields (candidate text {} bytes on average): required \
             primitives, logical types, enums, fixed, arrays, maps, unions and nested records, then \
             optional fields with defaults; a version whose added field has no default is refused \
             ({}).",
            r["fields"],
            a["candidate_bytes_avg"],
            if run["refuses_incompatible"].as_bool() == Some(true) {
                "checked"
            } else {
                "NOT refused"
            }
        ),
        format!(
            "Avro only (no database, mean): parsing the candidate {} ms, parsing 20 earlier \
             versions {} ms, the FULL_TRANSITIVE check against 20 (both directions) {} ms. The \
             rest of a registration is SQLite: the subject lock, reads, the inserts, the audit \
             entry and the commit.",
            a["parse_candidate"]["mean_ms"],
            a["parse_earlier_versions"]["mean_ms"],
            a["full_transitive_check"]["mean_ms"],
        ),
        format!(
            "GET /registry/schemas/ids/{{id}} cycles over all {} ids; each answer carries the \
             schema text ({} bytes for the first). /healthz answers a constant. The service \
             keeps schemas by id in memory until a permanent delete, and every id is read once \
             before the load (one client, one request at a time: {} ms on average, p99 {} ms), so \
             the load measures answers from memory. In-process, the first read of an id (from \
             the database) takes {} ms on average (p99 {} ms), a later one {} µs.",
            h["ids"],
            h["sample_response"]["bytes"],
            h["first_read_one_client"]["mean_ms"],
            h["first_read_one_client"]["p99_ms"],
            h["in_process_first_read"]["mean_ms"],
            h["in_process_first_read"]["p99_ms"],
            h["in_process_next_read_mean_us"],
        ),
        "The 16 clients run in the bench process on one thread and share the CPUs with the \
         server, so both throughputs are also bounded by the client."
            .to_owned(),
    ]
}
