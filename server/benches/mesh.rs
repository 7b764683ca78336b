//! Mesh links and provisioning benchmark (issue 6, "Performance"), on local
//! nisshi brokers and SQLite. It measures:
//! - link throughput for 1 KB records, with the scripted Python mirror and the
//!   raw produce ceiling between the same brokers in the same run;
//! - end-to-end mirror latency at 1,000 records/s;
//! - 200 approvals → all grants active, per grant.
//!
//! It reports against the targets; it asserts nothing. Run it with
//! `scripts/bench.sh mesh`. Environment: `SB_BENCH_MESH_RECORDS` (300000),
//! `SB_BENCH_MESH_LATENCY_SECS` (20), `SB_BENCH_MESH_GRANTS` (200),
//! `SB_BENCH_MESH_ROUNDS` (5 throughput rounds, the median reported),
//! `SB_PYTHON` (the Python with confluent-kafka; scripts/setup.sh makes it),
//! `SB_BENCH_OUT_DIR`, `SB_BENCH_GIT`.

#[path = "mesh/approvals.rs"]
mod approvals;
#[path = "mesh/brokers.rs"]
mod brokers;
#[path = "common/mod.rs"]
mod common;
#[path = "mesh/kafka.rs"]
mod kafka;
#[path = "mesh/latency.rs"]
mod latency;
#[path = "mesh/throughput.rs"]
mod throughput;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use switchboard::db::Db;

use brokers::Broker;
use common::report::{self, env_or, target};

fn main() -> anyhow::Result<()> {
    let records: usize = env_or("SB_BENCH_MESH_RECORDS", 300_000);
    let latency_secs: u64 = env_or("SB_BENCH_MESH_LATENCY_SECS", 20);
    let grants: usize = env_or("SB_BENCH_MESH_GRANTS", 200);
    let rounds: usize = env_or("SB_BENCH_MESH_ROUNDS", 5);
    let python = std::env::var("SB_PYTHON").unwrap_or_else(|_| "python3".into());
    let out_dir = report::out_dir();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let onprem = Broker::start()?;
        let aws = Broker::start()?;
        let gcp = Broker::start()?;
        let tmp = tempfile::tempdir()?;
        let db = Db::connect(&format!("sqlite://{}?mode=rwc", tmp.path().join("bench.db").display())).await?;
        db.migrate().await?;
        let mut clusters = switchboard::demo::demo_clusters(19092);
        for c in &mut clusters {
            c.bootstrap_servers = match c.id.as_str() {
                "onprem" => onprem.bootstrap(),
                "aws" => aws.bootstrap(),
                _ => gcp.bootstrap(),
            };
        }
        switchboard::serve::register_clusters(&db, clusters).await?;
        let setup = throughput::Setup {
            db: &db,
            source_cluster: "onprem",
            target_cluster: "aws",
            source: onprem.bootstrap(),
            target: aws.bootstrap(),
        };
        let tp = throughput::measure_rounds(&db, rounds, records, 1024, &python).await?;
        let lat = latency::measure(&setup, 1_000, latency_secs).await?;

        switchboard::catalogue::seed::seed(&db, Duration::from_secs(10)).await?;
        let config = switchboard::config::Config {
            data_dir: tmp.path().to_path_buf(),
            ..Default::default()
        };
        let index = Arc::new(switchboard::search::SearchIndex::in_memory()?);
        let state = switchboard::serve::app_state(db.clone(), &config, index, None);
        let worker = switchboard::provision::Worker::start(&db, state.access.clone(), state.registry.clone(), &config);
        let appr = approvals::measure(&state, grants, "aws").await?;
        worker.stop().await;

        let vs_scripted = tp["vs_scripted"].as_f64().unwrap_or(0.0);
        let vs_ceiling = tp["vs_ceiling_percent"].as_f64().unwrap_or(0.0);
        let targets = json!([
            target("link throughput vs scripted Python mirror", vs_scripted, "×", 2.0, true),
            target("link throughput vs produce ceiling", vs_ceiling, "%", 40.0, true),
            target("mirror latency p99 at 1,000 records/s", lat["p99_ms"].as_f64().unwrap_or(f64::MAX), "ms", 500.0, false),
            target(&format!("{grants} approvals → active, p99 per grant"), appr["p99_ms"].as_f64().unwrap_or(f64::MAX) / 1000.0, "s", 2.0, false),
        ]);
        let figures = json!({
            "bench": "mesh",
            "git": std::env::var("SB_BENCH_GIT").ok(),
            "machine": report::machine(),
            "throughput": tp,
            "latency": lat,
            "approvals": appr,
            "targets": targets,
        });
        let md = format!(
            "# Mesh links and provisioning benchmark\n\n{}\n\
             Throughput: {} records of {} bytes, {} partitions, nisshi brokers with memory storage on this machine, fresh brokers for each phase; \
             the median of {} rounds (each round's figures are in the JSON file).\n\
             Built-in link {} records/s; scripted Python mirror (confluent-kafka consume → produce) {} records/s; \
             one rdkafka producer straight into the destination {} records/s; one rdkafka consumer only reading \
             the source {} records/s (not a target: an upper bound of any mirror, as the produce ceiling is).\n\n\
             Latency: {} s at 1,000 records/s of 1 KB (first second left out): p50 {} ms, p99 {} ms.\n\n\
             Approvals: {grants} consume requests approved in a burst by the owner; per grant from approval to active: \
             p50 {} ms, p99 {} ms; all active after {:.1} s.\n",
            report::targets_table(&targets),
            tp["records"], tp["record_bytes"], tp["partitions"], tp["rounds"],
            tp["builtin_per_sec"], tp["scripted_python_per_sec"], tp["produce_ceiling_per_sec"],
            tp["read_only_per_sec"],
            latency_secs, lat["p50_ms"], lat["p99_ms"],
            appr["p50_ms"], appr["p99_ms"], appr["all_active_after_secs"].as_f64().unwrap_or(0.0),
        );
        report::write(&out_dir, "mesh", &figures, &md)?;
        eprintln!("{md}");
        db.close().await;
        Ok::<(), anyhow::Error>(())
    })
}
