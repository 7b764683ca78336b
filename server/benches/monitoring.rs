//! Monitoring benchmark: storage, chart queries and the sampling pass, against
//! the monitoring issue's targets (30 days of a mesh of 10,000 topics and
//! 5,000 groups in ≤ 2 GB; chart queries p99 ≤ 50 ms; a cluster's sampling
//! pass ≤ 10 s). It measures:
//! - the store at steady state: 15,000 series over 3 clusters, sampled every
//!   30 s, with what the retention keeps (raw 1 day, 5-minute rollups 7 days,
//!   hourly 30 days), filled into a fresh SQLite file (and PostgreSQL);
//! - `rollup::chart_points` for random series and ranges on it;
//! - `sampler::sample_cluster` on one local nisshi broker with one cluster's
//!   share of topics and groups, with its Kafka reads timed apart.
//!
//! It reports; it asserts nothing. Run it with `scripts/bench.sh monitoring`.
//! Environment: `SB_BENCH_MON_TOPICS` (10000), `SB_BENCH_MON_GROUPS` (5000),
//! `SB_BENCH_MON_QUERIES` (2000), `SB_BENCH_MON_PG` (1: also PostgreSQL on
//! 127.0.0.1:5432, `SB_BENCH_MON_PG_URL` to change it), `SB_BENCH_MON_PG_SCALE`
//! (1: the fraction of the series filled on PostgreSQL, sizes extrapolated
//! linearly), `SB_BENCH_MON_PASS_TOPICS` (3334), `SB_BENCH_MON_PASS_GROUPS`
//! (1667), `SB_BENCH_MON_PASSES` (5), `SB_BENCH_MON_NOTE` (a sentence put at
//! the top of the report, for example why the scale was reduced),
//! `SB_BENCH_OUT_DIR`, `SB_BENCH_GIT`.

#[path = "mesh/brokers.rs"]
mod brokers;
#[path = "common/mod.rs"]
mod common;
#[path = "monitoring/pass.rs"]
mod pass;
#[path = "monitoring/queries.rs"]
mod queries;
#[path = "monitoring/storage.rs"]
mod storage;

use std::path::Path;

use serde_json::{json, Value};
use switchboard::db::Db;

use common::report::{self, env_or, round, target};

/// The mesh of the targets.
const FULL_TOPICS: usize = 10_000;
const FULL_GROUPS: usize = 5_000;
const TARGET_BYTES: f64 = 2e9;
const TARGET_P99_MS: f64 = 50.0;
const TARGET_PASS_SECS: f64 = 10.0;
/// 2026-01-01T00:00:00Z: `now` of the filled store (a whole hour).
const NOW: i64 = 1_767_225_600;

fn gb(bytes: f64) -> f64 {
    round(bytes / 1e9, 3)
}

/// The store's figures at `series` series, and scaled to the mesh.
fn storage_summary(fill: &Value) -> Value {
    let series = fill["series"].as_f64().unwrap_or(1.0).max(1.0);
    let scale = (FULL_TOPICS + FULL_GROUPS) as f64 / series;
    let total = fill["total_bytes"].as_f64().unwrap_or(0.0);
    let raw = fill["levels"][0]["bytes"].as_f64().unwrap_or(0.0);
    json!({
        "scale_to_full_mesh": round(scale, 3),
        "measured_total_gb": gb(total),
        "raw_day_gb_full_mesh": gb(raw * scale),
        "total_30_days_gb_full_mesh": gb(total * scale),
    })
}

async fn sqlite_part(
    dir: &Path,
    topics: usize,
    groups: usize,
    queries: usize,
    pass_topics: usize,
    pass_groups: usize,
    passes: usize,
) -> anyhow::Result<Value> {
    let file = dir.join("monitoring.db");
    let db = Db::connect(&format!("sqlite://{}?mode=rwc", file.display())).await?;
    db.migrate().await?;
    eprintln!("[monitoring] SQLite: filling {topics} topics + {groups} groups");
    let (series, fill) = storage::fill(&db, Some(&file), topics, groups, NOW).await?;
    let summary = storage_summary(&fill);
    eprintln!("[monitoring] SQLite: {queries} chart queries");
    let charts = queries::measure(&db, &series, queries, NOW).await?;
    eprintln!("[monitoring] sampling pass: {pass_topics} topics, {pass_groups} groups");
    let pass = match pass::measure(&db, pass_topics, pass_groups, passes, NOW).await {
        Ok(v) => v,
        Err(e) => {
            eprintln!("[monitoring] sampling pass not measured: {e:#}");
            json!({ "error": format!("{e:#}") })
        }
    };
    db.close().await;
    Ok(json!({ "storage": fill, "summary": summary, "charts": charts, "pass": pass }))
}

async fn postgres_part(
    admin_url: &str,
    topics: usize,
    groups: usize,
    queries: usize,
) -> anyhow::Result<Value> {
    let name = format!("sb_bench_monitoring_{}", std::process::id());
    let admin = Db::connect(admin_url).await?;
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(admin.pool())
        .await?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(admin.pool())
        .await?;
    let (base, _) = admin_url
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("the PostgreSQL URL names no database"))?;
    let run = async {
        let db = Db::connect(&format!("{base}/{name}")).await?;
        db.migrate().await?;
        eprintln!("[monitoring] PostgreSQL: filling {topics} topics + {groups} groups");
        let (series, fill) = storage::fill(&db, None, topics, groups, NOW).await?;
        let summary = storage_summary(&fill);
        eprintln!("[monitoring] PostgreSQL: {queries} chart queries");
        let charts = queries::measure(&db, &series, queries, NOW).await?;
        db.close().await;
        Ok::<Value, anyhow::Error>(json!({ "storage": fill, "summary": summary, "charts": charts }))
    }
    .await;
    let dropped = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(admin.pool())
        .await;
    admin.close().await;
    let mut out = run?;
    out["database"] = json!(name);
    out["dropped"] = json!(dropped.is_ok());
    Ok(out)
}

fn level_rows(fill: &Value) -> String {
    let mut md = String::from(
        "| Level | Points per series | Points | Blocks (rows) | MiB | Bytes per point | Fill points/s |\n|---|---|---|---|---|---|---|\n",
    );
    for l in fill["levels"].as_array().into_iter().flatten() {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} | {} | {} |\n",
            l["level"].as_str().unwrap_or("?"),
            l["points_per_series"],
            l["rows"],
            l["blocks"],
            l["bytes"].as_f64().unwrap_or(0.0) / 1_048_576.0,
            l["bytes_per_point"],
            l["rows_per_sec"],
        ));
    }
    md
}

fn chart_rows(charts: &Value) -> String {
    let mut md = String::from(
        "| Range | Queries | Points (mean) | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|\n",
    );
    let row = |name: &str, v: &Value, points: String| {
        format!(
            "| {name} | {} | {points} | {} | {} | {} | {} |\n",
            v["count"], v["p50_ms"], v["p90_ms"], v["p99_ms"], v["max_ms"]
        )
    };
    for r in charts["ranges"].as_array().into_iter().flatten() {
        md.push_str(&row(
            r["range"].as_str().unwrap_or("?"),
            r,
            r["mean_points"].to_string(),
        ));
    }
    md.push_str(&row("**all**", &charts["overall"], "".into()));
    md
}

fn storage_md(title: &str, part: &Value, note: &str) -> String {
    let fill = &part["storage"];
    let s = &part["summary"];
    format!(
        "### {title}\n\n{note}{} series ({} topics, {} groups), {} points in {:.0} s. \
         Before the points (SQLite: the migrated file with the series rows; PostgreSQL: \
         `metric_blocks` empty) {:.1} MiB; with them {:.1} MiB ({} bytes per point overall).\n\n{}\n\
         Scaled to 15,000 series: **{} GB per day of raw points**, **{} GB for the 30-day steady state** \
         (GB = 10⁹ bytes).\n\n",
        fill["series"],
        fill["topics"],
        fill["groups"],
        fill["rows"],
        fill["fill_secs"].as_f64().unwrap_or(0.0),
        fill["empty_bytes"].as_f64().unwrap_or(0.0) / 1_048_576.0,
        fill["total_bytes"].as_f64().unwrap_or(0.0) / 1_048_576.0,
        fill["bytes_per_point"],
        level_rows(fill),
        s["raw_day_gb_full_mesh"],
        s["total_30_days_gb_full_mesh"],
    )
}

fn pass_md(pass: &Value) -> String {
    if let Some(e) = pass["error"].as_str() {
        return format!("Not measured: {e}\n");
    }
    let setup = &pass["setup"];
    let mut md = format!(
        "One nisshi broker (memory storage) on this machine as cluster `onprem`: {} topics of 1 partition \
         ({} records in all), {} consumer groups each with a committed offset on one topic \
         ({} commits failed), and the catalogue rows that make the sampler read them \
         (events available on `onprem`, active consume grants naming the groups). The passes write into \
         the SQLite store filled above (its `onprem` series are these topics and grants), `at` 30 s apart; \
         Kafka timeout {} ms. After each pass the bench repeats its reads with the same inputs, timed apart: \
         the catalogue reads, `kafka::offsets::end_offsets` and `kafka::offsets::committed_offsets`; \
         \"rest\" is the pass minus those three, that is mostly the database write \
         (`store::write`: series look-up, one UPDATE per series, points appended to their blocks). \
         The first pass writes no topic rates (a rate needs an earlier total).\n\n\
         | Pass | Total ms | End offsets ms | Committed offsets ms | Catalogue reads ms | Rest (DB write) ms | Topics | Groups | Points | Group errors |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
        setup["topics"], setup["records"], setup["groups"], setup["commit_failures"],
        pass["kafka_timeout_ms"],
    );
    for p in pass["passes"].as_array().into_iter().flatten() {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            p["pass"],
            p["pass_ms"],
            p["end_offsets_ms"],
            p["committed_offsets_ms"],
            p["catalogue_reads_ms"],
            p["rest_ms"],
            p["topics"],
            p["groups"],
            p["points"],
            p["group_errors"],
        ));
    }
    md.push_str("\n| Part | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|\n");
    for (name, key) in [
        ("whole pass", "pass"),
        ("end offsets", "end_offsets"),
        ("committed offsets", "committed_offsets"),
        ("catalogue reads", "catalogue_reads"),
        ("rest (DB write)", "rest"),
    ] {
        let v = &pass[key];
        md.push_str(&format!(
            "| {name} | {} | {} | {} | {} |\n",
            v["p50_ms"], v["p90_ms"], v["p99_ms"], v["max_ms"]
        ));
    }
    md.push_str(&format!(
        "\nSet-up (not timed as part of a pass): topics created in {} s, records produced in {} s, \
         offsets committed in {} s.\n",
        setup["create_topics_secs"], setup["produce_secs"], setup["commit_secs"]
    ));
    md
}

fn main() -> anyhow::Result<()> {
    let topics: usize = env_or("SB_BENCH_MON_TOPICS", FULL_TOPICS);
    let groups: usize = env_or("SB_BENCH_MON_GROUPS", FULL_GROUPS);
    let queries: usize = env_or("SB_BENCH_MON_QUERIES", 2_000);
    let with_pg = env_or("SB_BENCH_MON_PG", 1) == 1;
    let pg_scale: f64 = env_or("SB_BENCH_MON_PG_SCALE", 1.0f64).clamp(0.001, 1.0);
    let pg_url = std::env::var("SB_BENCH_MON_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let pass_topics: usize = env_or("SB_BENCH_MON_PASS_TOPICS", 3_334);
    let pass_groups: usize = env_or("SB_BENCH_MON_PASS_GROUPS", 1_667);
    let passes: usize = env_or("SB_BENCH_MON_PASSES", 5);
    let out_dir = report::out_dir();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let tmp = tempfile::tempdir()?;
        let sqlite = sqlite_part(
            tmp.path(),
            topics,
            groups,
            queries,
            pass_topics,
            pass_groups,
            passes,
        )
        .await?;
        drop(tmp);
        let (pg_topics, pg_groups) = (
            ((topics as f64 * pg_scale).round() as usize).max(3),
            ((groups as f64 * pg_scale).round() as usize).max(3),
        );
        let postgres = if with_pg {
            match postgres_part(&pg_url, pg_topics, pg_groups, queries).await {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("[monitoring] PostgreSQL not measured: {e:#}");
                    json!({ "error": format!("{e:#}") })
                }
            }
        } else {
            json!({ "skipped": "SB_BENCH_MON_PG is not 1" })
        };

        let mut targets = vec![target(
            "30 days of 10,000 topics + 5,000 groups, SQLite",
            sqlite["summary"]["total_30_days_gb_full_mesh"].as_f64().unwrap_or(f64::MAX),
            "GB",
            TARGET_BYTES / 1e9,
            false,
        )];
        if postgres["summary"].is_object() {
            targets.push(target(
                if pg_scale < 1.0 {
                    "30 days of 10,000 topics + 5,000 groups, PostgreSQL (extrapolated)"
                } else {
                    "30 days of 10,000 topics + 5,000 groups, PostgreSQL"
                },
                postgres["summary"]["total_30_days_gb_full_mesh"].as_f64().unwrap_or(f64::MAX),
                "GB",
                TARGET_BYTES / 1e9,
                false,
            ));
        }
        targets.push(target(
            "chart query p99, SQLite",
            sqlite["charts"]["overall"]["p99_ms"].as_f64().unwrap_or(f64::MAX),
            "ms",
            TARGET_P99_MS,
            false,
        ));
        if postgres["charts"].is_object() {
            targets.push(target(
                "chart query p99, PostgreSQL",
                postgres["charts"]["overall"]["p99_ms"].as_f64().unwrap_or(f64::MAX),
                "ms",
                TARGET_P99_MS,
                false,
            ));
        }
        if sqlite["pass"]["pass"].is_object() {
            targets.push(target(
                &format!("sampling pass of one cluster ({pass_topics} topics, {pass_groups} groups), slowest of {passes}"),
                sqlite["pass"]["pass"]["max_ms"].as_f64().unwrap_or(f64::MAX) / 1000.0,
                "s",
                TARGET_PASS_SECS,
                false,
            ));
        }
        let targets = Value::Array(targets);
        let figures = json!({
            "bench": "monitoring",
            "git": std::env::var("SB_BENCH_GIT").ok(),
            "machine": report::machine(),
            "now": NOW,
            "sqlite": sqlite,
            "postgres": postgres,
            "pg_scale": pg_scale,
            "targets": targets,
        });

        let scale_note = if topics == FULL_TOPICS && groups == FULL_GROUPS {
            String::new()
        } else {
            format!(
                "**Reduced scale** (SB_BENCH_MON_TOPICS={topics}, SB_BENCH_MON_GROUPS={groups}): \
                 sizes are scaled linearly to 15,000 series. "
            )
        };
        let note = std::env::var("SB_BENCH_MON_NOTE")
            .map(|n| format!("{n}\n\n"))
            .unwrap_or_default();
        let mut md = format!(
            "# Monitoring benchmark\n\n{note}{}\n\
             Machine: {} cores ({}), {} MiB of memory. Git {}.\n\n\
             ## Storage at steady state\n\n\
             A mesh of 10,000 topics (`topic_rate` series `event-<n>`) and 5,000 consumer groups \
             (`group_lag` series `<grant n>`) over 3 clusters (`onprem`, `aws`, `gcp`), sampled every 30 s, \
             holds at steady state what the retention keeps: raw points for 1 day (2,880 per series), \
             5-minute rollups for 7 days (2,016, with lo/hi), hourly rollups for 30 days (720, with lo/hi). \
             The bench writes exactly that into a fresh, migrated database, packed as the store packs it \
             (`monitoring::block`: one row per series and block of an hour of raw points, four hours of \
             5-minute rollups or a day of hourly ones; 6 bytes per raw point, 14 per rollup): a **fill** of \
             whole blocks with multi-row INSERTs (200 blocks each, 50 per transaction), not the sampler's \
             append path (the sampling pass below appends through it), in time order \
             (block by block, every series in each, as the sampler and rollups write), with modelled values \
             (rates from whole counts over 30 s with daily swing and noise, a tenth of topics idle; lags \
             mostly small integers, a quarter drifting to hundreds, one in twenty behind by thousands). \
             Sizes are measured after each level: the SQLite file after `PRAGMA wal_checkpoint(TRUNCATE)`, \
             on PostgreSQL `pg_total_relation_size('metric_blocks')` (table, TOAST and both indexes). \
             A store that has been running has also deleted the expired blocks of each level and rewritten \
             the current block of each series at every append; SQLite reuses freed pages, so its size stays \
             near this figure, while PostgreSQL's depends on vacuum.\n\n",
            report::targets_table(&targets),
            figures["machine"]["nproc"],
            figures["machine"]["cpu"].as_str().unwrap_or("?"),
            figures["machine"]["memory_mib"],
            figures["git"].as_str().unwrap_or("?"),
        );
        md.push_str(&storage_md("SQLite", &figures["sqlite"], &scale_note));
        if let Some(e) = figures["postgres"]["error"].as_str() {
            md.push_str(&format!("### PostgreSQL\n\nNot measured: {e}\n\n"));
        } else if figures["postgres"]["storage"].is_object() {
            md.push_str(&storage_md(
                "PostgreSQL",
                &figures["postgres"],
                &format!(
                    "{}PostgreSQL 127.0.0.1:5432, database `{}` made for the run and dropped after it. ",
                    if pg_scale < 1.0 {
                        format!(
                            "**A fraction ({pg_scale}) of the series**, filled in the same way \
                             (SB_BENCH_MON_PG_SCALE); sizes are extrapolated linearly in the number \
                             of series to 15,000. "
                        )
                    } else {
                        String::new()
                    },
                    figures["postgres"]["database"].as_str().unwrap_or("?")
                ),
            ));
        } else {
            md.push_str("### PostgreSQL\n\nSkipped (SB_BENCH_MON_PG is not 1).\n\n");
        }
        md.push_str(&format!(
            "## Chart queries\n\n\
             `switchboard::monitoring::rollup::chart_points(db, series, range, now)` on the filled store, \
             {queries} queries one after another, each for a random series and a random range \
             (hour: raw points; day: 5-minute rollups; week and month: hourly rollups; each topped up \
             from the finer levels), with `now` the fill's last timestamp; 20 warm-up queries first, not counted.\n\n\
             ### SQLite\n\n{}\n",
            chart_rows(&figures["sqlite"]["charts"]),
        ));
        if figures["postgres"]["charts"].is_object() {
            let heading = if pg_scale < 1.0 {
                "PostgreSQL (on the fraction of the series above)"
            } else {
                "PostgreSQL"
            };
            md.push_str(&format!(
                "### {heading}\n\n{}\n",
                chart_rows(&figures["postgres"]["charts"])
            ));
        }
        md.push_str(&format!(
            "## Sampling pass\n\n{}",
            pass_md(&figures["sqlite"]["pass"])
        ));
        report::write(&out_dir, "monitoring", &figures, &md)?;
        eprintln!("{md}");
        Ok::<(), anyhow::Error>(())
    })
}
