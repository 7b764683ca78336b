//! The notifier pass: reads audit entries after the cursor and, for the
//! notified actions, writes one notification per recipient and one webhook
//! delivery per matching webhook, then moves the cursor, all in one
//! transaction. It never touches the code that writes the audit log.

use std::collections::HashMap;
use std::time::Duration;

use app::notify::NOTIFIED_ACTIONS;
use sqlx::Row;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::message::{self, RequestFacts};
use super::stamp;
use crate::db::{DbError, Tx};

const CURSOR: &str = "notifications";
/// In `pending_teams`, the platform admins (who are not a team).
pub const ADMINS: &str = "admins";

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Audit entries read past (notified or not).
    pub handled: usize,
    pub notifications: u64,
    pub deliveries: u64,
    /// The cursor after the pass.
    pub cursor: i64,
    /// Stopped before an id that may still be committed (see `ready_prefix`).
    pub waiting: bool,
}

struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    action: String,
    subject: String,
    before: Option<String>,
    after: Option<String>,
}

struct Hook {
    id: String,
    events: Vec<String>,
}

impl Hook {
    fn wants(&self, action: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == action)
    }
}

/// One pass over at most `batch` entries.
pub async fn run_pass(
    db: &crate::db::Db,
    admins: &[String],
    batch: i64,
    gap_grace: Duration,
    now: OffsetDateTime,
) -> Result<PassReport, DbError> {
    let mut tx = db.begin().await?;
    // Takes the cursor's row lock (PostgreSQL) or the write lock (SQLite)
    // first, so that concurrent passes (replicas) run one after another.
    sqlx::query("UPDATE notifier_cursor SET audit_id = audit_id WHERE name = $1")
        .bind(CURSOR)
        .execute(&mut *tx)
        .await?;
    let cursor: i64 = sqlx::query_scalar("SELECT audit_id FROM notifier_cursor WHERE name = $1")
        .bind(CURSOR)
        .fetch_one(&mut *tx)
        .await?;
    let rows = sqlx::query(
        "SELECT id, at, actor, action, subject, before_json, after_json FROM audit_log \
         WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(cursor)
    .bind(batch.max(1))
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| {
        Ok(AuditRow {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            action: r.try_get("action")?,
            subject: r.try_get("subject")?,
            before: r.try_get("before_json")?,
            after: r.try_get("after_json")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let ids: Vec<(i64, &str)> = rows.iter().map(|r| (r.id, r.at.as_str())).collect();
    let take = ready_prefix(cursor, &ids, now, gap_grace);
    let mut report = PassReport {
        handled: take,
        cursor,
        waiting: take < rows.len(),
        ..PassReport::default()
    };
    if take == 0 {
        tx.rollback().await?;
        return Ok(report);
    }
    let hooks = active_hooks(&mut tx).await?;
    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    for row in &rows[..take] {
        if !NOTIFIED_ACTIONS.contains(&row.action.as_str()) {
            continue;
        }
        let Some(facts) = RequestFacts::from_json(row.after.as_deref(), row.before.as_deref())
        else {
            tracing::warn!(audit_id = row.id, action = %row.action, "notified action without request facts");
            continue;
        };
        let mut team_members = Vec::new();
        for team in facts.teams() {
            if !members.contains_key(&team) {
                let mut list = team_members_of(&mut tx, &team).await?;
                if team == ADMINS {
                    list.extend(admin_users(&mut tx, admins).await?);
                }
                members.insert(team.clone(), list);
            }
            team_members.extend(members[&team].iter().cloned());
        }
        let title = message::title(&row.action, &row.actor, &facts);
        let link = message::link(&row.action, &facts);
        for user in message::recipients(&row.actor, &facts, team_members) {
            report.notifications += sqlx::query(
                "INSERT INTO notifications (user_id, audit_id, created_at, kind, title, link) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (audit_id, user_id) DO NOTHING",
            )
            .bind(&user)
            .bind(row.id)
            .bind(&row.at)
            .bind(&row.action)
            .bind(&title)
            .bind(&link)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        let wanting: Vec<&Hook> = hooks.iter().filter(|h| h.wants(&row.action)).collect();
        if wanting.is_empty() {
            continue;
        }
        let payload = payload(row);
        for hook in wanting {
            report.deliveries += sqlx::query(
                "INSERT INTO webhook_deliveries \
                 (webhook_id, audit_id, event, payload, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT (webhook_id, audit_id) DO NOTHING",
            )
            .bind(&hook.id)
            .bind(row.id)
            .bind(&row.action)
            .bind(&payload)
            .bind(stamp(now))
            .bind(crate::db::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
    }
    let last = rows[take - 1].id;
    sqlx::query("UPDATE notifier_cursor SET audit_id = $1 WHERE name = $2")
        .bind(last)
        .bind(CURSOR)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    report.cursor = last;
    Ok(report)
}

/// The body POSTed to webhooks (signed byte for byte as stored).
fn payload(row: &AuditRow) -> String {
    let data = row
        .after
        .as_deref()
        .or(row.before.as_deref())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "id": row.id,
        "event": row.action,
        "at": row.at,
        "actor": row.actor,
        "subject": row.subject,
        "data": data,
    })
    .to_string()
}

async fn active_hooks(tx: &mut Tx) -> Result<Vec<Hook>, DbError> {
    let rows = sqlx::query("SELECT id, events FROM webhooks WHERE active = 1 ORDER BY id")
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| {
            let events: String = r.try_get("events")?;
            Ok(Hook {
                id: r.try_get("id")?,
                events: serde_json::from_str(&events).unwrap_or_default(),
            })
        })
        .collect()
}

async fn team_members_of(tx: &mut Tx, team: &str) -> Result<Vec<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id")
            .bind(team)
            .fetch_all(&mut **tx)
            .await?,
    )
}

/// Configured admins and users whose provider groups made them admins.
async fn admin_users(tx: &mut Tx, configured: &[String]) -> Result<Vec<String>, DbError> {
    let mut users: Vec<String> = sqlx::query_scalar("SELECT id FROM users WHERE admin = 1")
        .fetch_all(&mut **tx)
        .await?;
    users.extend(configured.iter().cloned());
    Ok(users)
}

/// How many of `rows` (ids ascending, with their `at`) may be handled now.
///
/// On PostgreSQL ids come from a sequence when a row is inserted, not when its
/// transaction commits: an id may be missing now and appear later, or never
/// (rolled back). The pass stops before a gap unless the entry after it is
/// older than `grace`, after which the missing id is taken to be rolled back.
/// (SQLite commits one writer at a time, so its ids have no such gaps.)
pub fn ready_prefix(
    cursor: i64,
    rows: &[(i64, &str)],
    now: OffsetDateTime,
    grace: Duration,
) -> usize {
    let mut expected = cursor + 1;
    for (i, (id, at)) in rows.iter().enumerate() {
        if *id != expected {
            let settled = OffsetDateTime::parse(at, &Rfc3339)
                .map(|t| now - t >= grace)
                .unwrap_or(true);
            if !settled {
                return i;
            }
        }
        expected = id + 1;
    }
    rows.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_before_a_recent_gap_and_passes_an_old_one() {
        let now = OffsetDateTime::parse("2025-03-01T12:00:30Z", &Rfc3339).expect("time");
        let grace = Duration::from_secs(10);
        let recent = "2025-03-01T12:00:25Z";
        let old = "2025-03-01T12:00:00Z";
        assert_eq!(
            ready_prefix(4, &[(5, recent), (6, recent)], now, grace),
            2,
            "no gap"
        );
        assert_eq!(
            ready_prefix(4, &[(5, recent), (7, recent), (8, recent)], now, grace),
            1,
            "6 may still commit"
        );
        assert_eq!(
            ready_prefix(4, &[(6, old), (7, recent)], now, grace),
            2,
            "5 was rolled back long ago"
        );
        assert_eq!(ready_prefix(4, &[], now, grace), 0);
    }
}
