//! Reconciliation: compares what Switchboard expects on each cluster with what
//! the cluster has, repairs the difference and records it.
//!
//! Expected: the home topic of every published or deprecated event; the
//! mirror topic of every running built-in link; the ACL bindings of every
//! active grant; every running link replicating. Repairs: a missing topic is
//! created (an event's from its recorded partitions and retention, a mirror
//! with its source's partitions), a missing binding is created, a link whose
//! worker stopped reporting is released so a live worker takes it over, and a
//! paused remote mirror or connector is resumed, a link admins include
//! (`[[mesh.events]]`) is started. A broker without an
//! authorizer is reported as such, not as drift. Findings replace the previous
//! pass's in `drift_findings`; repairs are also written to the audit log.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;
use sqlx::Row;
use time::OffsetDateTime;

use crate::access::model::AclBinding;
use crate::config::Config;
use crate::db::stamp;
use crate::db::{Db, DbError};
use crate::kafka::acls::{self, Acl, AclOutcome};
use crate::kafka::{self, Connection, TopicSpec};
use crate::mesh::config::Backend;
use crate::mesh::links::{self, LinkKey, LinkRow};
use crate::mesh::LinkOps;

/// A link silent this long (three missed status reports) counts as stopped.
const STALLED_AFTER_SECS: i64 = 10;

/// One difference found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub cluster: String,
    /// `missing_topic`, `missing_acl`, `stopped_link`, `missing_link`,
    /// `no_authorizer`, `unreachable`.
    pub kind: String,
    pub subject: String,
    pub detail: String,
    pub repaired: bool,
}

pub struct Reconciler {
    db: Db,
    config: Config,
}

struct TopicWant {
    /// An event topic's recorded partitions; a mirror's are its source's,
    /// read live when it must be recreated.
    partitions: i32,
    /// A mirror's source: (cluster, topic).
    source: Option<(String, String)>,
    configs: Vec<(String, String)>,
    why: String,
}

impl Reconciler {
    pub fn new(db: Db, config: Config) -> Self {
        Reconciler { db, config }
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.config.provision.kafka_timeout_ms.max(100))
    }

    /// One pass over every cluster; returns what it found (and stored).
    pub async fn run(&self) -> Result<Vec<Finding>, DbError> {
        let mut findings = Vec::new();
        let running =
            links::list(&self.db, Some(app::mesh::LinkState::Running), None, None).await?;
        let topics = self.wanted_topics(&running).await?;
        let grants = self.wanted_acls().await?;
        let clusters = crate::clusters::list(&self.db).await?;
        let none = BTreeMap::new();
        // Event topics first, on every cluster: a mirror is recreated with
        // its source's partition count, so its source must exist first.
        // Clusters are read at once: an unreachable one costs its timeout
        // once, not once per cluster in turn.
        let checks = clusters.iter().map(|cluster| {
            let (topics, none) = (&topics, &none);
            async move {
                let id = cluster.id().to_string();
                let conn = cluster.connection();
                let want = topics.get(&id).unwrap_or(none);
                let mut found = Vec::new();
                let ok = self.topics(&id, &conn, want, false, &mut found).await;
                (id, conn, ok, found)
            }
        });
        let mut reachable = Vec::new();
        for (id, conn, ok, found) in futures::future::join_all(checks).await {
            findings.extend(found);
            if ok {
                reachable.push((id, conn));
            }
        }
        for (id, conn) in &reachable {
            let want = topics.get(id).unwrap_or(&none);
            self.topics(id, conn, want, true, &mut findings).await;
            let bindings = grants.get(id).map(Vec::as_slice).unwrap_or_default();
            self.acls(id, conn, bindings, &mut findings).await;
        }
        self.links(&running, &mut findings).await;
        self.included_links(&running, &mut findings).await?;
        self.store(&findings).await?;
        Ok(findings)
    }

    async fn wanted_topics(
        &self,
        running: &[LinkRow],
    ) -> Result<BTreeMap<String, BTreeMap<String, TopicWant>>, DbError> {
        let mut want: BTreeMap<String, BTreeMap<String, TopicWant>> = BTreeMap::new();
        let mut conn = self.db.pool().acquire().await?;
        for t in crate::catalogue::facts::live_topics(&mut conn).await? {
            let mut configs = Vec::new();
            if let Some(ms) = t.retention_ms {
                configs.push(("retention.ms".to_string(), ms.to_string()));
            }
            want.entry(t.home_cluster).or_default().insert(
                t.topic,
                TopicWant {
                    partitions: i32::try_from(t.partitions.unwrap_or(3).max(1)).unwrap_or(3),
                    source: None,
                    configs,
                    why: format!("topic of event `{}`", t.event),
                },
            );
        }
        for link in running.iter().filter(|l| l.backend == Backend::Builtin) {
            want.entry(link.target_cluster.clone()).or_default().insert(
                link.target_topic.clone(),
                TopicWant {
                    partitions: 0,
                    source: Some((link.source_cluster.clone(), link.source_topic.clone())),
                    configs: Vec::new(),
                    why: format!(
                        "mirror of {}/{} (link {})",
                        link.source_cluster, link.source_topic, link.id
                    ),
                },
            );
        }
        Ok(want)
    }

    async fn wanted_acls(&self) -> Result<BTreeMap<String, Vec<AclBinding>>, DbError> {
        let mut conn = self.db.pool().acquire().await?;
        let mut out: BTreeMap<String, Vec<AclBinding>> = BTreeMap::new();
        for (cluster, bindings) in crate::access::repo::active_bindings(&mut conn).await? {
            out.entry(cluster).or_default().extend(bindings);
        }
        Ok(out)
    }

    async fn topics(
        &self,
        cluster: &str,
        conn: &Connection,
        want: &BTreeMap<String, TopicWant>,
        mirrors: bool,
        findings: &mut Vec<Finding>,
    ) -> bool {
        let have: BTreeSet<String> = match kafka::list_topics(conn, self.timeout()).await {
            Ok(t) => t.into_iter().map(|t| t.name).collect(),
            Err(e) => {
                findings.push(finding(
                    cluster,
                    "unreachable",
                    cluster,
                    &e.to_string(),
                    false,
                ));
                return false;
            }
        };
        for (topic, w) in want.iter().filter(|(_, w)| w.source.is_some() == mirrors) {
            if have.contains(topic) {
                continue;
            }
            let partitions = if let Some((source_cluster, source_topic)) = &w.source {
                match self.source_partitions(source_cluster, source_topic).await {
                    Some(p) => p,
                    None => {
                        let detail =
                            format!("{} is missing, and so is its source: not recreated", w.why);
                        findings.push(finding(cluster, "missing_topic", topic, &detail, false));
                        continue;
                    }
                }
            } else {
                w.partitions
            };
            let spec = TopicSpec {
                name: topic.clone(),
                partitions,
                replication: -1,
            };
            let repaired = kafka::create_topics_with_configs(
                conn,
                &[(spec, w.configs.clone())],
                self.timeout(),
            )
            .await;
            let detail = match &repaired {
                Ok(()) => format!(
                    "{} was missing; recreated with {partitions} partitions",
                    w.why
                ),
                Err(e) => format!("{} is missing; recreating it failed: {e}", w.why),
            };
            findings.push(finding(
                cluster,
                "missing_topic",
                topic,
                &detail,
                repaired.is_ok(),
            ));
        }
        true
    }

    /// Partitions of a mirror's source topic, if it can be read.
    async fn source_partitions(&self, cluster: &str, topic: &str) -> Option<i32> {
        let conn = crate::clusters::connection_of(&self.db, cluster)
            .await
            .ok()?;
        let detail = kafka::describe_topic(&conn, topic, self.timeout())
            .await
            .ok()??;
        i32::try_from(detail.partitions).ok()
    }

    async fn acls(
        &self,
        cluster: &str,
        conn: &Connection,
        want: &[AclBinding],
        findings: &mut Vec<Finding>,
    ) {
        // DescribeAcls cannot tell "no authorizer" from "no ACLs" (librdkafka
        // drops the request-level SECURITY_DISABLED), so a delete matching
        // nothing asks: without an authorizer the broker says so.
        let probe = Acl {
            resource_type: acls::AclResource::Topic,
            resource_name: "__switchboard_authorizer_probe".into(),
            pattern_type: acls::AclPattern::Literal,
            principal: "User:switchboard-probe".into(),
            host: "*".into(),
            operation: acls::AclOperation::Read,
            permission: acls::AclPermission::Deny,
        };
        let probed = acls::delete_acls(conn, std::slice::from_ref(&probe), self.timeout()).await;
        let have = match probed.map(|o| matches!(o, AclOutcome::NoAuthorizer)) {
            Ok(false) => acls::describe_acls(conn, None, self.timeout()).await,
            Ok(true) => Ok(AclOutcome::NoAuthorizer),
            Err(e) => Err(e),
        };
        let have = match have {
            Ok(AclOutcome::NoAuthorizer) => {
                findings.push(finding(
                    cluster,
                    "no_authorizer",
                    cluster,
                    &format!(
                        "no authorizer: ACLs not enforced; {} bindings of active grants recorded",
                        want.len()
                    ),
                    false,
                ));
                return;
            }
            Ok(AclOutcome::Applied(list)) => list.into_iter().collect::<BTreeSet<Acl>>(),
            Err(e) => {
                findings.push(finding(
                    cluster,
                    "unreachable",
                    cluster,
                    &e.to_string(),
                    false,
                ));
                return;
            }
        };
        let missing: Vec<&AclBinding> = want.iter().filter(|b| !have.contains(*b)).collect();
        for binding in missing {
            let repaired = acls::create_acls(conn, std::slice::from_ref(binding), self.timeout())
                .await
                .and_then(|o| match o {
                    AclOutcome::Applied(()) => Ok(()),
                    AclOutcome::NoAuthorizer => Err(crate::kafka::KafkaError::Client(
                        "the broker now has no authorizer".into(),
                    )),
                });
            let detail = match &repaired {
                Ok(()) => format!(
                    "{} for {} was missing; recreated",
                    binding.label(),
                    binding.principal
                ),
                Err(e) => format!(
                    "{} for {} is missing; recreating failed: {e}",
                    binding.label(),
                    binding.principal
                ),
            };
            findings.push(finding(
                cluster,
                "missing_acl",
                &binding.label(),
                &detail,
                repaired.is_ok(),
            ));
        }
    }

    /// Links admins configured (`[[mesh.events]] include`) exist even
    /// without a consumer: a missing one is started.
    async fn included_links(
        &self,
        running: &[LinkRow],
        findings: &mut Vec<Finding>,
    ) -> Result<(), DbError> {
        let ops = LinkOps {
            db: &self.db,
            config: &self.config.mesh,
            timeout: self.timeout(),
        };
        for rule in &self.config.mesh.events {
            let mut conn = self.db.pool().acquire().await?;
            let facts = crate::catalogue::facts::event_facts(&mut conn, &rule.event).await?;
            drop(conn);
            let Some(facts) = facts else { continue };
            let (home, topic) = (facts.home_cluster, facts.topic);
            let mirror = self.config.mesh.mirror_topic(&home, &topic);
            for cluster in rule.include.iter().filter(|c| **c != home) {
                let present = running.iter().any(|l| {
                    l.source_cluster == home
                        && l.source_topic == topic
                        && &l.target_cluster == cluster
                        && l.target_topic == mirror
                });
                if present {
                    continue;
                }
                let key = LinkKey {
                    event: &rule.event,
                    source_cluster: &home,
                    source_topic: &topic,
                    target_cluster: cluster,
                    target_topic: &mirror,
                };
                let started = ops.start(&key).await;
                let detail = match &started {
                    Ok(id) => format!(
                        "admins include {cluster} for event `{}`; link {id} started",
                        rule.event
                    ),
                    Err(e) => format!(
                        "admins include {cluster} for event `{}`; starting the link failed: {e}",
                        rule.event
                    ),
                };
                findings.push(finding(
                    cluster,
                    "missing_link",
                    &format!("{home}/{topic} → {cluster}/{mirror}"),
                    &detail,
                    started.is_ok(),
                ));
            }
        }
        Ok(())
    }

    async fn links(&self, running: &[LinkRow], findings: &mut Vec<Finding>) {
        let now = OffsetDateTime::now_utc();
        let stale = stamp(now - time::Duration::seconds(STALLED_AFTER_SECS));
        let ops = LinkOps {
            db: &self.db,
            config: &self.config.mesh,
            timeout: self.timeout(),
        };
        for link in running {
            let subject = format!(
                "link {}: {} → {}",
                link.id, link.source_topic, link.target_topic
            );
            if link.backend == Backend::Builtin {
                let last = link.status_at.as_deref().unwrap_or(&link.created_at);
                if last >= stale.as_str() {
                    continue;
                }
                let released = links::release(&self.db, link.id).await.is_ok();
                findings.push(finding(
                    &link.target_cluster,
                    "stopped_link",
                    &subject,
                    &format!(
                        "no worker reported on this link since {}; released so a running worker takes it over",
                        link.status_at.as_deref().unwrap_or("it started")
                    ),
                    released,
                ));
            } else {
                let key = LinkKey {
                    event: &link.event,
                    source_cluster: &link.source_cluster,
                    source_topic: &link.source_topic,
                    target_cluster: &link.target_cluster,
                    target_topic: &link.target_topic,
                };
                match ops.remote_state(link).await {
                    Ok(state) if state == "ACTIVE" || state == "RUNNING" => {}
                    Ok(state) => {
                        let repaired = ops.start(&key).await;
                        findings.push(finding(
                            &link.target_cluster,
                            "stopped_link",
                            &subject,
                            &match &repaired {
                                Ok(_) => {
                                    format!("the {} link was {state}; restarted", link.backend)
                                }
                                Err(e) => format!(
                                    "the {} link is {state}; restarting failed: {e}",
                                    link.backend
                                ),
                            },
                            repaired.is_ok(),
                        ));
                    }
                    Err(e) => findings.push(finding(
                        &link.target_cluster,
                        "unreachable",
                        &subject,
                        &e,
                        false,
                    )),
                }
            }
        }
    }

    async fn store(&self, findings: &[Finding]) -> Result<(), DbError> {
        let at = crate::db::now();
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM drift_findings")
            .execute(&mut *tx)
            .await?;
        for f in findings {
            sqlx::query(
                "INSERT INTO drift_findings (cluster_id, kind, subject, detail, repaired, found_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&f.cluster)
            .bind(&f.kind)
            .bind(&f.subject)
            .bind(&f.detail)
            .bind(i64::from(f.repaired))
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        let repaired: Vec<&Finding> = findings.iter().filter(|f| f.repaired).collect();
        if !repaired.is_empty() {
            crate::audit::record(
                &mut tx,
                crate::audit::Entry::<(), _> {
                    actor: crate::access::model::SYSTEM,
                    action: "reconcile.repaired",
                    subject: "mesh",
                    before: None,
                    after: Some(&repaired),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn finding(cluster: &str, kind: &str, subject: &str, detail: &str, repaired: bool) -> Finding {
    Finding {
        cluster: cluster.to_string(),
        kind: kind.to_string(),
        subject: subject.to_string(),
        detail: detail.to_string(),
        repaired,
    }
}

/// The findings of the last pass, for the drift page.
pub async fn last_findings(db: &Db) -> Result<Vec<(Finding, String)>, DbError> {
    let rows = sqlx::query(
        "SELECT cluster_id, kind, subject, detail, repaired, found_at FROM drift_findings \
         ORDER BY cluster_id, kind, subject",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                Finding {
                    cluster: r.try_get("cluster_id")?,
                    kind: r.try_get("kind")?,
                    subject: r.try_get("subject")?,
                    detail: r.try_get("detail")?,
                    repaired: crate::db::flag(r, "repaired")?,
                },
                r.try_get("found_at")?,
            ))
        })
        .collect()
}
