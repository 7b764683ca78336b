//! Catalogue search benchmark (issue 3, "Performance"). Generates a
//! deterministic catalogue of 100,000 events, then measures: the full index
//! build, in-process latency of a fixed query mix, the search API's HTTP
//! throughput against `/healthz` under 16 clients, and the peak RSS. Then,
//! with the search answer cache turned off (every search computed, as for a
//! query nobody made before): in-process latency of the whole answer (index,
//! cards from the database, JSON) and HTTP throughput over distinct queries.
//! It reports against the issues' targets; it asserts nothing.
//!
//! Run it with `scripts/bench.sh`. Environment: `SB_BENCH_EVENTS` (100000),
//! `SB_BENCH_HTTP_SECS` (10), `SB_BENCH_REINDEX` (auto | always | never: whether
//! the served index comes from `CatalogueService::reindex`; auto up to 20,000
//! events), `SB_BENCH_OUT_DIR` (bench/results), `SB_BENCH_GIT` (commit label),
//! `SB_BENCH_QUICK` (set: stop after the in-process queries, print their
//! figures, write nothing).

#[path = "search/avro.rs"]
mod avro;
#[path = "common/mod.rs"]
mod common;
#[path = "search/corpus.rs"]
mod corpus;
#[path = "search/http.rs"]
mod http;
#[path = "search/load.rs"]
mod load;
#[path = "search/markdown.rs"]
mod markdown;
#[path = "search/prose.rs"]
mod prose;
#[path = "search/queries.rs"]
mod queries;
#[path = "search/report.rs"]
mod report;
#[path = "search/store.rs"]
mod store;
#[path = "search/vocab.rs"]
mod vocab;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use switchboard::search::SearchIndex;
use time::format_description::well_known::Rfc3339;

use common::report::env_or;
use common::rng;
use report::{proc_mib, reset_peak, round, target};

pub struct Settings {
    pub events: usize,
    pub queries: usize,
    pub warmup: usize,
    /// Times the in-process mix is run (the spread between rounds is reported).
    pub rounds: usize,
    /// Distinct queries of the uncached HTTP load.
    pub distinct: usize,
    pub clients: usize,
    pub http_secs: u64,
    pub reindex: String,
    pub out_dir: PathBuf,
}

/// Records the peak RSS of the phase that just ended and starts a new one.
fn mark(peaks: &mut Map<String, Value>, phase: &str) {
    peaks.insert(phase.to_owned(), json!(proc_mib("VmHWM")));
    reset_peak();
}

fn step(what: &str, began: Instant) {
    eprintln!("[bench {:>6.1}s] {what}", began.elapsed().as_secs_f64());
}

fn main() -> anyhow::Result<()> {
    let began = Instant::now();
    let default_out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/results");
    let s = Settings {
        events: env_or("SB_BENCH_EVENTS", 100_000),
        queries: 1_000,
        warmup: 200,
        rounds: 3,
        distinct: 20_000,
        clients: 16,
        http_secs: env_or("SB_BENCH_HTTP_SECS", 10),
        reindex: env_or("SB_BENCH_REINDEX", "auto".to_owned()),
        out_dir: env_or("SB_BENCH_OUT_DIR", default_out),
    };
    let tmp = tempfile::Builder::new()
        .prefix("switchboard-bench-")
        .tempdir()?;
    let mut peaks = Map::new();

    step(&format!("generating {} events", s.events), began);
    let corpus_figures = corpus::survey(s.events);
    mark(&mut peaks, "1_generate");

    step("rebuilding the on-disk index", began);
    let index_dir = tmp.path().join("index");
    let (index, _) = SearchIndex::open(&index_dir)?;
    let started = Instant::now();
    index.rebuild((0..s.events).map(|i| corpus::doc(&corpus::event(i))))?;
    let rebuild_s = started.elapsed().as_secs_f64();
    let index_bytes = report::dir_bytes(&index_dir);
    mark(&mut peaks, "2_rebuild");

    step("querying in-process", began);
    let mix = queries::mix(s.queries);
    let inproc = queries::measure(&index, &mix, s.warmup, 1, s.rounds)?;
    // Diagnostic: the same mix without the page of hits (counts and facets only).
    let no_hits = queries::measure(&index, &mix, 0, 1_000_000, 1)?;
    mark(&mut peaks, "3_queries");
    if std::env::var_os("SB_BENCH_QUICK").is_some() {
        // While working on search speed: the in-process figures only, nothing written.
        for (label, of) in [("with page", &inproc), ("no page", &no_hits)] {
            eprintln!("{label}: all {}", of.all.json());
            for (kind, stats) in &of.by_kind {
                eprintln!("{label}: {} {}", kind.label(), stats.json());
            }
        }
        return Ok(());
    }

    step("filling SQLite and indexing it for the server", began);
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let prepared = server_rt.block_on(http::prepare(&s, tmp.path(), Arc::new(index)))?;
    mark(&mut peaks, "4_database_and_server_index");

    step("serving on loopback", began);
    let rss_before_serving = proc_mib("VmRSS");
    let state = switchboard::serve::app_state(
        prepared.db.clone(),
        &switchboard::config::Config::default(),
        Arc::clone(&prepared.index),
        None,
    );
    let catalogue = Arc::clone(&state.catalogue);
    let (addr, server) = server_rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let router = switchboard::http::router(state);
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        anyhow::Ok((addr, server))
    })?;
    let clients = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let sample = clients.block_on(load::check(addr, &mix))?;
    let (warm, secs) = (Duration::from_secs(2), Duration::from_secs(s.http_secs));
    step("load: /healthz", began);
    let health_paths = Arc::new(vec!["/healthz".to_owned()]);
    let health = clients.block_on(load::run(addr, health_paths, s.clients, warm, secs))?;
    step("load: /api/v1/events?q=<mix>", began);
    let search_paths = Arc::new(mix.iter().map(queries::MixQuery::url).collect());
    let search = clients.block_on(load::run(addr, search_paths, s.clients, warm, secs))?;
    // The server keeps answers until the catalogue changes, so the repeated
    // mix above is mostly served from that cache. From here on the cache is
    // off: every search runs the index and the database, the cost of a
    // search nobody made before.
    catalogue.set_search_answer_cache(false);
    step("in-process: the whole answer, answer cache off", began);
    let service = server_rt.block_on(queries::measure_service(
        &catalogue, &mix, s.warmup, s.rounds,
    ))?;
    step(
        "load: /api/v1/events?q=<distinct queries> (answer cache off)",
        began,
    );
    let distinct_paths = Arc::new(queries::distinct_urls(s.distinct));
    let distinct_count = distinct_paths.len();
    let uncached = clients.block_on(load::run(addr, distinct_paths, s.clients, warm, secs))?;
    catalogue.set_search_answer_cache(true);
    mark(&mut peaks, "5_http");
    let after_serving = ["VmRSS", "RssAnon", "RssFile"].map(proc_mib);
    server.abort();
    drop(prepared.index);
    server_rt.block_on(prepared.db.close());
    // Every phase of the issue is done: this is the peak the target is about.
    let peak_mib = peaks
        .values()
        .filter_map(Value::as_f64)
        .fold(proc_mib("VmHWM"), f64::max);

    step("timing CatalogueService::reindex", began);
    let probe_dir = tmp.path().join("probes");
    let probes = server_rt.block_on(http::reindex_probes(&probe_dir, s.events, &mix))?;
    mark(&mut peaks, "6_reindex_probes");
    let peak_with_probes = peaks
        .values()
        .filter_map(Value::as_f64)
        .fold(peak_mib, f64::max);
    let ratio = search.per_second / health.per_second.max(f64::MIN_POSITIVE);
    let uncached_ratio = uncached.per_second / health.per_second.max(f64::MIN_POSITIVE);
    let endpoint = |t: &load::Throughput| {
        json!({
            "requests": t.requests,
            "errors": t.errors,
            "per_second": round(t.per_second, 1),
            "connections": t.connections,
            "latency": t.latency.json(),
        })
    };
    let mut http_figures = prepared.figures;
    http_figures["clients"] = json!(s.clients);
    http_figures["seconds"] = json!(s.http_secs);
    http_figures["sample_response"] = sample;
    http_figures["healthz"] = endpoint(&health);
    http_figures["search"] = endpoint(&search);
    http_figures["search_to_healthz"] = json!(round(ratio, 4));
    http_figures["search_uncached"] = endpoint(&uncached);
    http_figures["search_uncached"]["distinct_queries"] = json!(distinct_count);
    http_figures["search_uncached_to_healthz"] = json!(round(uncached_ratio, 4));
    http_figures["reindex"] = probes;
    let generation_s = corpus_figures["generation_s"].as_f64().unwrap_or(0.0);
    let by_kind = |of: &queries::InProcess| -> Map<String, Value> {
        of.by_kind
            .iter()
            .map(|(kind, stats)| (kind.label().to_owned(), stats.json()))
            .collect()
    };
    let rounds =
        |of: &queries::InProcess| -> Vec<Value> { of.rounds.iter().map(|r| r.json()).collect() };
    let date = time::OffsetDateTime::now_utc().format(&Rfc3339)?;
    let settings = json!({
        "events": s.events,
        "queries": s.queries,
        "warmup_queries": s.warmup,
        "rounds": s.rounds,
        "distinct_queries": s.distinct,
        "clients": s.clients,
        "http_seconds": s.http_secs,
        "reindex": s.reindex,
    });
    let rebuild = json!({
        "seconds": round(rebuild_s, 2),
        "includes_generation_s": generation_s,
        "docs_per_second": round(s.events as f64 / rebuild_s, 0),
        "index_bytes": index_bytes,
    });
    let query_latency = json!({
        "all": inproc.all.json(),
        "by_kind": by_kind(&inproc),
        "rounds": rounds(&inproc),
        "with_hits": inproc.with_hits,
        "mean_total": round(inproc.mean_total, 1),
        "without_hits_page": no_hits.all.json(),
        "service_uncached": {
            "all": service.all.json(),
            "by_kind": by_kind(&service),
            "rounds": rounds(&service),
        },
    });
    let rss = json!({
        "peak_mib": peak_mib,
        "peak_mib_with_reindex_probes": peak_with_probes,
        "peak_mib_by_phase": peaks,
        "rss_before_serving_mib": rss_before_serving,
        "after_serving_rss_mib": after_serving[0],
        "after_serving_rss_anon_mib": after_serving[1],
        "after_serving_rss_file_mib": after_serving[2],
    });
    let targets = [
        target("index rebuild", rebuild_s, "s", 60.0, false),
        target("in-process p99", inproc.all.p99_ms, "ms", 15.0, false),
        target(
            "search / healthz throughput",
            ratio * 100.0,
            "%",
            30.0,
            true,
        ),
        target("peak RSS", peak_mib * 1.048_576, "MB", 400.0, false),
        target(
            "uncached search over HTTP (answer cache off)",
            uncached.per_second,
            "req/s",
            5_000.0,
            true,
        ),
        target(
            "uncached in-process p99 (whole answer, answer cache off)",
            service.all.p99_ms,
            "ms",
            5.0,
            false,
        ),
    ];
    let mut figures = json!({
        "benchmark": "catalogue-search",
        "date": date,
        "git": std::env::var("SB_BENCH_GIT").unwrap_or_else(|_| "unknown".to_owned()),
        "machine": report::machine(),
        "settings": settings,
        "corpus": corpus_figures,
        "rebuild": rebuild,
        "query_latency": query_latency,
        "http": http_figures,
        "rss": rss,
        "targets": targets,
        "total_seconds": round(began.elapsed().as_secs_f64(), 1),
    });
    figures["notes"] = json!(report::notes(&figures));
    let md = report::write(&s.out_dir, &figures)?;
    println!("{md}");
    println!("written to {}", s.out_dir.display());
    Ok(())
}
