//! The portal's view of an event's schemas: its registry subjects
//! (`<topic>-value`, `<topic>-key`), version history, copies in cluster
//! registries, and owners proposing new versions. The registry is the truth
//! for versions; the event row keeps the latest text so the catalogue (event
//! page, search) reads it without the registry. `reconcile` re-aligns the
//! two after a crash between the writes and registers the schemas of events
//! that predate the registry (the demo catalogue among them).

use std::sync::Arc;

use app::auth::Caller;
use app::schemas::{
    ClusterCopy, EventSchemas, Registered, SchemaCheck, SchemaProposal, SchemaRole,
    SubjectOverview, VersionView,
};

use super::repo;
use super::schema_diff::diff;
use super::service::CatalogueService;
use super::CatalogueError;
use crate::db::Db;
use crate::registry::{
    level_name, parse_level, NewSchema, RegistryError, RegistryService, VersionSpec,
};

/// Who registers the schemas that `reconcile` finds only in the catalogue.
const SYSTEM: &str = "switchboard";

pub struct EventSchemaService {
    db: Db,
    registry: Arc<RegistryService>,
    catalogue: Arc<CatalogueService>,
}

pub fn subject(topic: &str, role: SchemaRole) -> String {
    format!("{topic}-{}", role.as_str())
}

impl EventSchemaService {
    pub fn new(db: Db, registry: Arc<RegistryService>, catalogue: Arc<CatalogueService>) -> Self {
        EventSchemaService {
            db,
            registry,
            catalogue,
        }
    }

    /// Brings every event and its subjects in line: an event schema the
    /// registry lacks is registered; a newer registry version replaces the
    /// event's copy. Returns how many were registered and how many updated.
    pub async fn reconcile(&self) -> Result<(usize, usize), super::CatalogueError> {
        let system = Caller {
            user_id: SYSTEM.to_string(),
            admin: true,
            teams: Vec::new(),
        };
        let (mut registered, mut updated) = (0, 0);
        let mut after: Option<String> = None;
        loop {
            let page = repo::list_events_page(&self.db, after.as_deref(), 500).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.spec.name.clone());
            for event in &page {
                let (r, u) = self.reconcile_event(&system, event).await?;
                registered += r;
                updated += u;
            }
        }
        Ok((registered, updated))
    }

    async fn reconcile_event(
        &self,
        system: &Caller,
        event: &repo::StoredEvent,
    ) -> Result<(usize, usize), super::CatalogueError> {
        let (mut registered, mut updated) = (0, 0);
        {
            let spec = &event.spec;
            for role in [SchemaRole::Value, SchemaRole::Key] {
                let subject = subject(&spec.topic, role);
                let stored = match role {
                    SchemaRole::Value => spec.value_schema.as_ref(),
                    SchemaRole::Key => spec.key_schema.as_ref(),
                };
                match self
                    .registry
                    .version(&subject, VersionSpec::Latest, false)
                    .await
                {
                    Ok(latest) => {
                        let same =
                            stored.is_some_and(|s| same_schema(&s.to_string(), &latest.schema));
                        if !same {
                            repo::set_event_schema(
                                &self.db,
                                &spec.name,
                                role,
                                &latest.schema,
                                SYSTEM,
                            )
                            .await?;
                            self.catalogue.reindex_one(&spec.name).await?;
                            updated += 1;
                        }
                    }
                    Err(RegistryError::SubjectNotFound(_)) => {
                        if let Some(text) = stored {
                            let schema = NewSchema::avro(text.to_string(), Vec::new());
                            match self
                                .registry
                                .register(Some(system), &subject, &schema)
                                .await
                            {
                                Ok(_) => registered += 1,
                                // A catalogue schema the registry refuses stays in the
                                // catalogue; say so rather than stop the start.
                                Err(e) => {
                                    tracing::warn!(%subject, error = %e, "event schema not registered")
                                }
                            }
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok((registered, updated))
    }

    async fn event(&self, name: &str) -> Result<repo::StoredEvent, CatalogueError> {
        repo::get_event(&self.db, name)
            .await?
            .ok_or_else(|| CatalogueError::NotFound(format!("there is no event named `{name}`")))
    }

    async fn subject_overview(
        &self,
        topic: &str,
        role: SchemaRole,
    ) -> Result<SubjectOverview, CatalogueError> {
        let subject = subject(topic, role);
        let numbers = match self.registry.versions(&subject, false).await {
            Ok(v) => v,
            Err(RegistryError::SubjectNotFound(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let mut versions = Vec::new();
        for n in numbers {
            let v = self
                .registry
                .version(&subject, VersionSpec::Number(n), false)
                .await?;
            versions.push(VersionView {
                version: i64::from(v.version),
                id: v.id,
                schema: pretty(&v.schema),
            });
        }
        let level = self.registry.level(Some(&subject), true).await?;
        let level_is_own = self.registry.level(Some(&subject), false).await.is_ok();
        let clusters = crate::registry::propagation::copies_of(&self.db, &subject)
            .await?
            .into_iter()
            .map(|c| ClusterCopy {
                cluster: c.cluster_id,
                registry_url: c.registry_url,
                version: c.version,
                in_sync: c.in_sync,
                error: c.error,
            })
            .collect();
        Ok(SubjectOverview {
            role,
            subject,
            level: level_name(level).to_string(),
            level_is_own,
            versions,
            clusters,
        })
    }
}

/// The `Schemas` trait's methods; the trait forwards to them
/// (`catalogue/mod.rs`).
impl EventSchemaService {
    pub async fn overview(
        &self,
        caller: Option<Caller>,
        event: &str,
    ) -> Result<EventSchemas, CatalogueError> {
        let stored = self.event(event).await?;
        let spec = stored.spec;
        let mut subjects = vec![
            self.subject_overview(&spec.topic, SchemaRole::Value)
                .await?,
        ];
        let key = self.subject_overview(&spec.topic, SchemaRole::Key).await?;
        if !key.versions.is_empty() || spec.key_schema.is_some() {
            subjects.push(key);
        }
        Ok(EventSchemas {
            event: spec.name,
            subjects,
            can_propose: caller.as_ref().is_some_and(|c| c.can_curate(&spec.team)),
            can_set_level: caller.as_ref().is_some_and(|c| c.admin),
            levels: switchboard_avro::ALL_LEVELS
                .iter()
                .map(|l| level_name(*l).to_string())
                .collect(),
        })
    }

    pub async fn check(
        &self,
        caller: Option<Caller>,
        p: SchemaProposal,
    ) -> Result<SchemaCheck, CatalogueError> {
        let stored = self.event(&p.event).await?;
        super::curation::require_curator(caller, &stored.spec.team)?;
        let subject = subject(&stored.spec.topic, p.role);
        let level = self.registry.level(Some(&subject), true).await?;
        let latest = match self
            .registry
            .version(&subject, VersionSpec::Latest, false)
            .await
        {
            Ok(v) => Some(v.schema),
            Err(RegistryError::SubjectNotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let schema = NewSchema::avro(p.schema.clone(), Vec::new());
        let mut check = SchemaCheck {
            compatible: None,
            level: level_name(level).to_string(),
            messages: Vec::new(),
            error: None,
            unchanged: latest.as_deref().is_some_and(|l| same_schema(l, &p.schema)),
            diff: Vec::new(),
        };
        match self.registry.check(&subject, None, &schema).await {
            Ok(verdict) => {
                check.compatible = Some(verdict.compatible);
                check.messages = verdict.messages;
                check.diff = diff(latest.as_deref(), &p.schema);
            }
            Err(RegistryError::InvalidSchema(message)) => check.error = Some(message),
            Err(RegistryError::SchemaTooLarge { size, limit }) => {
                check.error = Some(format!("{size} bytes is over the limit of {limit}"))
            }
            Err(e) => return Err(e.into()),
        }
        Ok(check)
    }

    pub async fn propose(
        &self,
        caller: Option<Caller>,
        p: SchemaProposal,
    ) -> Result<Registered, CatalogueError> {
        let stored = self.event(&p.event).await?;
        let caller = super::curation::require_curator(caller, &stored.spec.team)?;
        let subject = subject(&stored.spec.topic, p.role);
        let schema = NewSchema::avro(p.schema.clone(), Vec::new());
        let done = self
            .registry
            .register(Some(&caller), &subject, &schema)
            .await?;
        // The registry holds the version now; the event's copy follows (and
        // `reconcile` repairs it at the next start if this step is lost).
        repo::set_event_schema(&self.db, &p.event, p.role, &p.schema, &caller.user_id).await?;
        self.catalogue.reindex_one(&p.event).await?;
        crate::registry::propagation::wake();
        Ok(Registered {
            subject,
            version: i64::from(done.version),
            id: done.id,
        })
    }

    pub async fn set_level(
        &self,
        caller: Option<Caller>,
        event: &str,
        role: SchemaRole,
        level: &str,
    ) -> Result<(), CatalogueError> {
        let caller = crate::auth::require_admin(caller)?;
        let stored = self.event(event).await?;
        let level = parse_level(level)?;
        let subject = subject(&stored.spec.topic, role);
        self.registry
            .set_level(Some(&caller), Some(&subject), level)
            .await?;
        Ok(())
    }
}

/// Same schema: equal canonical forms (whitespace, field order of JSON
/// attributes and docs aside).
fn same_schema(a: &str, b: &str) -> bool {
    match (
        switchboard_avro::parse(a, &[]),
        switchboard_avro::parse(b, &[]),
    ) {
        (Ok(a), Ok(b)) => a.canonical == b.canonical,
        _ => a == b,
    }
}

fn pretty(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| text.to_string())
}
