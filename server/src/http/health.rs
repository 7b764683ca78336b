//! `/healthz`: the process answers. `/readyz`: the database is reachable and migrated.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::state::AppState;

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let db = state.db.readiness().await;
    let ready = db.ok();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ready": ready,
        "checks": {
            "database": {
                "ok": db.reachable,
                "backend": db.backend,
                "error": db.error,
            },
            "migrations": {
                "ok": db.migrations_applied == db.migrations_expected,
                "applied": db.migrations_applied,
                "expected": db.migrations_expected,
            }
        }
    });
    (status, Json(body))
}
