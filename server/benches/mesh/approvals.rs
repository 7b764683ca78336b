//! 200 approvals → all grants active: 200 applications each ask to consume
//! an event on a cluster other than its home; the owner approves them one
//! after another as fast as the API answers (a burst), while the in-process
//! worker provisions (ACLs, against brokers without an authorizer, and one
//! shared mirror link). Per grant: from its approval to `active`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::access::{ConsumeForm, Decision, NewApplication, Principal};
use serde_json::Value;
use sqlx::Row;
use switchboard::state::AppState;

use crate::common::report::Stats;

const EVENT: &str = "fieldservice.job.assigned";
const REQUESTER: &str = "zoe.williams";
const OWNER: &str = "gareth.evans";

pub async fn measure(state: &AppState, count: usize, cluster: &str) -> anyhow::Result<Value> {
    let zoe = Some(state.auth.caller(REQUESTER).await?);
    let gareth = Some(state.auth.caller(OWNER).await?);
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let app = state
            .access
            .register_application(
                zoe.clone(),
                NewApplication {
                    team: "customer-insights".into(),
                    name: format!("bench-app-{i}"),
                    description: String::new(),
                    principals: vec![Principal {
                        cluster: cluster.into(),
                        principal: format!("User:bench-{i}"),
                    }],
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let r = state
            .access
            .submit_consume(
                zoe.clone(),
                ConsumeForm {
                    event: EVENT.into(),
                    cluster: cluster.into(),
                    application: app.id,
                    group: format!("bench.{i}"),
                    group_is_prefix: false,
                    purpose: "bench".into(),
                    end_date: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        ids.push(r.id);
    }
    // Grants turn active while the burst still runs: watch from its start.
    let watcher = tokio::spawn(watch_active(state.db.clone(), ids.clone()));
    let mut approved_at: HashMap<String, Instant> = HashMap::new();
    let burst = Instant::now();
    for id in &ids {
        state
            .access
            .decide(
                gareth.clone(),
                Decision {
                    request: id.clone(),
                    approve: true,
                    comment: "ok".into(),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        approved_at.insert(id.clone(), Instant::now());
    }
    let approvals_secs = burst.elapsed().as_secs_f64();
    let active_at = watcher.await??;
    let all_active_secs = burst.elapsed().as_secs_f64();
    let per_grant: Vec<Duration> = ids
        .iter()
        .map(|id| active_at[id].saturating_duration_since(approved_at[id]))
        .collect();
    let stats = Stats::of(per_grant);
    eprintln!(
        "[mesh] {count} approvals: p50 {:.0} ms, p99 {:.0} ms per grant; all active after {all_active_secs:.1} s",
        stats.p50_ms, stats.p99_ms
    );
    let mut v = stats.json();
    v["grants"] = count.into();
    v["approvals_took_secs"] = approvals_secs.into();
    v["all_active_after_secs"] = all_active_secs.into();
    Ok(v)
}

/// When each of `ids` was first seen active (polled every 10 ms), until all are.
async fn watch_active(
    db: switchboard::db::Db,
    ids: Vec<String>,
) -> anyhow::Result<HashMap<String, Instant>> {
    let count = ids.len();
    let ids: std::collections::HashSet<String> = ids.into_iter().collect();
    let began = Instant::now();
    let mut active_at: HashMap<String, Instant> = HashMap::new();
    while active_at.len() < count {
        if began.elapsed() > Duration::from_secs(300) {
            anyhow::bail!(
                "only {} of {count} grants active after 300 s",
                active_at.len()
            );
        }
        let rows = sqlx::query("SELECT id FROM requests WHERE state = 'active'")
            .fetch_all(db.pool())
            .await?;
        let now = Instant::now();
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let id = id.to_string();
            if ids.contains(&id) {
                active_at.entry(id).or_insert(now);
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(active_at)
}
