//! `alert_rules` and `alerts`: the only code that reads or writes them.

use app::monitoring::{AlertKind, AlertState};
use sqlx::{AnyConnection, Row};

use crate::db::{flag, Db, DbError};

#[derive(Debug, Clone, PartialEq)]
pub struct RuleRow {
    pub id: i64,
    pub key: String,
    pub kind: AlertKind,
    pub event: String,
    pub cluster: Option<String>,
    pub grant: Option<i64>,
    pub link: Option<i64>,
    pub team: String,
    pub threshold: f64,
    pub for_minutes: i64,
    pub enabled: bool,
    pub state: AlertState,
    pub since: Option<String>,
    pub last_value: Option<f64>,
    pub created_at: String,
}

/// A rule to make.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRule {
    pub key: String,
    pub kind: AlertKind,
    pub event: String,
    pub cluster: Option<String>,
    pub grant: Option<i64>,
    pub link: Option<i64>,
    pub team: String,
    pub threshold: f64,
    pub for_minutes: i64,
}

const COLUMNS: &str = "id, rule_key, kind, event_name, cluster_id, grant_id, link_id, team_id, \
    threshold, for_minutes, enabled, state, since, last_value, created_at";

fn rule(r: &sqlx::any::AnyRow) -> Result<Option<RuleRow>, DbError> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    let (Some(kind), Some(state)) = (AlertKind::parse(&kind), AlertState::parse(&state)) else {
        return Ok(None);
    };
    Ok(Some(RuleRow {
        id: r.try_get("id")?,
        key: r.try_get("rule_key")?,
        kind,
        event: r.try_get("event_name")?,
        cluster: r.try_get("cluster_id")?,
        grant: r.try_get("grant_id")?,
        link: r.try_get("link_id")?,
        team: r.try_get("team_id")?,
        threshold: r.try_get("threshold")?,
        for_minutes: r.try_get("for_minutes")?,
        enabled: flag(r, "enabled")?,
        state,
        since: r.try_get("since")?,
        last_value: r.try_get("last_value")?,
        created_at: r.try_get("created_at")?,
    }))
}

fn rules(found: &[sqlx::any::AnyRow]) -> Result<Vec<RuleRow>, DbError> {
    let mut out = Vec::with_capacity(found.len());
    for r in found {
        out.extend(rule(r)?);
    }
    Ok(out)
}

pub async fn all(db: &Db) -> Result<Vec<RuleRow>, DbError> {
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM alert_rules ORDER BY event_name, id"
    ))
    .fetch_all(db.pool())
    .await?;
    rules(&found)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<RuleRow>, DbError> {
    let found = sqlx::query(&format!("SELECT {COLUMNS} FROM alert_rules WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(match found {
        Some(r) => rule(&r)?,
        None => None,
    })
}

pub async fn keys(db: &Db) -> Result<std::collections::HashSet<String>, DbError> {
    let found: Vec<String> = sqlx::query_scalar("SELECT rule_key FROM alert_rules")
        .fetch_all(db.pool())
        .await?;
    Ok(found.into_iter().collect())
}

pub async fn insert(db: &Db, rules: &[NewRule]) -> Result<usize, DbError> {
    let now = crate::db::now();
    let mut tx = db.begin().await?;
    let mut made = 0;
    for r in rules {
        made += sqlx::query(
            "INSERT INTO alert_rules (rule_key, kind, event_name, cluster_id, grant_id, link_id, \
             team_id, threshold, for_minutes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
             ON CONFLICT (rule_key) DO NOTHING",
        )
        .bind(&r.key)
        .bind(r.kind.as_str())
        .bind(&r.event)
        .bind(r.cluster.as_deref())
        .bind(r.grant)
        .bind(r.link)
        .bind(&r.team)
        .bind(r.threshold)
        .bind(r.for_minutes)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected() as usize;
    }
    tx.commit().await?;
    Ok(made)
}

/// Writes an edit; a rule switched off is no longer pending or firing
/// (its open alert, if any, is resolved by the caller in the same transaction).
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    threshold: f64,
    for_minutes: i64,
    enabled: bool,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE alert_rules SET threshold = $1, for_minutes = $2, enabled = $3, updated_at = $4 \
         WHERE id = $5",
    )
    .bind(threshold)
    .bind(for_minutes)
    .bind(i64::from(enabled))
    .bind(crate::db::now())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_state(
    conn: &mut AnyConnection,
    id: i64,
    state: AlertState,
    since: Option<&str>,
    value: Option<f64>,
) -> Result<(), DbError> {
    // No NULL float parameter (see `store::write`).
    let set_value = if value.is_some() {
        ", last_value = $4"
    } else {
        ""
    };
    let sql = format!("UPDATE alert_rules SET state = $1, since = $2{set_value} WHERE id = $3");
    let q = sqlx::query(&sql).bind(state.as_str()).bind(since).bind(id);
    let q = match value {
        Some(v) => q.bind(v),
        None => q,
    };
    q.execute(conn).await?;
    Ok(())
}

/// Opens an alert of a rule; returns its id.
pub async fn open_alert(
    conn: &mut AnyConnection,
    rule: i64,
    summary: &str,
    value: f64,
    at: &str,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO alerts (rule_id, summary, value, fired_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(rule)
    .bind(summary)
    .bind(value)
    .bind(at)
    .fetch_one(conn)
    .await?)
}

/// Resolves the rule's open alert; returns its id if there was one.
pub async fn resolve_alert(
    conn: &mut AnyConnection,
    rule: i64,
    at: &str,
) -> Result<Option<i64>, DbError> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM alerts WHERE rule_id = $1 AND resolved_at IS NULL ORDER BY id DESC",
    )
    .bind(rule)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = id {
        sqlx::query("UPDATE alerts SET resolved_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(conn)
            .await?;
    }
    Ok(id)
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub id: i64,
    pub rule: RuleRow,
    pub summary: String,
    pub value: Option<f64>,
    pub fired_at: String,
    pub resolved_at: Option<String>,
}

/// Open alerts, then the latest `recent` resolved ones.
pub async fn alerts(db: &Db, recent: i64) -> Result<Vec<AlertRow>, DbError> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT a.id AS alert_id, a.summary, a.value, a.fired_at, a.resolved_at, {cols} \
         FROM alerts a JOIN alert_rules r ON r.id = a.rule_id \
         WHERE a.resolved_at IS NULL OR a.id IN \
           (SELECT id FROM alerts WHERE resolved_at IS NOT NULL ORDER BY id DESC LIMIT {recent}) \
         ORDER BY a.id DESC"
    );
    let found = sqlx::query(&sql).fetch_all(db.pool()).await?;
    let mut out = Vec::with_capacity(found.len());
    for r in &found {
        let Some(rule) = rule(r)? else { continue };
        out.push(AlertRow {
            id: r.try_get("alert_id")?,
            rule,
            summary: r.try_get("summary")?,
            value: r.try_get("value")?,
            fired_at: r.try_get("fired_at")?,
            resolved_at: r.try_get("resolved_at")?,
        });
    }
    Ok(out)
}
