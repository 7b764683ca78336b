//! AsyncAPI 3.0 documents of events and applications (`/api/v1/events/{name}/
//! asyncapi.yaml`, `/api/v1/applications/{id}/asyncapi.yaml`, JSON too).
//!
//! The service gathers [`facts`] through the public reads of the modules that
//! own them — the catalogue (event, tags, teams), the registry (latest
//! schemas), mesh links (mirrors), clusters (servers) and access (an
//! application's live grants, with who may see them) — and the pure
//! [`document`] builders turn them into a `serde_json::Value`; [`render`]
//! writes it as JSON or YAML.

pub mod document;
pub mod facts;
mod message;
pub mod render;
mod sample;
mod servers;

use std::collections::BTreeSet;
use std::sync::Arc;

use app::auth::Caller;
use app::catalogue::{EventDetail, LiveTopic, TagDef};
use app::error::AppError;
use app::mesh::LinkState;
use app::schemas::SchemaRole;
use serde_json::Value;

use crate::access::AccessService;
use crate::catalogue::{CatalogueError, CatalogueService};
use crate::db::Db;
use crate::errors::internal;
use crate::registry::{RegistryError, RegistryService, VersionSpec};
use facts::{ApplicationFacts, EventFacts, Group, Place, ServerFacts, TagFacts, UseFacts};

pub struct AsyncApiService {
    db: Db,
    catalogue: Arc<CatalogueService>,
    registry: Arc<RegistryService>,
    access: Arc<AccessService>,
}

impl AsyncApiService {
    pub fn new(
        db: Db,
        catalogue: Arc<CatalogueService>,
        registry: Arc<RegistryService>,
        access: Arc<AccessService>,
    ) -> Self {
        Self {
            db,
            catalogue,
            registry,
            access,
        }
    }

    /// The document of event `name`, for anyone who may read its page;
    /// cluster connection details only for signed-in callers.
    pub async fn event(&self, caller: Option<&Caller>, name: &str) -> Result<Value, AppError> {
        let taxonomy = self.catalogue.tags().await?;
        let event = self.event_facts(caller, name, &taxonomy).await?;
        let servers = self.servers(caller).await?;
        Ok(document::event_document(&event, &servers))
    }

    /// The document of application `id`: members of its team and admins
    /// (404 for other signed-in callers, 401 without a sign-in).
    pub async fn application(&self, caller: Option<&Caller>, id: &str) -> Result<Value, AppError> {
        let (app, grants) = self.access.application_grants(caller.cloned(), id).await?;
        let taxonomy = self.catalogue.tags().await?;
        let names: BTreeSet<&str> = grants.iter().map(|g| g.grant.event.as_str()).collect();
        let mut events = Vec::new();
        for name in names {
            match self.event_facts(caller, name, &taxonomy).await {
                Ok(e) => events.push(e),
                // The grant outlived its event: the document says so.
                Err(CatalogueError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let team_name = self
            .catalogue
            .team_defs(caller)
            .await?
            .into_iter()
            .find(|t| t.id == app.team)
            .map_or_else(|| app.team.clone(), |t| t.name);
        let uses = grants
            .into_iter()
            .map(|g| UseFacts {
                consumer_group: (g.kind == app::access::RequestKind::Consume).then(|| Group {
                    name: g.group.unwrap_or_default(),
                    is_prefix: g.group_is_prefix,
                }),
                event: g.grant.event,
                place: Place {
                    cluster: g.grant.cluster,
                    topic: g.grant.topic,
                },
                principal: g.grant.principal,
                request_id: g.grant.request_id,
                state: g.grant.state,
                expires_at: g.grant.expires_at,
            })
            .collect();
        let facts = ApplicationFacts {
            id: app.id,
            name: app.name,
            description: app.description,
            team_id: app.team,
            team_name,
            principals: app
                .principals
                .into_iter()
                .map(|p| (p.cluster, p.principal))
                .collect(),
            uses,
        };
        let servers = self.servers(caller).await?;
        Ok(document::application_document(&facts, &events, &servers))
    }

    async fn event_facts(
        &self,
        caller: Option<&Caller>,
        name: &str,
        taxonomy: &[TagDef],
    ) -> Result<EventFacts, CatalogueError> {
        let d = self.catalogue.event(name, caller.cloned()).await?;
        let (value_schema, version) = self.latest(&d, SchemaRole::Value).await?;
        let (key_schema, _) = self.latest(&d, SchemaRole::Key).await?;
        let mirrors = self.mirrors(&d).await?;
        Ok(EventFacts {
            tags: tags(&d, taxonomy),
            pii_value_fields: pii_paths(&d.value_fields),
            pii_key_fields: pii_paths(&d.key_fields),
            value_schema,
            key_schema,
            version,
            sample: d
                .sample_json
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
            home: Place {
                cluster: d.home_cluster.clone(),
                topic: d.topic.clone(),
            },
            mirrors,
            partitions: d.partitions.or(match d.live_topic {
                LiveTopic::Found { partitions, .. } => i64::try_from(partitions).ok(),
                _ => None,
            }),
            name: d.name,
            title: d.title,
            description: d.description_markdown,
            team_id: d.team_id,
            team_name: d.team_name,
            contacts: d.contacts,
            domain: d.domain,
            lifecycle: d.lifecycle,
        })
    }

    /// The latest registered schema of the event's subject and its version;
    /// the catalogue's copy (kept in step with it) while the registry has none.
    async fn latest(
        &self,
        d: &EventDetail,
        role: SchemaRole,
    ) -> Result<(Option<Value>, Option<i64>), CatalogueError> {
        let subject = crate::catalogue::schemas::subject(&d.topic, role);
        let copy = match role {
            SchemaRole::Value => d.value_schema.as_deref(),
            SchemaRole::Key => d.key_schema.as_deref(),
        };
        let parse = |text: &str| serde_json::from_str::<Value>(text).ok();
        match self
            .registry
            .version(&subject, VersionSpec::Latest, false)
            .await
        {
            Ok(v) => Ok((parse(&v.schema), Some(i64::from(v.version)))),
            Err(RegistryError::SubjectNotFound(_)) => Ok((copy.and_then(parse), None)),
            Err(e) => Err(e.into()),
        }
    }

    /// Clusters with a copy of the home topic: running mesh links, and
    /// mirrors recorded in the catalogue.
    async fn mirrors(&self, d: &EventDetail) -> Result<Vec<Place>, CatalogueError> {
        let links =
            crate::mesh::links::list(&self.db, Some(LinkState::Running), Some(&d.name), None)
                .await?;
        let mut out: Vec<Place> = Vec::new();
        let recorded = d
            .availability
            .iter()
            .filter(|a| a.kind == "mirror")
            .map(|a| (a.cluster.clone(), a.topic.clone()));
        let linked = links
            .into_iter()
            .map(|l| (l.target_cluster, l.target_topic));
        for (cluster, topic) in recorded.chain(linked) {
            if cluster != d.home_cluster && !out.iter().any(|p| p.cluster == cluster) {
                out.push(Place { cluster, topic });
            }
        }
        out.sort_by(|a, b| a.cluster.cmp(&b.cluster));
        Ok(out)
    }

    /// Every cluster, with connection details for signed-in callers only (as
    /// `ClusterDirectory::list` shows them), without asking the brokers.
    async fn servers(&self, caller: Option<&Caller>) -> Result<Vec<ServerFacts>, AppError> {
        let clusters = crate::clusters::list(&self.db).await.map_err(internal)?;
        let signed_in = caller.is_some();
        Ok(clusters
            .iter()
            .map(|c| {
                let s = c.spec();
                ServerFacts {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    summary: summary(s.platform.label(), &s.region, s.flavour.label()),
                    bootstrap_servers: signed_in.then(|| s.bootstrap_servers.clone()),
                    security: signed_in.then(|| c.security_view()),
                    registry_url: s.schema_registry_url.clone().filter(|_| signed_in),
                }
            })
            .collect())
    }
}

fn summary(platform: &str, region: &str, flavour: &str) -> String {
    if region.is_empty() {
        format!("{platform} ({flavour})")
    } else {
        format!("{platform}, {region} ({flavour})")
    }
}

/// The event's tags with their taxonomy descriptions, and `pii` when a
/// field is personal data though the event is not tagged so.
fn tags(d: &EventDetail, taxonomy: &[TagDef]) -> Vec<TagFacts> {
    let described = |name: &str| TagFacts {
        name: name.to_string(),
        description: taxonomy
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.description.clone())
            .unwrap_or_default(),
    };
    let mut out: Vec<TagFacts> = d.tags.iter().map(|t| described(&t.name)).collect();
    let pii_field = d.value_fields.iter().chain(&d.key_fields).any(|f| f.pii);
    if pii_field && !out.iter().any(|t| t.name == "pii") {
        out.insert(0, described("pii"));
    }
    out
}

fn pii_paths(fields: &[app::catalogue::FieldView]) -> Vec<String> {
    fields
        .iter()
        .filter(|f| f.pii)
        .map(|f| f.path.clone())
        .collect()
}
