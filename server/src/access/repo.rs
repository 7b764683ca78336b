//! SQL of the access workflow. Functions take a connection, so the service
//! decides what runs in one transaction.

use app::access::{Application, Principal, RequestKind, RequestState};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::model::{
    kind_str, parse_kind, AclBinding, ApplicationGrant, GrantRow, RequestRow, Step, StepRow,
};
use super::state;
use crate::db::{self, DbError};

// ---- applications ----

pub async fn insert_application(
    conn: &mut AnyConnection,
    team: &str,
    name: &str,
    description: &str,
    by: &str,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO applications (team_id, name, description, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(team)
    .bind(name)
    .bind(description)
    .bind(by)
    .bind(db::now())
    .fetch_one(conn)
    .await?)
}

pub async fn insert_principal(
    conn: &mut AnyConnection,
    application: i64,
    cluster: &str,
    principal: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO application_principals (application_id, cluster_id, principal) \
         VALUES ($1, $2, $3)",
    )
    .bind(application)
    .bind(cluster)
    .bind(principal)
    .execute(conn)
    .await?;
    Ok(())
}

/// Applications of these teams, or of all teams with `None`.
pub async fn applications(
    conn: &mut AnyConnection,
    teams: Option<&[String]>,
) -> Result<Vec<Application>, DbError> {
    let rows = sqlx::query(
        "SELECT id, team_id, name, description FROM applications ORDER BY team_id, name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let principals = sqlx::query(
        "SELECT application_id, cluster_id, principal FROM application_principals \
         ORDER BY cluster_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let team: String = r.try_get("team_id")?;
        if teams.is_some_and(|t| !t.contains(&team)) {
            continue;
        }
        let id: i64 = r.try_get("id")?;
        out.push(Application {
            id: id.to_string(),
            team,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            principals: principals_of(&principals, id)?,
        });
    }
    Ok(out)
}

pub async fn application(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<Application>, DbError> {
    let Some(r) =
        sqlx::query("SELECT id, team_id, name, description FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(None);
    };
    let principals = sqlx::query(
        "SELECT application_id, cluster_id, principal FROM application_principals \
         WHERE application_id = $1 ORDER BY cluster_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(Application {
        id: id.to_string(),
        team: r.try_get("team_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        principals: principals_of(&principals, id)?,
    }))
}

fn principals_of(rows: &[AnyRow], id: i64) -> Result<Vec<Principal>, DbError> {
    let mut out = Vec::new();
    for p in rows {
        if p.try_get::<i64, _>("application_id")? == id {
            out.push(Principal {
                cluster: p.try_get("cluster_id")?,
                principal: p.try_get("principal")?,
            });
        }
    }
    Ok(out)
}

// ---- requests ----

pub struct NewRequest<'a> {
    pub kind: RequestKind,
    pub requester: &'a str,
    pub team: &'a str,
    pub event: &'a str,
    pub cluster: &'a str,
    pub topic: &'a str,
    pub application: Option<i64>,
    pub group: Option<&'a str>,
    pub group_is_prefix: bool,
    pub purpose: &'a str,
    pub end_date: Option<&'a str>,
    pub proposal: Option<&'a str>,
    pub open_key: &'a str,
}

/// Inserts a submitted request; a second open request with the same key is
/// `DbError::Conflict`.
pub async fn insert_request(conn: &mut AnyConnection, r: &NewRequest<'_>) -> Result<i64, DbError> {
    let now = db::now();
    Ok(sqlx::query_scalar(
        "INSERT INTO requests (kind, state, requester, team_id, event_name, cluster_id, topic, \
           application_id, group_name, group_is_prefix, purpose, end_date, proposal_json, \
           open_key, created_at, updated_at) \
         VALUES ($1, 'submitted', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) \
         RETURNING id",
    )
    .bind(kind_str(r.kind))
    .bind(r.requester)
    .bind(r.team)
    .bind(r.event)
    .bind(r.cluster)
    .bind(r.topic)
    .bind(r.application)
    .bind(r.group)
    .bind(i64::from(r.group_is_prefix))
    .bind(r.purpose)
    .bind(r.end_date)
    .bind(r.proposal)
    .bind(r.open_key)
    .bind(&now)
    .fetch_one(conn)
    .await?)
}

/// The open request holding `open_key`, if any.
pub async fn open_request(
    conn: &mut AnyConnection,
    open_key: &str,
) -> Result<Option<i64>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM requests WHERE open_key = $1")
            .bind(open_key)
            .fetch_optional(conn)
            .await?,
    )
}

/// Open new-event proposals for this topic on this cluster.
pub async fn open_proposal_for_topic(
    conn: &mut AnyConnection,
    cluster: &str,
    topic: &str,
) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM requests WHERE kind = 'new_event' AND open_key IS NOT NULL \
         AND cluster_id = $1 AND topic = $2",
    )
    .bind(cluster)
    .bind(topic)
    .fetch_optional(conn)
    .await?)
}

const REQUEST_COLUMNS: &str = "r.id, r.kind, r.state, r.requester, r.team_id, r.event_name, \
    r.cluster_id, r.topic, r.application_id, r.group_name, r.group_is_prefix, r.purpose, \
    r.end_date, r.proposal_json, r.created_at, r.updated_at, e.team_id AS owner_team";

fn request_from(r: &AnyRow) -> Result<RequestRow, DbError> {
    let kind: String = r.try_get("kind")?;
    let st: String = r.try_get("state")?;
    let team: String = r.try_get("team_id")?;
    let owner: Option<String> = r.try_get("owner_team")?;
    Ok(RequestRow {
        id: r.try_get("id")?,
        kind: parse_kind(&kind).ok_or(DbError::NotFound)?,
        state: state::parse(&st).ok_or(DbError::NotFound)?,
        requester: r.try_get("requester")?,
        owner_team: owner.unwrap_or_else(|| team.clone()),
        team,
        event: r.try_get("event_name")?,
        cluster: r.try_get("cluster_id")?,
        topic: r.try_get("topic")?,
        application_id: r.try_get("application_id")?,
        group: r.try_get("group_name")?,
        group_is_prefix: crate::db::flag(r, "group_is_prefix")?,
        purpose: r.try_get("purpose")?,
        end_date: r.try_get("end_date")?,
        proposal: r.try_get("proposal_json")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn request(conn: &mut AnyConnection, id: i64) -> Result<Option<RequestRow>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {REQUEST_COLUMNS} FROM requests r LEFT JOIN events e ON e.name = r.event_name \
         WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(request_from).transpose()
}

/// Requests made by `user`, by one of `teams`, or with a step for one of
/// `teams`; newest first, at most `limit`.
pub async fn requests_concerning(
    conn: &mut AnyConnection,
    user: &str,
    teams: &[String],
    limit: i64,
) -> Result<Vec<RequestRow>, DbError> {
    let mut sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM requests r LEFT JOIN events e ON e.name = r.event_name \
         WHERE r.requester = $1"
    );
    if !teams.is_empty() {
        let list = db::placeholders(2, teams.len());
        sql.push_str(&format!(
            " OR r.team_id IN ({list}) OR r.id IN (SELECT request_id FROM request_approvals \
             WHERE step <> 'platform' AND team_id IN ({list}))"
        ));
    }
    sql.push_str(&format!(" ORDER BY r.id DESC LIMIT {limit}"));
    let mut q = sqlx::query(&sql).bind(user);
    for t in teams {
        q = q.bind(t);
    }
    q.fetch_all(conn).await?.iter().map(request_from).collect()
}

/// Requests in the given state, oldest first.
pub async fn requests_in_state(
    conn: &mut AnyConnection,
    state_: RequestState,
) -> Result<Vec<RequestRow>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {REQUEST_COLUMNS} FROM requests r LEFT JOIN events e ON e.name = r.event_name \
         WHERE r.state = $1 ORDER BY r.id"
    ))
    .bind(state::as_str(state_))
    .fetch_all(conn)
    .await?;
    rows.iter().map(request_from).collect()
}

/// Takes the request's write lock for the rest of the transaction (a row lock
/// on PostgreSQL, the database write lock on SQLite), so decisions on one
/// request run one after the other. Call it first in the transaction.
pub async fn lock_request(conn: &mut AnyConnection, id: i64) -> Result<bool, DbError> {
    let done = sqlx::query("UPDATE requests SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves the request to `to`; a closed request frees its open key.
pub async fn set_state(conn: &mut AnyConnection, id: i64, to: RequestState) -> Result<(), DbError> {
    let sql = if state::is_open(to) {
        "UPDATE requests SET state = $1, updated_at = $2 WHERE id = $3"
    } else {
        "UPDATE requests SET state = $1, updated_at = $2, open_key = NULL WHERE id = $3"
    };
    sqlx::query(sql)
        .bind(state::as_str(to))
        .bind(db::now())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

// ---- approval steps ----

pub async fn insert_step(
    conn: &mut AnyConnection,
    request: i64,
    step: Step,
    position: i64,
    team: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO request_approvals (request_id, step, position, team_id) VALUES ($1, $2, $3, $4)",
    )
    .bind(request)
    .bind(step.as_str())
    .bind(position)
    .bind(team)
    .execute(conn)
    .await?;
    Ok(())
}

fn step_from(r: &AnyRow) -> Result<StepRow, DbError> {
    let step: String = r.try_get("step")?;
    Ok(StepRow {
        step: Step::parse(&step).ok_or(DbError::NotFound)?,
        team: r.try_get("team_id")?,
        decided_by: r.try_get("decided_by")?,
        decision: r.try_get("decision")?,
        comment: r.try_get("comment")?,
        decided_at: r.try_get("decided_at")?,
    })
}

pub async fn steps(conn: &mut AnyConnection, request: i64) -> Result<Vec<StepRow>, DbError> {
    let rows = sqlx::query(
        "SELECT step, team_id, decided_by, decision, comment, decided_at \
         FROM request_approvals WHERE request_id = $1 ORDER BY position",
    )
    .bind(request)
    .fetch_all(conn)
    .await?;
    rows.iter().map(step_from).collect()
}

/// Steps of every submitted request, by request id.
pub async fn submitted_steps(conn: &mut AnyConnection) -> Result<Vec<(i64, StepRow)>, DbError> {
    let rows = sqlx::query(
        "SELECT a.request_id, a.step, a.team_id, a.decided_by, a.decision, a.comment, a.decided_at \
         FROM request_approvals a JOIN requests r ON r.id = a.request_id \
         WHERE r.state = 'submitted' ORDER BY a.request_id, a.position",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("request_id")?, step_from(r)?)))
        .collect()
}

/// Records a decision on a pending step; false if it was decided meanwhile.
pub async fn decide_step(
    conn: &mut AnyConnection,
    request: i64,
    step: Step,
    by: &str,
    approved: bool,
    comment: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE request_approvals SET decided_by = $1, decision = $2, comment = $3, decided_at = $4 \
         WHERE request_id = $5 AND step = $6 AND decision IS NULL",
    )
    .bind(by)
    .bind(if approved { "approved" } else { "rejected" })
    .bind(comment)
    .bind(db::now())
    .bind(request)
    .bind(step.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn reassign_step(
    conn: &mut AnyConnection,
    request: i64,
    step: Step,
    team: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE request_approvals SET team_id = $1 \
         WHERE request_id = $2 AND step = $3 AND decision IS NULL",
    )
    .bind(team)
    .bind(request)
    .bind(step.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ---- grants ----

pub struct NewGrant<'a> {
    pub request: i64,
    pub application: i64,
    pub event: &'a str,
    pub cluster: &'a str,
    pub principal: &'a str,
    pub topic: &'a str,
    pub bindings: &'a [AclBinding],
    pub expires_at: &'a str,
}

pub async fn insert_grant(conn: &mut AnyConnection, g: &NewGrant<'_>) -> Result<i64, DbError> {
    let now = db::now();
    Ok(sqlx::query_scalar(
        "INSERT INTO grants (request_id, application_id, event_name, cluster_id, principal, topic, \
           bindings_json, expires_at, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9) RETURNING id",
    )
    .bind(g.request)
    .bind(g.application)
    .bind(g.event)
    .bind(g.cluster)
    .bind(g.principal)
    .bind(g.topic)
    .bind(serde_json::to_string(g.bindings).unwrap_or_else(|_| "[]".into()))
    .bind(g.expires_at)
    .bind(&now)
    .fetch_one(conn)
    .await?)
}

const GRANT_COLUMNS: &str = "id, request_id, application_id, event_name, cluster_id, principal, \
    topic, bindings_json, expires_at, state";

fn grant_from(r: &AnyRow) -> Result<GrantRow, DbError> {
    let bindings: String = r.try_get("bindings_json")?;
    Ok(GrantRow {
        id: r.try_get("id")?,
        request_id: r.try_get("request_id")?,
        application_id: r.try_get("application_id")?,
        event: r.try_get("event_name")?,
        cluster: r.try_get("cluster_id")?,
        principal: r.try_get("principal")?,
        topic: r.try_get("topic")?,
        bindings: serde_json::from_str(&bindings).map_err(|_| DbError::NotFound)?,
        expires_at: r.try_get("expires_at")?,
        state: r.try_get("state")?,
    })
}

pub async fn grant_of(conn: &mut AnyConnection, request: i64) -> Result<Option<GrantRow>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS} FROM grants WHERE request_id = $1"
    ))
    .bind(request)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(grant_from).transpose()
}

/// The live grants (pending or active) of an application, oldest first,
/// with their requests' kind and consumer group.
pub async fn live_grants_of_application(
    conn: &mut AnyConnection,
    application: i64,
) -> Result<Vec<ApplicationGrant>, DbError> {
    let rows = sqlx::query(
        "SELECT g.id, g.request_id, g.application_id, g.event_name, g.cluster_id, g.principal, \
           g.topic, g.bindings_json, g.expires_at, g.state, r.kind, r.group_name, \
           r.group_is_prefix \
         FROM grants g JOIN requests r ON r.id = g.request_id \
         WHERE g.application_id = $1 AND g.state IN ('pending', 'active') ORDER BY g.id",
    )
    .bind(application)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(ApplicationGrant {
                grant: grant_from(r)?,
                kind: parse_kind(&kind).ok_or(DbError::NotFound)?,
                group: r.try_get("group_name")?,
                group_is_prefix: crate::db::flag(r, "group_is_prefix")?,
            })
        })
        .collect()
}

pub async fn set_grant_state(
    conn: &mut AnyConnection,
    grant: i64,
    to: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE grants SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(to)
        .bind(db::now())
        .bind(grant)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes the write lock of every live grant (pending or active) of
/// `principal` on `cluster` (row locks on PostgreSQL; SQLite's transactions
/// already hold the database write lock), so two revocations of grants
/// sharing bindings run one after the other and the second sees the first's
/// grant gone: neither keeps a binding only because of the other.
pub async fn lock_live_grants_of(
    conn: &mut AnyConnection,
    cluster: &str,
    principal: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE grants SET updated_at = updated_at \
         WHERE cluster_id = $1 AND principal = $2 AND state IN ('pending', 'active')",
    )
    .bind(cluster)
    .bind(principal)
    .execute(conn)
    .await?;
    Ok(())
}

/// The bindings of `principal` on `cluster` that live grants (pending or
/// active) other than `except` hold: taking one grant away must not delete
/// them (principals are not unique across applications).
pub async fn bindings_held_by_others(
    conn: &mut AnyConnection,
    cluster: &str,
    principal: &str,
    except: i64,
) -> Result<Vec<AclBinding>, DbError> {
    let rows = sqlx::query(
        "SELECT bindings_json FROM grants \
         WHERE cluster_id = $1 AND principal = $2 AND id <> $3 AND state IN ('pending', 'active')",
    )
    .bind(cluster)
    .bind(principal)
    .bind(except)
    .fetch_all(conn)
    .await?;
    let mut held = Vec::new();
    for r in &rows {
        let json: String = r.try_get("bindings_json")?;
        let bindings: Vec<AclBinding> =
            serde_json::from_str(&json).map_err(|_| DbError::NotFound)?;
        held.extend(bindings);
    }
    Ok(held)
}

/// Live grants (pending or active) whose end is at or before `until`.
pub async fn grants_ending_by(
    conn: &mut AnyConnection,
    until: &str,
) -> Result<Vec<(GrantRow, Option<String>)>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS}, expiring_notified_at FROM grants \
         WHERE state IN ('pending', 'active') AND expires_at <= $1 ORDER BY expires_at, id"
    ))
    .bind(until)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((grant_from(r)?, r.try_get("expiring_notified_at")?)))
        .collect()
}

/// Marks the grant as announced; false when another sweep did it first.
pub async fn mark_expiring_notified(conn: &mut AnyConnection, grant: i64) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE grants SET expiring_notified_at = $1 WHERE id = $2 AND expiring_notified_at IS NULL",
    )
    .bind(db::now())
    .bind(grant)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Consume requests still holding (or about to hold) access to `topic` on
/// `cluster`: approved, provisioning, active or failed.
pub async fn open_consumers(
    conn: &mut AnyConnection,
    event: &str,
    cluster: &str,
    topic: &str,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM requests WHERE kind = 'consume' AND event_name = $1 \
         AND cluster_id = $2 AND topic = $3 \
         AND state IN ('approved', 'provisioning', 'active', 'failed')",
    )
    .bind(event)
    .bind(cluster)
    .bind(topic)
    .fetch_one(conn)
    .await?)
}

/// Connection settings of an active grant: the cluster's bootstrap and
/// security settings, its registry, the topic and group.
pub async fn connection_info(
    conn: &mut AnyConnection,
    row: &RequestRow,
    principal: &str,
) -> Result<Option<app::access::ConnectionInfo>, DbError> {
    let Some(c) = crate::clusters::client_settings(conn, &row.cluster).await? else {
        return Ok(None);
    };
    let produce = row.kind == RequestKind::Produce;
    Ok(Some(app::access::ConnectionInfo {
        bootstrap_servers: c.bootstrap_servers,
        security_protocol: c.security_protocol,
        sasl_mechanism: c.sasl_mechanism,
        principal: principal.to_string(),
        topic: row.topic.clone(),
        group: if produce { None } else { row.group.clone() },
        produce,
        registry_url: c.schema_registry_url,
        // Mirrors keep the master's subject: the registry is shared by name.
        value_subject: format!(
            "{}-value",
            crate::catalogue::facts::event_facts(conn, &row.event)
                .await?
                .map_or_else(|| row.topic.clone(), |f| f.topic)
        ),
    }))
}

/// The ACL bindings of every active grant, with the grant's cluster.
pub async fn active_bindings(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, Vec<AclBinding>)>, DbError> {
    let rows = sqlx::query("SELECT cluster_id, bindings_json FROM grants WHERE state = 'active'")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let json: String = r.try_get("bindings_json")?;
            // A grant's stored bindings are the portal's own JSON.
            let bindings: Vec<AclBinding> = serde_json::from_str(&json).unwrap_or_default();
            Ok((r.try_get("cluster_id")?, bindings))
        })
        .collect()
}

/// (request id, proposing team) of open new-event proposals for one of `topics`.
pub async fn open_proposals_on_topics(
    conn: &mut AnyConnection,
    topics: &[&str],
) -> Result<Vec<(i64, String)>, DbError> {
    let sql = format!(
        "SELECT id, team_id FROM requests WHERE kind = 'new_event' AND open_key IS NOT NULL \
         AND topic IN ({}) ORDER BY id",
        db::placeholders(1, topics.len())
    );
    let mut query = sqlx::query_as(&sql);
    for t in topics {
        query = query.bind(*t);
    }
    Ok(query.fetch_all(conn).await?)
}

/// Ids of the newest `limit` requests about an event, newest first.
pub async fn request_ids_of_event(
    conn: &mut AnyConnection,
    event: &str,
    limit: i64,
) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM requests WHERE event_name = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(event)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// An active grant as monitoring reads it: who consumes or produces what,
/// where, with which group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveGrant {
    pub grant: i64,
    pub request: i64,
    pub kind: RequestKind,
    pub event: String,
    pub cluster: String,
    pub topic: String,
    pub group: Option<String>,
    pub group_is_prefix: bool,
    pub application: String,
    pub team: String,
    pub created_at: String,
}

/// Which active grants [`active_grants`] returns.
#[derive(Debug, Clone, Copy)]
pub enum GrantsOf<'a> {
    All,
    Cluster(&'a str),
    Event(&'a str),
    Request(i64),
}

pub async fn active_grants(
    conn: &mut AnyConnection,
    of: GrantsOf<'_>,
) -> Result<Vec<ActiveGrant>, DbError> {
    let filter = match of {
        GrantsOf::All => "",
        GrantsOf::Cluster(_) => " AND g.cluster_id = $1",
        GrantsOf::Event(_) => " AND g.event_name = $1",
        GrantsOf::Request(_) => " AND g.request_id = $1",
    };
    let sql = format!(
        "SELECT g.id, g.request_id, r.kind, g.event_name, g.cluster_id, g.topic, r.group_name, \
         r.group_is_prefix, a.name AS application, a.team_id, g.created_at \
         FROM grants g JOIN requests r ON r.id = g.request_id \
         JOIN applications a ON a.id = g.application_id \
         WHERE g.state = 'active'{filter} ORDER BY g.event_name, g.cluster_id, g.id"
    );
    let q = sqlx::query(&sql);
    let q = match of {
        GrantsOf::All => q,
        GrantsOf::Cluster(c) | GrantsOf::Event(c) => q.bind(c),
        GrantsOf::Request(id) => q.bind(id),
    };
    let rows = q.fetch_all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = r.try_get("kind")?;
        let Some(kind) = super::model::parse_kind(&kind) else {
            continue;
        };
        out.push(ActiveGrant {
            grant: r.try_get("id")?,
            request: r.try_get("request_id")?,
            kind,
            event: r.try_get("event_name")?,
            cluster: r.try_get("cluster_id")?,
            topic: r.try_get("topic")?,
            group: r.try_get("group_name")?,
            group_is_prefix: db::flag(r, "group_is_prefix")?,
            application: r.try_get("application")?,
            team: r.try_get("team_id")?,
            created_at: r.try_get("created_at")?,
        });
    }
    Ok(out)
}
