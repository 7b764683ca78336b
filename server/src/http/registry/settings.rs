//! `/config` and `/mode`, global and per subject. Levels go in as
//! `{"compatibility": …}` and come out as `{"compatibilityLevel": …}`, as in
//! Confluent; modes are `{"mode": …}` both ways.

use app::auth::Caller;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use serde_json::json;

use super::wire::{reply, Body, Flags, P};
use crate::registry::{level_name, parse_level, Mode, RegistryError};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ConfigBody {
    compatibility: Option<String>,
}

#[derive(Deserialize)]
pub struct ModeBody {
    mode: Option<String>,
}

fn caller_of(caller: &Option<Extension<Caller>>) -> Option<&Caller> {
    caller.as_ref().map(|Extension(c)| c)
}

async fn get_config(
    s: &AppState,
    subject: Option<&str>,
    flags: &Flags,
) -> Result<Response, RegistryError> {
    let level = s
        .registry
        .level(subject, flags.get("defaultToGlobal"))
        .await?;
    Ok(reply(&json!({ "compatibilityLevel": level_name(level) })))
}

async fn put_config(
    s: &AppState,
    caller: Option<&Caller>,
    subject: Option<&str>,
    body: ConfigBody,
) -> Result<Response, RegistryError> {
    let level = parse_level(body.compatibility.as_deref().unwrap_or_default())?;
    let level = s.registry.set_level(caller, subject, level).await?;
    Ok(reply(&json!({ "compatibility": level_name(level) })))
}

async fn delete_config(
    s: &AppState,
    caller: Option<&Caller>,
    subject: Option<&str>,
) -> Result<Response, RegistryError> {
    let level = s.registry.delete_level(caller, subject).await?;
    Ok(reply(&json!({ "compatibilityLevel": level_name(level) })))
}

async fn get_mode(
    s: &AppState,
    subject: Option<&str>,
    flags: &Flags,
) -> Result<Response, RegistryError> {
    let mode = s
        .registry
        .mode(subject, flags.get("defaultToGlobal"))
        .await?;
    Ok(reply(&json!({ "mode": mode.as_str() })))
}

async fn put_mode(
    s: &AppState,
    caller: Option<&Caller>,
    subject: Option<&str>,
    flags: &Flags,
    body: ModeBody,
) -> Result<Response, RegistryError> {
    let mode: Mode = body.mode.as_deref().unwrap_or_default().parse()?;
    let mode = s
        .registry
        .set_mode(caller, subject, mode, flags.get("force"))
        .await?;
    Ok(reply(&json!({ "mode": mode.as_str() })))
}

async fn delete_mode(
    s: &AppState,
    caller: Option<&Caller>,
    subject: Option<&str>,
) -> Result<Response, RegistryError> {
    let mode = s.registry.delete_mode(caller, subject).await?;
    Ok(reply(&json!({ "mode": mode.as_str() })))
}

pub async fn global_config(
    State(s): State<AppState>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    get_config(&s, None, &flags).await
}

pub async fn subject_config(
    State(s): State<AppState>,
    P(subject): P<String>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    get_config(&s, Some(&subject), &flags).await
}

pub async fn set_global_config(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    Body(body): Body<ConfigBody>,
) -> Result<Response, RegistryError> {
    put_config(&s, caller_of(&caller), None, body).await
}

pub async fn set_subject_config(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    P(subject): P<String>,
    Body(body): Body<ConfigBody>,
) -> Result<Response, RegistryError> {
    put_config(&s, caller_of(&caller), Some(&subject), body).await
}

pub async fn delete_global_config(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Response, RegistryError> {
    delete_config(&s, caller_of(&caller), None).await
}

pub async fn delete_subject_config(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    P(subject): P<String>,
) -> Result<Response, RegistryError> {
    delete_config(&s, caller_of(&caller), Some(&subject)).await
}

pub async fn global_mode(
    State(s): State<AppState>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    get_mode(&s, None, &flags).await
}

pub async fn subject_mode(
    State(s): State<AppState>,
    P(subject): P<String>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    get_mode(&s, Some(&subject), &flags).await
}

pub async fn set_global_mode(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    flags: Flags,
    Body(body): Body<ModeBody>,
) -> Result<Response, RegistryError> {
    put_mode(&s, caller_of(&caller), None, &flags, body).await
}

pub async fn set_subject_mode(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    P(subject): P<String>,
    flags: Flags,
    Body(body): Body<ModeBody>,
) -> Result<Response, RegistryError> {
    put_mode(&s, caller_of(&caller), Some(&subject), &flags, body).await
}

pub async fn delete_global_mode(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Response, RegistryError> {
    delete_mode(&s, caller_of(&caller), None).await
}

pub async fn delete_subject_mode(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    P(subject): P<String>,
) -> Result<Response, RegistryError> {
    delete_mode(&s, caller_of(&caller), Some(&subject)).await
}
