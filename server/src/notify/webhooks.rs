//! Outgoing webhooks as admins manage them: validation, storage (audited)
//! and the delivery history of each.

use super::NotifyError;
use app::notify::{Webhook, WebhookDelivery, WebhookForm, NOTIFIED_ACTIONS};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::delivery::SECRET_ENV_PREFIX;
use super::reach::{self, AllowedAddress};
use crate::audit;
use crate::db::{Db, DbError, Tx};

/// What the audit log keeps of a webhook: never a secret (only its variable
/// name), and of the URL only `scheme://host[:port]/…` (see `reach::redacted`).
#[derive(Debug, Clone, Serialize)]
struct Audited<'a> {
    url: String,
    secret_env: &'a str,
    events: &'a [String],
    active: bool,
}

/// Checks the form: an http(s) URL, a `SWITCHBOARD_WEBHOOK_*` environment
/// variable name (whether it is set is not looked at, so the answer tells
/// nothing about the server's environment), known actions.
pub fn validate(form: &WebhookForm) -> Result<(), NotifyError> {
    let url = url::Url::parse(form.url.trim())
        .map_err(|_| NotifyError::invalid("The URL is not a valid absolute URL."))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(NotifyError::invalid(
            "The URL must be http:// or https:// with a host.",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(NotifyError::invalid(
            "Put no credentials in the URL: requests are signed with the secret instead.",
        ));
    }
    let env = form.secret_env.as_str();
    let env_ok = env.len() <= 128
        && env.strip_prefix(SECRET_ENV_PREFIX).is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        });
    if !env_ok {
        return Err(NotifyError::invalid(format!(
            "secret_env must name an environment variable starting with {SECRET_ENV_PREFIX} \
             (capitals, digits and _), like {SECRET_ENV_PREFIX}SECRET."
        )));
    }
    if let Some(bad) = form
        .events
        .iter()
        .find(|e| !NOTIFIED_ACTIONS.contains(&e.as_str()))
    {
        return Err(NotifyError::invalid(format!(
            "Unknown event `{bad}`; known events: {}.",
            NOTIFIED_ACTIONS.join(", ")
        )));
    }
    Ok(())
}

const WEBHOOK_COLUMNS: &str = "w.id, w.url, w.secret_env, w.events, w.active, w.created_at, \
     w.updated_at, \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id \
        AND d.parked_at IS NOT NULL) AS parked, \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id \
        AND d.next_attempt_at IS NOT NULL) AS pending";

pub async fn list(db: &Db) -> Result<Vec<Webhook>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks w ORDER BY w.created_at, w.id"
    ))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(webhook).collect()
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Webhook>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks w WHERE w.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(webhook).transpose()
}

/// Refuses a URL whose host is only internal addresses (or none), unless allowed.
async fn check_reach(form: &WebhookForm, allow: &[AllowedAddress]) -> Result<(), NotifyError> {
    let url = url::Url::parse(form.url.trim())
        .map_err(|_| NotifyError::invalid("The URL is not a valid absolute URL."))?;
    reach::addresses(&url, allow)
        .await
        .map_err(|r| NotifyError::invalid(r.message(url.host_str().unwrap_or_default())))?;
    Ok(())
}

/// Inserts (no `id`) or updates a webhook, audited in the same transaction.
pub async fn save(
    db: &Db,
    actor: &str,
    form: &WebhookForm,
    allow: &[AllowedAddress],
) -> Result<Webhook, NotifyError> {
    validate(form)?;
    check_reach(form, allow).await?;
    let mut tx = db.begin().await?;
    let now = crate::db::now();
    let events = serde_json::to_string(&form.events)
        .map_err(|_| NotifyError::Internal("a list of words is not serialisable"))?;
    let url = form.url.trim();
    let after = Audited {
        url: reach::redacted(url),
        secret_env: &form.secret_env,
        events: &form.events,
        active: form.active,
    };
    let id = match form.id.as_deref().filter(|i| !i.is_empty()) {
        None => {
            let id = uuid::Uuid::new_v4().simple().to_string();
            sqlx::query(
                "INSERT INTO webhooks (id, url, secret_env, events, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(&id)
            .bind(url)
            .bind(&form.secret_env)
            .bind(&events)
            .bind(i64::from(form.active))
            .bind(&now)
            .execute(&mut *tx)
            .await
            ?;
            record(&mut tx, actor, "webhook.created", &id, None, &after).await?;
            id
        }
        Some(id) => {
            let before = stored(&mut tx, id)
                .await?
                .ok_or_else(|| NotifyError::NotFound(format!("No webhook {id}.")))?;
            sqlx::query(
                "UPDATE webhooks SET url = $2, secret_env = $3, events = $4, active = $5, \
                 updated_at = $6 WHERE id = $1",
            )
            .bind(id)
            .bind(url)
            .bind(&form.secret_env)
            .bind(&events)
            .bind(i64::from(form.active))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            let before = Audited {
                url: reach::redacted(&before.0),
                secret_env: &before.1,
                events: &before.2,
                active: before.3,
            };
            record(&mut tx, actor, "webhook.updated", id, Some(&before), &after).await?;
            id.to_string()
        }
    };
    tx.commit().await?;
    get(db, &id)
        .await?
        .ok_or(NotifyError::Internal("a webhook just saved is missing"))
}

async fn record(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    id: &str,
    before: Option<&Audited<'_>>,
    after: &Audited<'_>,
) -> Result<(), NotifyError> {
    audit::record(
        tx,
        audit::Entry {
            actor,
            action,
            subject: &format!("webhook:{id}"),
            before,
            after: Some(after),
        },
    )
    .await
    .map_err(NotifyError::from)
}

/// url, secret_env, events, active of a stored webhook.
async fn stored(
    tx: &mut Tx,
    id: &str,
) -> Result<Option<(String, String, Vec<String>, bool)>, DbError> {
    let row = sqlx::query("SELECT url, secret_env, events, active FROM webhooks WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| {
        let events: String = r.try_get("events")?;
        Ok((
            r.try_get("url")?,
            r.try_get("secret_env")?,
            serde_json::from_str(&events).unwrap_or_default(),
            crate::db::flag(&r, "active")?,
        ))
    })
    .transpose()
}

/// The latest deliveries of a webhook, newest first.
pub async fn deliveries(db: &Db, id: &str, limit: i64) -> Result<Vec<WebhookDelivery>, DbError> {
    let rows = sqlx::query(
        "SELECT id, audit_id, event, attempts, next_attempt_at, last_error, delivered_at, \
         parked_at, created_at FROM webhook_deliveries WHERE webhook_id = $1 \
         ORDER BY id DESC LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let delivered_at: Option<String> = r.try_get("delivered_at")?;
            let parked_at: Option<String> = r.try_get("parked_at")?;
            let state = if delivered_at.is_some() {
                "delivered"
            } else if parked_at.is_some() {
                "parked"
            } else {
                "pending"
            };
            Ok(WebhookDelivery {
                id: r.try_get("id")?,
                audit_id: r.try_get("audit_id")?,
                event: r.try_get("event")?,
                attempts: r.try_get("attempts")?,
                state: state.to_string(),
                next_attempt_at: r.try_get("next_attempt_at")?,
                last_error: r.try_get("last_error")?,
                delivered_at,
                parked_at,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

fn webhook(r: &AnyRow) -> Result<Webhook, DbError> {
    let events: String = r.try_get("events")?;
    Ok(Webhook {
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        secret_env: r.try_get("secret_env")?,
        events: serde_json::from_str(&events).unwrap_or_default(),
        active: crate::db::flag(r, "active")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        parked: r.try_get("parked")?,
        pending: r.try_get("pending")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(url: &str, env: &str, events: &[&str]) -> WebhookForm {
        WebhookForm {
            id: None,
            url: url.into(),
            secret_env: env.into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            active: true,
        }
    }

    #[test]
    fn valid_forms_pass_and_bad_ones_say_why() {
        const S: &str = "SWITCHBOARD_WEBHOOK_S";
        assert!(validate(&form(
            "https://hooks.example/sb",
            "SWITCHBOARD_WEBHOOK_HOOK_SECRET",
            &[]
        ))
        .is_ok());
        assert!(validate(&form(
            "http://127.0.0.1:9/x",
            "SWITCHBOARD_WEBHOOK__1",
            &["request.approved", "grant.expiring_soon"]
        ))
        .is_ok());
        for (f, says) in [
            (form("ftp://x/y", S, &[]), "http"),
            (form("not a url", S, &[]), "URL"),
            (form("https://u:p@x/y", S, &[]), "credentials"),
            (form("https://x/y", "lower", &[]), "secret_env"),
            (form("https://x/y", "", &[]), "secret_env"),
            (form("https://x/y", "DATABASE_URL", &[]), "secret_env"),
            (
                form("https://x/y", "SWITCHBOARD_WEBHOOK_", &[]),
                "secret_env",
            ),
            (
                form("https://x/y", "SWITCHBOARD_WEBHOOK_a", &[]),
                "secret_env",
            ),
            (
                form("https://x/y", "SWITCHBOARD_WEBHOOKS", &[]),
                "secret_env",
            ),
            (form("https://x/y", S, &["event.updated"]), "Unknown event"),
        ] {
            let e = validate(&f).expect_err("refused");
            assert!(e.to_string().contains(says), "{}: {}", f.url, e);
        }
    }
}
