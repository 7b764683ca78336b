//! Schema registry benchmark (issue 4, "Performance"). On a fresh SQLite
//! database it measures: registering a 50-field schema under a
//! FULL_TRANSITIVE subject that has 20 earlier versions (register plus the
//! check, through `RegistryService::register`), and the HTTP throughput of
//! `GET /registry/schemas/ids/{id}` against `/healthz` of the same server
//! under 16 clients. It reports against the targets; it asserts
//! nothing.
//!
//! Run it with `scripts/bench.sh registry`. Environment:
//! `SB_BENCH_REGISTRY_SUBJECTS` (400: half timed with the earlier versions
//! cached, half on a fresh service), `SB_BENCH_HTTP_SECS` (10),
//! `SB_BENCH_OUT_DIR` (bench/results), `SB_BENCH_GIT` (commit label).

#[path = "common/mod.rs"]
mod common;
#[path = "registry/inproc.rs"]
mod inproc;
#[path = "registry/markdown.rs"]
mod markdown;
#[path = "registry/schemas.rs"]
mod schemas;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::{json, Value};
use switchboard::config::Config;
use switchboard::db::Db;
use switchboard::search::SearchIndex;
use time::format_description::well_known::Rfc3339;

use common::load::{self, Conn, Throughput};
use common::report::{self, env_or, round, target};

/// Register plus FULL_TRANSITIVE check, p99 (ms).
const REGISTER_P99_MS: f64 = 20.0;
/// Schema by id against `/healthz` (%).
const BY_ID_RATIO_PERCENT: f64 = 50.0;

struct Settings {
    subjects: usize,
    cpu_subjects: usize,
    clients: usize,
    http_secs: u64,
    out_dir: PathBuf,
}

fn step(what: &str, began: Instant) {
    eprintln!("[bench {:>6.1}s] {what}", began.elapsed().as_secs_f64());
}

/// The 1, 5 and 15 minute load averages: other work on the machine moves the figures.
fn load_average() -> Value {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let loads: Vec<f64> = text
        .split_whitespace()
        .take(3)
        .filter_map(|v| v.parse().ok())
        .collect();
    json!(loads)
}

fn main() -> anyhow::Result<()> {
    let began = Instant::now();
    let load_at_start = load_average();
    let default_out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/results");
    let s = Settings {
        subjects: env_or("SB_BENCH_REGISTRY_SUBJECTS", 400).max(2),
        cpu_subjects: 100,
        clients: 16,
        http_secs: env_or("SB_BENCH_HTTP_SECS", 10),
        out_dir: env_or("SB_BENCH_OUT_DIR", default_out),
    };
    let tmp = tempfile::Builder::new()
        .prefix("switchboard-bench-registry-")
        .tempdir()?;
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let db = server_rt.block_on(open(tmp.path()))?;
    let index = Arc::new(SearchIndex::in_memory()?);
    let state = switchboard::serve::app_state(db.clone(), &Config::default(), index, None);

    step(
        &format!(
            "registering {} versions on each of {} subjects, timing the next",
            schemas::VERSIONS,
            s.subjects
        ),
        began,
    );
    let inproc = server_rt.block_on(inproc::measure(&db, &state.registry, s.subjects))?;
    step("timing the Avro work alone", began);
    let cpu = inproc::cpu(s.cpu_subjects)?;
    step("reading every schema by id in-process", began);
    let (first_reads, second_reads) = server_rt.block_on(inproc::reads_by_id(&db, &inproc.ids))?;
    let db_bytes = ["bench.db", "bench.db-wal"]
        .iter()
        .map(|f| std::fs::metadata(tmp.path().join(f)).map_or(0, |m| m.len()))
        .sum::<u64>();

    step("serving on loopback", began);
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
    let paths: Vec<String> = inproc
        .ids
        .iter()
        .map(|id| format!("/registry/schemas/ids/{id}"))
        .collect();
    let sample = clients.block_on(check(addr, &paths[0]))?;
    step("reading every schema by id once over HTTP", began);
    let http_first = clients.block_on(read_each(addr, &paths))?;
    // Each endpoint gets `http_secs` in two halves, in the order A B B A, so
    // that a drift of the machine's load (a compilation starting) weighs on
    // both alike.
    let warm = Duration::from_secs(2);
    let half = Duration::from_secs_f64(s.http_secs as f64 / 2.0);
    let health_paths = Arc::new(vec!["/healthz".to_owned()]);
    let paths = Arc::new(paths);
    let (mut health_runs, mut by_id_runs) = (Vec::new(), Vec::new());
    for turn in 0..4 {
        let (label, paths, runs) = if turn == 0 || turn == 3 {
            ("/healthz", &health_paths, &mut health_runs)
        } else {
            ("/registry/schemas/ids/{id}", &paths, &mut by_id_runs)
        };
        step(&format!("load: {label} ({} s)", half.as_secs_f64()), began);
        let paths = Arc::clone(paths);
        runs.push(clients.block_on(load::run(addr, paths, s.clients, warm, half))?);
    }
    let runs_per_second = |runs: &[Throughput]| {
        runs.iter()
            .map(|r| round(r.per_second, 1))
            .collect::<Vec<_>>()
    };
    let (health_halves, by_id_halves) =
        (runs_per_second(&health_runs), runs_per_second(&by_id_runs));
    let health = Throughput::merge(health_runs);
    let by_id = Throughput::merge(by_id_runs);
    server.abort();
    server_rt.block_on(db.close());
    let ratio = by_id.per_second / health.per_second.max(f64::MIN_POSITIVE);

    let endpoint = |t: &Throughput| {
        json!({
            "requests": t.requests,
            "errors": t.errors,
            "per_second": round(t.per_second, 1),
            "seconds": t.seconds,
            "connections": t.connections,
            "latency": t.latency.json(),
        })
    };
    let http = json!({
        "clients": s.clients,
        "seconds": s.http_secs,
        "ids": inproc.ids.len(),
        "sample_response": sample,
        "first_read_one_client": http_first.json(),
        "in_process_first_read": first_reads.json(),
        "in_process_next_read": second_reads.json(),
        "in_process_next_read_mean_us": round(second_reads.mean_ms * 1000.0, 2),
        "healthz": endpoint(&health),
        "schema_by_id": endpoint(&by_id),
        "order": "healthz, schema_by_id, schema_by_id, healthz",
        "healthz_halves_per_second": health_halves,
        "schema_by_id_halves_per_second": by_id_halves,
        "schema_by_id_to_healthz": round(ratio, 4),
    });
    let registration = json!({
        "earlier_versions": schemas::VERSIONS,
        "fields": schemas::FIELDS,
        "level": "FULL_TRANSITIVE",
        "register_cached": inproc.register_warm.json(),
        "register_fresh_service": inproc.register_cold.json(),
        "check_cached": inproc.check_warm.json(),
        "check_fresh_service": inproc.check_cold.json(),
        "setup": {
            "registrations": inproc.setup.count,
            "seconds": round(inproc.setup_seconds, 2),
            "latency": inproc.setup.json(),
        },
        "run": inproc.json,
        "avro_only": cpu,
        "database_bytes": db_bytes,
    });
    let targets = [
        target(
            "register + FULL_TRANSITIVE check p99 (earlier versions cached)",
            inproc.register_warm.p99_ms,
            "ms",
            REGISTER_P99_MS,
            false,
        ),
        target(
            "register + FULL_TRANSITIVE check p99 (fresh service: nothing cached)",
            inproc.register_cold.p99_ms,
            "ms",
            REGISTER_P99_MS,
            false,
        ),
        target(
            "schema by id / healthz throughput",
            ratio * 100.0,
            "%",
            BY_ID_RATIO_PERCENT,
            true,
        ),
    ];
    let settings = json!({
        "subjects": s.subjects,
        "versions_before_timed": schemas::VERSIONS,
        "fields_of_timed_version": schemas::FIELDS,
        "avro_only_subjects": s.cpu_subjects,
        "clients": s.clients,
        "http_seconds": s.http_secs,
        "database": "SQLite (WAL) in a temporary directory",
    });
    let mut figures = json!({
        "benchmark": "schema-registry",
        "date": time::OffsetDateTime::now_utc().format(&Rfc3339)?,
        "git": std::env::var("SB_BENCH_GIT").unwrap_or_else(|_| "unknown".to_owned()),
        "machine": report::machine(),
        "load_average": { "start": load_at_start, "end": load_average() },
        "settings": settings,
        "registration": registration,
        "http": http,
        "peak_rss_mib": report::proc_mib("VmHWM"),
        "targets": targets,
        "total_seconds": round(began.elapsed().as_secs_f64(), 1),
    });
    figures["notes"] = json!(markdown::notes(&figures));
    let md = markdown::render(&figures);
    report::write(&s.out_dir, "registry", &figures, &md)?;
    println!("{md}");
    println!("written to {}", s.out_dir.display());
    Ok(())
}

/// A migrated SQLite database in `dir`, as the server opens it.
async fn open(dir: &Path) -> anyhow::Result<Db> {
    let url = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    Ok(db)
}

/// One request to each endpoint before the load: both must answer 200, the
/// schema with its text.
async fn check(addr: SocketAddr, path: &str) -> anyhow::Result<Value> {
    let mut conn = Conn::new(addr);
    let health = conn.get("/healthz").await?;
    let status = conn.get(path).await?;
    let body = String::from_utf8_lossy(&conn.body).into_owned();
    if health != 200 || status != 200 {
        bail!("/healthz answered {health}, {path} answered {status}: {body:.300}");
    }
    let parsed: Value = serde_json::from_str(&body)?;
    if !parsed["schema"].is_string() {
        bail!("{path}: no schema in {body:.300}");
    }
    Ok(json!({ "path": path, "bytes": body.len() }))
}

/// Every path once, one request at a time on one connection: each must answer 200.
async fn read_each(addr: SocketAddr, paths: &[String]) -> anyhow::Result<report::Stats> {
    let mut conn = Conn::new(addr);
    let mut times = Vec::with_capacity(paths.len());
    for path in paths {
        let started = Instant::now();
        let status = conn.get(path).await?;
        times.push(started.elapsed());
        if status != 200 {
            bail!("{path} answered {status}");
        }
    }
    Ok(report::Stats::of(times))
}
