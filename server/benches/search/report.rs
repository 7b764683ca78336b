//! The search bench's result files, sizes and notes; statistics, machine
//! facts and targets come from `common::report`.

use std::path::Path;

use serde_json::Value;

pub use crate::common::report::{machine, proc_mib, reset_peak, round, target, Stats};

/// Writes `search.json` and `search.md` into `dir`; returns the Markdown.
pub fn write(dir: &Path, figures: &Value) -> anyhow::Result<String> {
    let md = super::markdown::render(figures);
    crate::common::report::write(dir, "search", figures, &md)?;
    Ok(md)
}

pub fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// What the figures mean, for the reader of `search.md`.
pub fn notes(f: &Value) -> Vec<String> {
    let num = |v: &Value| v.as_f64().unwrap_or(0.0);
    let (h, q) = (&f["http"], &f["query_latency"]);
    let nproc = num(&f["machine"]["nproc"]).max(1.0);
    let health = num(&h["healthz"]["per_second"]);
    let generation = num(&f["corpus"]["generation_s"]);
    let rebuild = num(&f["rebuild"]["seconds"]);
    let r = &h["reindex"];
    let e = &r["reindex_vs_rebuild"];
    vec![
        format!(
            "Rebuild time includes generating the documents on the fly ({generation} s when done \
             alone, single-threaded): about {} s of it is the index itself.",
            round(rebuild - generation, 1)
        ),
        format!(
            "30% of /healthz ({health} req/s) would be {} search req/s, i.e. at most {} ms of CPU \
             per search on {nproc} CPUs; one search costs {} ms on average in-process \
             ({} ms without the page of hits).",
            round(health * 0.3, 0),
            round(nproc * 1000.0 / (health * 0.3).max(1.0), 3),
            q["all"]["mean_ms"],
            q["without_hits_page"]["mean_ms"]
        ),
        format!(
            "The server's index: {}. Built from the database by reindex, the first {} events give \
             the same totals and facets for {}/{} queries and the same page of hits for {}.",
            h["index_source"].as_str().unwrap_or("?"),
            e["events"],
            e["same_total_and_facets"],
            e["queries"],
            e["same_page_of_hits"]
        ),
        format!(
            "CatalogueService::reindex, timed on growing catalogues (see probes): \
             projected {} s and {} MiB of extra RSS for all events.",
            r["projected_full_s"], r["projected_full_peak_rss_delta_mib"]
        ),
        format!(
            "The search API keeps answers until the catalogue changes: the repeated mix is \
             served mostly from that cache. With the cache turned off \
             (CatalogueService::set_search_answer_cache(false), which only the bench does) and \
             {} distinct queries of the same kinds, every request runs the index and the \
             database: {} req/s ({}% of /healthz), the cost of a search nobody made before; \
             in-process that whole answer takes p50 {} ms, p99 {} ms.",
            h["search_uncached"]["distinct_queries"],
            h["search_uncached"]["per_second"],
            round(num(&h["search_uncached_to_healthz"]) * 100.0, 2),
            q["service_uncached"]["all"]["p50_ms"],
            q["service_uncached"]["all"]["p99_ms"]
        ),
        "The 16 clients run in the bench process on one thread and share the CPUs with the \
         server, so both throughputs are also bounded by the client."
            .to_owned(),
        format!(
            "Peak RSS is the bench process's VmHWM over the phases of the issue (generation, \
             rebuild, queries, SQLite loading, serving); the reindex probes run after them, \
             and with them the peak is {} MiB.",
            f["rss"]["peak_mib_with_reindex_probes"]
        ),
    ]
}
