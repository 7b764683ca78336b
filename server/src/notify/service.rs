//! The service behind the audit page, the bell and the webhook API. Every
//! method checks the caller itself.

use std::time::Duration;

use super::NotifyError;
use app::auth::Caller;
use app::notify::{
    AuditFilter, AuditPage, Notification, NotificationPage, Webhook, WebhookDelivery, WebhookForm,
};
use futures::Stream;
use sqlx::Row;
use time::OffsetDateTime;

use super::audit_log::{self, Conditions};
use super::delivery::{Deliverer, DeliveryPolicy, DeliveryReport};
use super::notifier::{self, PassReport};
use super::webhooks;
use crate::auth::{require_admin, require_signed_in};
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::registry::propagation::Backoff;

/// Audit entries read per notifier pass.
const BATCH: i64 = 500;
/// Notifications per page.
const PAGE: i64 = 50;
/// Deliveries listed per webhook.
const DELIVERIES: i64 = 100;

pub struct NotifyService {
    db: Db,
    /// Configured platform admins, notified for the `admins` pending team.
    admins: Vec<String>,
    interval: Duration,
    gap_grace: Duration,
    /// Internal addresses webhooks may be saved with anyway.
    webhook_allow: Vec<crate::notify::reach::AllowedAddress>,
    deliverer: Deliverer,
}

impl NotifyService {
    pub fn new(db: Db, config: &Config) -> Self {
        let mut admins = config.auth.admins.clone();
        if config.demo.enabled {
            admins.push(crate::auth::DEMO_ADMIN.to_string());
        }
        let config = &config.notifications;
        let policy = DeliveryPolicy {
            timeout: Duration::from_millis(config.webhook_timeout_ms.max(1)),
            max_attempts: i64::from(config.webhook_max_attempts.max(1)),
            backoff: Backoff {
                base: Duration::from_millis(config.webhook_backoff_base_ms),
                cap: Duration::from_millis(config.webhook_backoff_cap_ms),
            },
            allow: config.webhook_allow.clone(),
        };
        Self {
            webhook_allow: policy.allow.clone(),
            deliverer: Deliverer::new(db.clone(), policy),
            db,
            admins,
            interval: Duration::from_millis(config.interval_ms.max(50)),
            gap_grace: Duration::from_secs(config.gap_grace_secs),
        }
    }

    pub(super) fn interval(&self) -> Duration {
        self.interval
    }

    /// One notifier pass now (the task runs these; tests call them directly).
    pub async fn run_pass(&self) -> Result<PassReport, DbError> {
        self.run_pass_at(OffsetDateTime::now_utc()).await
    }

    pub async fn run_pass_at(&self, now: OffsetDateTime) -> Result<PassReport, DbError> {
        notifier::run_pass(&self.db, &self.admins, BATCH, self.gap_grace, now).await
    }

    /// Sends the webhook deliveries that are due now.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, DbError> {
        self.deliver_due_at(OffsetDateTime::now_utc()).await
    }

    /// Sends the deliveries due at `now` (tests pass a later time to skip the backoff).
    pub async fn deliver_due_at(&self, now: OffsetDateTime) -> Result<DeliveryReport, DbError> {
        self.deliverer.deliver_due(now).await
    }

    /// The matching audit entries as JSON lines, oldest first (admins only).
    /// The caller and the filter are checked before anything is streamed.
    pub fn export(
        &self,
        caller: Option<Caller>,
        filter: &AuditFilter,
    ) -> Result<impl Stream<Item = Result<String, std::io::Error>> + Send + 'static, NotifyError>
    {
        require_admin(caller)?;
        let conditions = Conditions::parse(filter)?;
        Ok(audit_log::export(self.db.clone(), conditions))
    }

    /// Admins only.
    pub async fn webhooks(&self, caller: Option<Caller>) -> Result<Vec<Webhook>, NotifyError> {
        require_admin(caller)?;
        webhooks::list(&self.db).await.map_err(NotifyError::from)
    }

    /// Admins only; audited.
    pub async fn save_webhook(
        &self,
        caller: Option<Caller>,
        form: WebhookForm,
    ) -> Result<Webhook, NotifyError> {
        let caller = require_admin(caller)?;
        webhooks::save(&self.db, &caller.user_id, &form, &self.webhook_allow).await
    }

    /// Admins only: the latest deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        caller: Option<Caller>,
        id: &str,
    ) -> Result<Vec<WebhookDelivery>, NotifyError> {
        require_admin(caller)?;
        if webhooks::get(&self.db, id).await?.is_none() {
            return Err(NotifyError::NotFound(format!("No webhook {id}.")));
        }
        webhooks::deliveries(&self.db, id, DELIVERIES)
            .await
            .map_err(NotifyError::from)
    }

    async fn unread(&self, user: &str) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user)
        .fetch_one(self.db.pool())
        .await?)
    }
}

/// The `AuditLog` and `Notifications` traits' methods; the traits forward
/// to them (`notify/mod.rs`).
impl NotifyService {
    pub async fn search(
        &self,
        caller: Option<Caller>,
        filter: AuditFilter,
    ) -> Result<AuditPage, NotifyError> {
        require_admin(caller)?;
        Ok(audit_log::search(&self.db, &filter).await?)
    }

    pub async fn list(
        &self,
        caller: Option<Caller>,
        before: Option<i64>,
    ) -> Result<NotificationPage, NotifyError> {
        let caller = require_signed_in(caller)?;
        let rows = sqlx::query(
            "SELECT id, created_at, kind, title, link, read_at FROM notifications \
             WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(&caller.user_id)
        .bind(before.filter(|b| *b > 0).unwrap_or(i64::MAX))
        .bind(PAGE + 1)
        .fetch_all(self.db.pool())
        .await?;
        let mut items = rows
            .iter()
            .map(|r| {
                Ok(Notification {
                    id: r.try_get("id")?,
                    created_at: r.try_get("created_at")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    link: r.try_get("link")?,
                    read_at: r.try_get("read_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let more = items.len() as i64 > PAGE;
        items.truncate(PAGE as usize);
        Ok(NotificationPage {
            next_before: if more {
                items.last().map(|n| n.id)
            } else {
                None
            },
            items,
            unread: self.unread(&caller.user_id).await?,
        })
    }

    pub async fn unread_count(&self, caller: Option<Caller>) -> Result<i64, NotifyError> {
        let caller = require_signed_in(caller)?;
        self.unread(&caller.user_id)
            .await
            .map_err(NotifyError::from)
    }

    pub async fn mark_read(&self, caller: Option<Caller>, id: i64) -> Result<(), NotifyError> {
        let caller = require_signed_in(caller)?;
        let changed = sqlx::query(
            "UPDATE notifications SET read_at = $1 \
             WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
        )
        .bind(crate::db::now())
        .bind(id)
        .bind(&caller.user_id)
        .execute(self.db.pool())
        .await?
        .rows_affected();
        if changed == 0 {
            // Someone else's notification is as unknown as a missing one.
            let own: Option<i64> =
                sqlx::query_scalar("SELECT id FROM notifications WHERE id = $1 AND user_id = $2")
                    .bind(id)
                    .bind(&caller.user_id)
                    .fetch_optional(self.db.pool())
                    .await?;
            if own.is_none() {
                return Err(NotifyError::NotFound("No such notification.".into()));
            }
        }
        Ok(())
    }

    pub async fn mark_all_read(&self, caller: Option<Caller>) -> Result<u64, NotifyError> {
        let caller = require_signed_in(caller)?;
        Ok(sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
        )
        .bind(crate::db::now())
        .bind(&caller.user_id)
        .execute(self.db.pool())
        .await?
        .rows_affected())
    }
}
