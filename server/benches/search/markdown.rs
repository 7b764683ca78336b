//! `search.md`: the figures for people.

use std::fmt::Write as _;

use serde_json::Value;

use crate::common::report::targets_table;

pub fn render(f: &Value) -> String {
    let mut md = String::new();
    let m = &f["machine"];
    let _ = writeln!(md, "# Catalogue search benchmark\n");
    let _ = writeln!(
        md,
        "{} · commit {} · {} CPUs ({}) · {} MiB RAM · {} events · total {} s\n",
        f["date"].as_str().unwrap_or("?"),
        f["git"].as_str().unwrap_or("?"),
        m["nproc"],
        m["cpu"].as_str().unwrap_or("?"),
        m["memory_mib"],
        f["corpus"]["events"],
        f["total_seconds"]
    );
    md.push_str(&targets_table(&f["targets"]));
    let q = &f["query_latency"];
    let _ = writeln!(
        md,
        "\n## Query latency in-process, index only (ms; {} rounds of the mix pooled)\n",
        q["rounds"].as_array().map_or(0, Vec::len)
    );
    latency_table(&mut md, q, Some("all, no page of hits (diagnostic)"));
    let _ = writeln!(
        md,
        "\n## Query latency in-process, whole answer with the answer cache off (ms)\n\n\
         Index, cards from the database and the JSON the REST API sends \
         (`CatalogueService::search_json`); every search computed.\n"
    );
    latency_table(&mut md, &q["service_uncached"], None);
    let h = &f["http"];
    let _ = writeln!(
        md,
        "\n## HTTP, {} clients on loopback, {} s each\n",
        h["clients"], h["seconds"]
    );
    let _ = writeln!(
        md,
        "| Endpoint | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|"
    );
    let uncached = format!(
        "search, answer cache off ({} distinct queries)",
        h["search_uncached"]["distinct_queries"]
    );
    for (key, label) in [
        ("healthz", "healthz"),
        ("search", "search (repeated mix, answer cache on)"),
        ("search_uncached", uncached.as_str()),
    ] {
        let e = &h[key];
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} | {} |",
            e["per_second"], e["latency"]["p50_ms"], e["latency"]["p99_ms"], e["errors"]
        );
    }
    let _ = writeln!(
        md,
        "\nIndex served: {}\n",
        h["index_source"].as_str().unwrap_or("?")
    );
    let c = &f["corpus"];
    let _ = writeln!(
        md,
        "## Corpus and build\n\n{} events: descriptions {} bytes on average (range {}), {} schema \
         fields on average (range {}), value schemas ~{} bytes. Generation alone {} s; rebuild \
         (generation included) {} s; index {} MB on disk. SQLite: {} s to insert, {} MB.\n",
        c["events"],
        c["description_bytes_avg"],
        c["description_bytes_range"],
        c["schema_fields_avg"],
        c["schema_fields_range"],
        c["value_schema_bytes_avg"],
        c["generation_s"],
        f["rebuild"]["seconds"],
        f["rebuild"]["index_bytes"].as_u64().unwrap_or(0) / 1_000_000,
        h["database_insert_s"],
        h["database_bytes"].as_u64().unwrap_or(0) / 1_000_000,
    );
    let r = &h["reindex"];
    let probes: Vec<String> = r["probes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            format!(
                "({}, {}, {})",
                p["events"], p["seconds"], p["peak_rss_delta_mib"]
            )
        })
        .collect();
    let _ = writeln!(
        md,
        "## CatalogueService::reindex\n\nProbes (events, seconds, peak RSS growth MiB): {}. \
         Projected for the whole catalogue: {} s and {} MiB of peak RSS growth. Whole catalogue, for the server: {}.\n",
        probes.join(", "),
        r["projected_full_s"],
        r["projected_full_peak_rss_delta_mib"],
        match h["reindex_full_s"].as_f64() {
            Some(seconds) => format!("{seconds} s"),
            None => "not run (SB_BENCH_REINDEX=always runs it)".to_owned(),
        },
    );
    let rss = &f["rss"];
    let phases: Vec<String> = rss["peak_mib_by_phase"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(
        md,
        "## Memory\n\nPeak RSS by phase (MiB): {}. RSS when the server started: {} MiB; after \
         the load: {} MiB ({} anonymous, {} file-backed).\n",
        phases.join(", "),
        rss["rss_before_serving_mib"],
        rss["after_serving_rss_mib"],
        rss["after_serving_rss_anon_mib"],
        rss["after_serving_rss_file_mib"],
    );
    let _ = writeln!(md, "## Notes\n");
    for note in f["notes"].as_array().into_iter().flatten() {
        let _ = writeln!(md, "- {}", note.as_str().unwrap_or(""));
    }
    let _ = writeln!(md, "\nAll figures: `search.json`.");
    md
}

/// Rows for all queries, each kind, each round (`all` of every round pooled)
/// and the optional diagnostic without the page of hits.
fn latency_table(md: &mut String, q: &Value, no_hits: Option<&str>) {
    let _ = writeln!(
        md,
        "| Kind | n | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|"
    );
    let mut rows: Vec<(String, &Value)> = vec![("all".to_owned(), &q["all"])];
    for (k, v) in q["by_kind"].as_object().into_iter().flatten() {
        rows.push((k.clone(), v));
    }
    for (i, r) in q["rounds"].as_array().into_iter().flatten().enumerate() {
        rows.push((format!("all, round {}", i + 1), r));
    }
    if let Some(label) = no_hits {
        rows.push((label.to_owned(), &q["without_hits_page"]));
    }
    for (kind, s) in rows {
        let _ = writeln!(
            md,
            "| {kind} | {} | {} | {} | {} | {} |",
            s["count"], s["p50_ms"], s["p90_ms"], s["p99_ms"], s["max_ms"]
        );
    }
}
