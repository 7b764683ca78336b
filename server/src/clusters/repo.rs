//! Cluster rows in the database.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::spec::{Cluster, ClusterSpec, SecuritySpec};
use crate::audit;
use crate::db::{self, Db, DbError};

const COLUMNS: &str = "id, name, platform, region, bootstrap_servers, flavour, in_mesh, \
    security_protocol, sasl_mechanism, sasl_username, sasl_password_env, ssl_ca_location, \
    schema_registry_url, schema_registry_username, schema_registry_password_env";

pub async fn list(db: &Db) -> Result<Vec<Cluster>, DbError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM clusters ORDER BY id"))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Cluster>, DbError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM clusters WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Inserts or updates a cluster, with an audit entry; an unchanged cluster is left alone.
/// Returns whether anything changed.
pub async fn upsert(db: &Db, cluster: &Cluster, actor: &str) -> Result<bool, DbError> {
    let before = get(db, cluster.id()).await?;
    if before.as_ref() == Some(cluster) {
        return Ok(false);
    }
    let s = cluster.spec();
    let now = db::now();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO clusters (id, name, platform, region, bootstrap_servers, flavour, in_mesh, \
           security_protocol, sasl_mechanism, sasl_username, sasl_password_env, ssl_ca_location, \
           schema_registry_url, schema_registry_username, schema_registry_password_env, \
           created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
         ON CONFLICT (id) DO UPDATE SET name = $2, platform = $3, region = $4, \
           bootstrap_servers = $5, flavour = $6, in_mesh = $7, security_protocol = $8, \
           sasl_mechanism = $9, sasl_username = $10, sasl_password_env = $11, \
           ssl_ca_location = $12, schema_registry_url = $13, schema_registry_username = $14, \
           schema_registry_password_env = $15, updated_at = $16",
    )
    .bind(&s.id)
    .bind(&s.name)
    .bind(enum_str(&s.platform))
    .bind(&s.region)
    .bind(&s.bootstrap_servers)
    .bind(enum_str(&s.flavour))
    .bind(i64::from(s.in_mesh))
    .bind(&s.security.protocol)
    .bind(&s.security.sasl_mechanism)
    .bind(&s.security.sasl_username)
    .bind(&s.security.sasl_password_env)
    .bind(&s.security.ssl_ca_location)
    .bind(&s.schema_registry_url)
    .bind(&s.schema_registry_username)
    .bind(&s.schema_registry_password_env)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    if before
        .as_ref()
        .is_some_and(|b| b.spec().schema_registry_url != s.schema_registry_url)
    {
        // Another registry: what the old one held says nothing about the new one.
        crate::registry::propagation::repo::forget_cluster(&mut tx, &s.id).await?;
    }
    let action = if before.is_some() {
        "cluster.updated"
    } else {
        "cluster.registered"
    };
    audit::record(
        &mut tx,
        audit::Entry {
            actor,
            action,
            subject: &format!("cluster:{}", s.id),
            before: before.as_ref(),
            after: Some(cluster),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

fn from_row(row: &AnyRow) -> Result<Cluster, DbError> {
    let spec = ClusterSpec {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        platform: str_enum(row.try_get("platform")?)?,
        region: row.try_get("region")?,
        bootstrap_servers: row.try_get("bootstrap_servers")?,
        flavour: str_enum(row.try_get("flavour")?)?,
        in_mesh: crate::db::flag(row, "in_mesh")?,
        security: SecuritySpec {
            protocol: row.try_get("security_protocol")?,
            sasl_mechanism: row.try_get("sasl_mechanism")?,
            sasl_username: row.try_get("sasl_username")?,
            sasl_password_env: row.try_get("sasl_password_env")?,
            ssl_ca_location: row.try_get("ssl_ca_location")?,
        },
        schema_registry_url: row.try_get("schema_registry_url")?,
        schema_registry_username: row.try_get("schema_registry_username")?,
        schema_registry_password_env: row.try_get("schema_registry_password_env")?,
    };
    // Rows were validated on the way in; a row that fails now was edited by hand.
    spec.validate()
        .map_err(|e| DbError::Query(sqlx::Error::Decode(Box::new(e))))
}

/// Stores a unit enum by its serde name, the same name the API uses.
fn enum_str<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn str_enum<T: DeserializeOwned>(s: String) -> Result<T, DbError> {
    serde_json::from_value(serde_json::Value::String(s))
        .map_err(|e| DbError::Query(sqlx::Error::Decode(Box::new(e))))
}

/// The Kafka connection settings of a registered cluster, or why there are none.
pub async fn connection_of(db: &Db, id: &str) -> Result<crate::kafka::Connection, String> {
    get(db, id)
        .await
        .map_err(|e| format!("cannot read cluster `{id}`: {e}"))?
        .map(|c| c.connection())
        .ok_or_else(|| format!("cluster `{id}` is not registered"))
}

/// (in_mesh) of a cluster, or `None` when it does not exist.
pub async fn in_mesh(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Option<bool>, DbError> {
    let v: Option<i64> = sqlx::query_scalar("SELECT in_mesh FROM clusters WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(v.map(|v| v != 0))
}

/// What a client needs to reach a cluster.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub bootstrap_servers: String,
    pub security_protocol: String,
    pub sasl_mechanism: Option<String>,
    pub schema_registry_url: Option<String>,
}

pub async fn client_settings(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<ClientSettings>, DbError> {
    let row = sqlx::query(
        "SELECT bootstrap_servers, security_protocol, sasl_mechanism, schema_registry_url \
         FROM clusters WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|c| {
        Ok(ClientSettings {
            bootstrap_servers: c.try_get("bootstrap_servers")?,
            security_protocol: c.try_get("security_protocol")?,
            sasl_mechanism: c.try_get("sasl_mechanism")?,
            schema_registry_url: c.try_get("schema_registry_url")?,
        })
    })
    .transpose()
}
