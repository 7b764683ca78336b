//! The `Catalogue` service: the database is the truth, the search index is
//! derived from it and updated in the same call as every catalogue change.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use super::CatalogueError;
use app::auth::Caller;
use app::catalogue::{
    Availability, EventDetail, EventHit, EventPatch, FacetGroup, FacetValue, FieldView,
    HistoryEntry, LiveTopic, SearchParams, SearchResponse, TagChip, TagDef, TeamDef, FACETS,
};
use sqlx::Row;

use super::model::{EventSpec, Tag};
use super::repo::{self, StoredEvent};
use super::schema_tree::{self, FieldNode};
use super::search_cache::{Answer, SearchCache};
use super::{curation, markdown, names};
use crate::db::channels::{self, Heard};
use crate::db::{Db, DbError};
use crate::search::{EventDoc, FieldDoc, SearchIndex, SearchQuery, Sort};

/// The PostgreSQL channel on which replicas announce catalogue changes.
pub const CHANGES_CHANNEL: &str = "switchboard_catalogue";

pub struct CatalogueService {
    db: Db,
    /// Tells this replica's own announcements from others'.
    origin: String,
    index: Arc<SearchIndex>,
    /// Topic facts as the clusters last reported them (never read on a page's path).
    facts: Arc<super::topic_facts::TopicFacts>,
    /// File recording which database state the on-disk index reflects.
    marker: Option<PathBuf>,
    cache: SearchCache,
}

impl CatalogueService {
    pub fn new(
        db: Db,
        index: Arc<SearchIndex>,
        marker: Option<PathBuf>,
        facts: Arc<super::topic_facts::TopicFacts>,
    ) -> Self {
        Self {
            db,
            origin: uuid::Uuid::new_v4().simple().to_string(),
            index,
            facts,
            marker,
            cache: SearchCache::default(),
        }
    }

    /// The tag taxonomy, read once per catalogue generation.
    async fn taxonomy(&self, generation: u64) -> Result<Arc<Vec<Tag>>, CatalogueError> {
        if let Some(tags) = self.cache.taxonomy(generation) {
            return Ok(tags);
        }
        let tags = Arc::new(repo::list_tags(&self.db).await?);
        self.cache.put_taxonomy(generation, Arc::clone(&tags));
        Ok(tags)
    }

    /// Rebuilds the index when it is missing, of an older layout (`needs_rebuild`)
    /// or stale: the database changed without it (a crash between the two
    /// writes, or another replica). Returns the count when it rebuilt.
    pub async fn ensure_fresh(
        &self,
        needs_rebuild: bool,
    ) -> Result<Option<usize>, super::CatalogueError> {
        let current = self.db_state().await?;
        let recorded = self
            .marker
            .as_ref()
            .and_then(|m| std::fs::read_to_string(m).ok());
        if !needs_rebuild && self.marker.is_some() && recorded.as_deref() == Some(current.as_str())
        {
            return Ok(None);
        }
        Ok(Some(self.reindex().await?))
    }

    async fn db_state(&self) -> Result<String, DbError> {
        let row = sqlx::query("SELECT COUNT(*) AS n, MAX(updated_at) AS latest FROM events")
            .fetch_one(self.db.pool())
            .await?;
        let n: i64 = row.try_get("n")?;
        let latest: Option<String> = row.try_get("latest")?;
        Ok(format!("{n}|{}", latest.unwrap_or_default()))
    }

    async fn write_marker(&self) -> Result<(), DbError> {
        if let Some(marker) = &self.marker {
            let state = self.db_state().await?;
            if let Err(e) = std::fs::write(marker, state) {
                // Only costs a rebuild at the next start.
                tracing::warn!(error = %e, "cannot record the search index state");
            }
        }
        Ok(())
    }

    /// Rebuilds the whole index from the database; returns the number of
    /// events. Events are read a page at a time and handed to the index
    /// writer through a small bounded channel, so memory stays flat however
    /// large the catalogue.
    pub async fn reindex(&self) -> Result<usize, super::CatalogueError> {
        const PAGE: i64 = 500;
        let tags = repo::list_tags(&self.db).await?;
        let (pages, received) = std::sync::mpsc::sync_channel::<Vec<EventDoc>>(2);
        let index = Arc::clone(&self.index);
        let writer =
            tokio::task::spawn_blocking(move || index.rebuild(received.into_iter().flatten()));
        let (mut count, mut after) = (0, None::<String>);
        loop {
            let events = repo::list_events_page(&self.db, after.as_deref(), PAGE).await?;
            let Some(last) = events.last() else { break };
            after = Some(last.spec.name.clone());
            count += events.len();
            let docs = events.iter().map(|e| to_doc(e, &tags)).collect();
            // A send fails only when the writer stopped: its error is reported below.
            let pages = pages.clone();
            if tokio::task::spawn_blocking(move || pages.send(docs))
                .await?
                .is_err()
            {
                break;
            }
        }
        drop(pages);
        writer.await??;
        self.cache.invalidate();
        self.write_marker().await?;
        Ok(count)
    }

    /// Adds a new event (duplicate names and topics refused) and indexes it.
    pub async fn create(&self, spec: &EventSpec, actor: &str) -> Result<(), CatalogueError> {
        spec.check().map_err(|e| CatalogueError::Invalid(e.0))?;
        match repo::insert_event(&self.db, spec, actor).await {
            Ok(()) => {}
            Err(DbError::Conflict) => {
                return Err(CatalogueError::Conflict(format!(
                    "an event named `{}` or on topic `{}` of `{}` already exists",
                    spec.name, spec.topic, spec.home_cluster
                )))
            }
            Err(e) => return Err(e.into()),
        }
        self.reindex_one(&spec.name).await
    }

    /// Partitions, replication and retention as the home cluster last reported them.
    async fn live_topic(&self, cluster_id: &str, topic: &str) -> LiveTopic {
        match crate::clusters::get(&self.db, cluster_id).await {
            Ok(Some(cluster)) => self.facts.topic(&cluster, topic).await,
            Ok(None) => LiveTopic::Unavailable {
                error: format!("unknown cluster `{cluster_id}`"),
            },
            Err(e) => LiveTopic::Unavailable {
                error: e.to_string(),
            },
        }
    }

    /// Reads the topic facts of every cluster once, so that first page views
    /// find them cached.
    pub async fn warm_topic_facts(&self) {
        let Ok(clusters) = crate::clusters::list(&self.db).await else {
            return;
        };
        for cluster in clusters {
            self.facts.refresh(&cluster).await;
        }
    }

    /// Brings one event's index entry in line with the database, here and in
    /// every other replica.
    pub async fn reindex_one(&self, name: &str) -> Result<(), CatalogueError> {
        self.reindex_one_here(name).await?;
        self.announce(&format!("event {name}")).await;
        Ok(())
    }

    /// Tells the other replicas on this database what changed (PostgreSQL;
    /// SQLite has one). A lost announcement leaves them stale until their next
    /// start, so it is logged, but the change itself stands.
    async fn announce(&self, what: &str) {
        let payload = format!("{} {what}", self.origin);
        if let Err(e) = channels::announce_committed(&self.db, CHANGES_CHANNEL, &payload).await {
            tracing::warn!(error = %e, "cannot announce a catalogue change to other replicas");
        }
    }

    /// Follows the catalogue changes other replicas announce: their search
    /// answers, taxonomy and index entries are brought up to date here within
    /// moments. `None` on SQLite.
    pub fn follow_replicas(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        let me = Arc::clone(self);
        channels::listen(&self.db, CHANGES_CHANNEL, move |heard| {
            let me = Arc::clone(&me);
            async move { me.heard(heard).await }
        })
    }

    async fn heard(&self, heard: Heard) {
        let change = match heard {
            // Changes announced while the connection was down are unknown.
            Heard::Listening { reconnected: true } => "all".to_string(),
            Heard::Listening { reconnected: false } => return,
            Heard::Message(payload) => match payload.split_once(' ') {
                Some((origin, change)) if origin != self.origin => change.to_string(),
                _ => return,
            },
        };
        let result = match change.strip_prefix("event ") {
            Some(name) => self.reindex_one_here(name).await.map_err(|e| e.to_string()),
            None => self.reindex().await.map(drop).map_err(|e| e.to_string()),
        };
        if let Err(error) = result {
            tracing::warn!(%error, %change, "cannot apply another replica's catalogue change");
        }
    }

    async fn reindex_one_here(&self, name: &str) -> Result<(), CatalogueError> {
        let stored = repo::get_event(&self.db, name).await?;
        let tags = repo::list_tags(&self.db).await?;
        let index = Arc::clone(&self.index);
        let name = name.to_string();
        tokio::task::spawn_blocking(move || match stored {
            Some(e) => index.upsert(to_doc(&e, &tags)),
            None => index.delete(&name),
        })
        .await??;
        self.cache.invalidate();
        Ok(self.write_marker().await?)
    }
}

fn unix_seconds(rfc3339: &str) -> i64 {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .unwrap_or(0)
}

fn to_doc(e: &StoredEvent, tags: &[Tag]) -> EventDoc {
    let s = &e.spec;
    let classification = s
        .tags
        .iter()
        .find(|t| tags.iter().any(|d| &d.name == *t && d.classification))
        .cloned();
    let mut fields = Vec::new();
    for schema in [&s.value_schema, &s.key_schema].into_iter().flatten() {
        if let Ok(tree) = schema_tree::field_tree(&schema.to_string()) {
            fields.extend(
                schema_tree::flatten(&tree)
                    .into_iter()
                    .map(|(path, doc)| FieldDoc { path, doc }),
            );
        }
    }
    EventDoc {
        name: s.name.clone(),
        title: s.title.clone(),
        description: s.description.clone(),
        team: s.team.clone(),
        domain: s.domain.clone(),
        lifecycle: s.lifecycle.as_str().to_string(),
        tags: s.tags.clone(),
        classification,
        clusters: e.availability.iter().map(|(c, _, _)| c.clone()).collect(),
        fields,
        updated_at: unix_seconds(&e.updated_at),
    }
}

fn chips(names: &[String], taxonomy: &[Tag]) -> Vec<TagChip> {
    let mut chips: Vec<TagChip> = names
        .iter()
        .map(|n| {
            let t = taxonomy.iter().find(|t| &t.name == n);
            TagChip {
                name: n.clone(),
                colour: t
                    .map(|t| t.colour.clone())
                    .unwrap_or_else(|| "#888888".into()),
                classification: t.is_some_and(|t| t.classification),
            }
        })
        .collect();
    // Classification first: it is what readers look for.
    chips.sort_by_key(|c| !c.classification);
    chips
}

fn query_from(params: &SearchParams) -> SearchQuery {
    let one = |v: &Option<String>| v.iter().filter(|s| !s.is_empty()).cloned().collect();
    SearchQuery {
        text: params.q.clone(),
        team: one(&params.team),
        domain: one(&params.domain),
        tag: one(&params.tag),
        classification: one(&params.classification),
        cluster: one(&params.cluster),
        lifecycle: one(&params.lifecycle),
        sort: match params.sort.as_deref() {
            Some("name") => Sort::Name,
            Some("updated") => Sort::Updated,
            _ => Sort::Relevance,
        },
        page: params.page.unwrap_or(1),
        per_page: params.per_page.unwrap_or(0),
    }
}

impl CatalogueService {
    /// Entries in the search answer cache and the bytes they take.
    pub fn search_cache_footprint(&self) -> (usize, usize) {
        self.cache.footprint()
    }

    /// Turns the search answer cache on (the default) or off. Off, every
    /// search runs the index and the database: the search benchmark measures
    /// the cost of a search nobody made before that way.
    pub fn set_search_answer_cache(&self, on: bool) {
        self.cache.set_answers(on);
    }

    /// The search API's answer as JSON, kept with the cached answer.
    pub async fn search_json(&self, params: SearchParams) -> Result<bytes::Bytes, CatalogueError> {
        Ok(self.answer(params).await?.json())
    }

    /// The kept answer to `params`, or a fresh one (then kept).
    async fn answer(&self, params: SearchParams) -> Result<Arc<Answer>, CatalogueError> {
        let generation = self.cache.generation();
        if let Some(answer) = self.cache.get(&params, generation) {
            return Ok(answer);
        }
        let answer = Arc::new(Answer::new(
            &self.compute_search(&params, generation).await?,
        ));
        self.cache.put(&params, generation, Arc::clone(&answer));
        Ok(answer)
    }

    /// One search, uncached: the index, then the cards' fields from the database.
    async fn compute_search(
        &self,
        params: &SearchParams,
        generation: u64,
    ) -> Result<SearchResponse, CatalogueError> {
        let query = query_from(params);
        let (page, per_page) = query.paging();
        let index = Arc::clone(&self.index);
        let results = tokio::task::spawn_blocking(move || index.search(&query)).await??;
        let names: Vec<String> = results.hits.iter().map(|h| h.name.clone()).collect();
        let summaries = summaries(&self.db, &names).await?;
        let taxonomy = self.taxonomy(generation).await?;
        let hits = results
            .hits
            .into_iter()
            .filter_map(|h| {
                // An index entry without a row is a deletion racing this search: skip it.
                let s = summaries.get(&h.name)?;
                Some(EventHit {
                    name: h.name,
                    title: s.title.clone(),
                    team: s.team.clone(),
                    domain: s.domain.clone(),
                    lifecycle: s.lifecycle.clone(),
                    home_cluster: s.home_cluster.clone(),
                    tags: chips(&s.tags, &taxonomy),
                    snippet_html: h.snippet_html,
                    updated_at: s.updated_at.clone(),
                })
            })
            .collect();
        let f = results.facets;
        let groups = FACETS
            .iter()
            .map(|(key, label)| {
                let counts = match *key {
                    "team" => &f.team,
                    "domain" => &f.domain,
                    "tag" => &f.tag,
                    "classification" => &f.classification,
                    "cluster" => &f.cluster,
                    _ => &f.lifecycle,
                };
                let selected = params.facet(key);
                FacetGroup {
                    key: (*key).to_string(),
                    label: (*label).to_string(),
                    values: counts
                        .iter()
                        // Classification tags have their own facet: listing
                        // them under "Tag" too only repeats them.
                        .filter(|(value, _)| {
                            *key != "tag"
                                || selected == Some(value)
                                || !taxonomy
                                    .iter()
                                    .any(|t| &t.name == value && t.classification)
                        })
                        .map(|(value, count)| FacetValue {
                            selected: selected == Some(value),
                            value: value.clone(),
                            count: *count,
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(SearchResponse {
            total: results.total,
            page,
            per_page,
            hits,
            facets: groups,
            notice: results.notice,
        })
    }
}

/// The `Catalogue` trait's methods; the trait forwards to them (`catalogue/mod.rs`).
impl CatalogueService {
    pub async fn search(&self, params: SearchParams) -> Result<SearchResponse, CatalogueError> {
        Ok(self.answer(params).await?.response()?)
    }

    pub async fn event(
        &self,
        name: &str,
        caller: Option<Caller>,
    ) -> Result<EventDetail, CatalogueError> {
        let not_found = || CatalogueError::NotFound(format!("there is no event named `{name}`"));
        if names::EventName::parse(name).is_err() {
            return Err(not_found());
        }
        let stored = repo::get_event(&self.db, name)
            .await?
            .ok_or_else(not_found)?;
        let taxonomy = self.taxonomy(self.cache.generation()).await?;
        let teams = repo::list_teams(&self.db).await?;
        let history = history(&self.db, name, &stored.spec.topic).await?;
        let s = stored.spec;
        let can_edit = caller.is_some_and(|c| c.can_curate(&s.team));
        let live_topic = self.live_topic(&s.home_cluster, &s.topic).await;
        let team_name = teams
            .iter()
            .find(|t| t.id == s.team)
            .map(|t| t.name.clone())
            .unwrap_or_else(|| s.team.clone());
        let fields_of = |schema: &Option<serde_json::Value>| {
            schema
                .as_ref()
                .and_then(|v| schema_tree::field_tree(&v.to_string()).ok())
                .map(|tree| field_views(&tree, 0, &s.field_tags))
                .unwrap_or_default()
        };
        Ok(EventDetail {
            value_fields: fields_of(&s.value_schema),
            key_fields: fields_of(&s.key_schema),
            description_html: markdown::render(&s.description),
            description_markdown: s.description.clone(),
            tags: chips(&s.tags, &taxonomy),
            availability: stored
                .availability
                .into_iter()
                .map(|(cluster, topic, kind)| Availability {
                    cluster,
                    topic,
                    kind,
                })
                .collect(),
            value_schema: s
                .value_schema
                .as_ref()
                .and_then(|v| serde_json::to_string_pretty(v).ok()),
            key_schema: s
                .key_schema
                .as_ref()
                .and_then(|v| serde_json::to_string_pretty(v).ok()),
            messages_per_second: s.volumetrics.as_ref().map(|v| v.messages_per_second),
            avg_size_bytes: s.volumetrics.as_ref().map(|v| v.avg_size_bytes),
            sample_json: s
                .sample
                .as_ref()
                .and_then(|v| serde_json::to_string_pretty(v).ok()),
            name: s.name,
            title: s.title,
            team_id: s.team,
            team_name,
            domain: s.domain,
            lifecycle: s.lifecycle.as_str().to_string(),
            home_cluster: s.home_cluster,
            topic: s.topic,
            contacts: s.contacts,
            partitions: s.partitions,
            created_at: stored.created_at,
            updated_at: stored.updated_at,
            history,
            can_edit,
            live_topic,
        })
    }

    pub async fn update(
        &self,
        caller: Option<Caller>,
        name: &str,
        patch: EventPatch,
    ) -> Result<EventDetail, CatalogueError> {
        let current = repo::get_event(&self.db, name)
            .await?
            .ok_or_else(|| CatalogueError::NotFound(format!("there is no event named `{name}`")))?;
        // Authorisation first: a caller who may not edit learns nothing from validation.
        let caller = curation::require_curator(caller, &current.spec.team)?;
        let taxonomy = repo::list_tags(&self.db).await?;
        let next = curation::apply(&current.spec, patch, &taxonomy)?;
        repo::update_event(&self.db, &current.spec, &next, &caller.user_id).await?;
        self.reindex_one(name).await?;
        self.event(name, Some(caller)).await
    }

    pub async fn tags(&self) -> Result<Vec<TagDef>, CatalogueError> {
        Ok(repo::list_tags(&self.db)
            .await?
            .into_iter()
            .map(|t| TagDef {
                name: t.name,
                description: t.description,
                colour: t.colour,
                classification: t.classification,
            })
            .collect())
    }

    pub async fn save_tag(
        &self,
        caller: Option<Caller>,
        tag: TagDef,
    ) -> Result<(), CatalogueError> {
        let caller = crate::auth::require_admin(caller)?;
        let tag = curation::tag_from(tag)?;
        repo::upsert_tag(&self.db, &tag, &caller.user_id).await?;
        // A classification change moves events between facets.
        self.reindex().await?;
        self.announce("all").await;
        Ok(())
    }

    pub async fn team_defs(&self, caller: Option<&Caller>) -> Result<Vec<TeamDef>, CatalogueError> {
        Ok(repo::list_teams(&self.db)
            .await?
            .into_iter()
            .map(|t| TeamDef {
                id: t.id,
                name: t.name,
                description: t.description,
                // Who is in which team is for signed-in users only.
                members: if caller.is_some() {
                    t.members
                } else {
                    Vec::new()
                },
            })
            .collect())
    }

    pub async fn save_team(
        &self,
        caller: Option<Caller>,
        team: TeamDef,
    ) -> Result<(), CatalogueError> {
        let caller = crate::auth::require_admin(caller)?;
        let team = curation::team_from(team)?;
        Ok(repo::upsert_team(&self.db, &team, &caller.user_id).await?)
    }
}

fn field_views(
    nodes: &[FieldNode],
    depth: usize,
    field_tags: &BTreeMap<String, Vec<String>>,
) -> Vec<FieldView> {
    let mut out = Vec::new();
    for n in nodes {
        let tags = field_tags.get(&n.path).cloned().unwrap_or_default();
        let pii = tags.iter().any(|t| t == "pii");
        out.push(FieldView {
            path: n.path.clone(),
            name: n.name.clone(),
            depth,
            type_label: n.type_label.clone(),
            doc: n.doc.clone(),
            default: n.default.clone(),
            logical_type: n.logical_type.clone(),
            tags,
            pii,
        });
        out.extend(field_views(&n.children, depth + 1, field_tags));
    }
    out
}

struct Summary {
    title: String,
    team: String,
    domain: String,
    lifecycle: String,
    home_cluster: String,
    updated_at: String,
    tags: Vec<String>,
}

/// The card fields of a page of hits, in two queries.
async fn summaries(db: &Db, names: &[String]) -> Result<HashMap<String, Summary>, DbError> {
    if names.is_empty() {
        return Ok(HashMap::new());
    }
    let list = crate::db::placeholders(1, names.len());
    let events_sql = format!(
        "SELECT name, title, team_id, domain, lifecycle, home_cluster, updated_at \
         FROM events WHERE name IN ({list})"
    );
    let mut q = sqlx::query(&events_sql);
    for n in names {
        q = q.bind(n);
    }
    let rows = q.fetch_all(db.pool()).await?;
    let tags_sql = format!(
        "SELECT event_name, tag_name FROM event_tags WHERE event_name IN ({list}) ORDER BY tag_name"
    );
    let mut t = sqlx::query(&tags_sql);
    for n in names {
        t = t.bind(n);
    }
    let tag_rows = t.fetch_all(db.pool()).await?;
    let mut out = HashMap::new();
    for r in rows {
        let name: String = r.try_get("name")?;
        let tags = tag_rows
            .iter()
            .filter(|t| t.try_get::<String, _>("event_name").ok().as_deref() == Some(name.as_str()))
            .filter_map(|t| t.try_get("tag_name").ok())
            .collect();
        out.insert(
            name,
            Summary {
                title: r.try_get("title")?,
                team: r.try_get("team_id")?,
                domain: r.try_get("domain")?,
                lifecycle: r.try_get("lifecycle")?,
                home_cluster: r.try_get("home_cluster")?,
                updated_at: r.try_get("updated_at")?,
                tags,
            },
        );
    }
    Ok(out)
}

/// The event's own changes, its schema subjects' and its requests'.
async fn history(db: &Db, name: &str, topic: &str) -> Result<Vec<HistoryEntry>, DbError> {
    let mut conn = db.pool().acquire().await?;
    let mut subjects = vec![
        format!("event:{name}"),
        format!("schema-subject:{topic}-value"),
        format!("schema-subject:{topic}-key"),
    ];
    // The newest 500 requests: their subjects go in one bound `IN` list.
    for id in crate::access::repo::request_ids_of_event(&mut conn, name, 500).await? {
        subjects.push(format!("request:{id}"));
    }
    Ok(crate::audit::latest_of(&mut conn, &subjects, 20)
        .await?
        .into_iter()
        .map(|(at, actor, action)| HistoryEntry { at, actor, action })
        .collect())
}
