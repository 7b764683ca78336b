//! The two migration folders (`migrations/sqlite`, `migrations/postgres`)
//! build the same schema: after migrating a fresh database of each kind, they
//! have the same tables, the same columns (with the same nullability) and the
//! same named indexes. Column types are not compared: the dialects spell them
//! differently (INTEGER and BIGINT, TEXT and VARCHAR) by design.

mod common;

use std::collections::BTreeMap;

use sqlx::Row;
use switchboard::db::Db;

use common::TestDb;

/// Table → (columns with "NOT NULL" or "NULL", index names).
type Schema = BTreeMap<String, (BTreeMap<String, &'static str>, Vec<String>)>;

fn nullability(not_null: bool) -> &'static str {
    if not_null {
        "NOT NULL"
    } else {
        "NULL"
    }
}

async fn sqlite_schema(db: &Db) -> Schema {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(db.pool())
    .await
    .expect("tables");
    let mut schema = Schema::new();
    for table in tables {
        let columns = sqlx::query(r#"SELECT name, "notnull", pk FROM pragma_table_info($1)"#)
            .bind(&table)
            .fetch_all(db.pool())
            .await
            .expect("columns")
            .iter()
            .map(|r| {
                let (not_null, pk): (i64, i64) = (r.get(1), r.get(2));
                // A primary key column is never null, whatever SQLite says.
                (r.get::<String, _>(0), nullability(not_null != 0 || pk != 0))
            })
            .collect();
        // Indexes SQLite makes for UNIQUE and PRIMARY KEY constraints are
        // `sqlite_autoindex_*`: constraints, not named indexes.
        let indexes = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 \
             AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
        )
        .bind(&table)
        .fetch_all(db.pool())
        .await
        .expect("indexes");
        schema.insert(table, (columns, indexes));
    }
    schema
}

async fn postgres_schema(db: &Db) -> Schema {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name",
    )
    .fetch_all(db.pool())
    .await
    .expect("tables");
    let mut schema = Schema::new();
    for table in tables {
        let columns = sqlx::query(
            "SELECT column_name::text, is_nullable::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1",
        )
        .bind(&table)
        .fetch_all(db.pool())
        .await
        .expect("columns")
        .iter()
        .map(|r| {
            let nullable: String = r.get(1);
            (r.get::<String, _>(0), nullability(nullable == "NO"))
        })
        .collect();
        // Indexes behind PRIMARY KEY and UNIQUE constraints are left out, as
        // on SQLite.
        let indexes = sqlx::query_scalar(
            "SELECT i.relname::text FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public' AND t.relname = $1 \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
             ORDER BY i.relname",
        )
        .bind(&table)
        .fetch_all(db.pool())
        .await
        .expect("indexes");
        schema.insert(table, (columns, indexes));
    }
    schema
}

#[tokio::test]
async fn both_migration_folders_build_the_same_schema() {
    let sqlite = TestDb::sqlite().await;
    let postgres = TestDb::postgres().await;
    let a = sqlite_schema(&sqlite.db).await;
    let b = postgres_schema(&postgres.db).await;
    assert!(a.len() > 20, "the SQLite schema was read: {:?}", a.keys());
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "tables"
    );
    let mut differences = Vec::new();
    for (table, (columns, indexes)) in &a {
        let (pg_columns, pg_indexes) = &b[table];
        if columns != pg_columns {
            differences.push(format!(
                "{table}: columns on SQLite {columns:?}, on PostgreSQL {pg_columns:?}"
            ));
        }
        if indexes != pg_indexes {
            differences.push(format!(
                "{table}: indexes on SQLite {indexes:?}, on PostgreSQL {pg_indexes:?}"
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    sqlite.cleanup().await;
    postgres.cleanup().await;
}
