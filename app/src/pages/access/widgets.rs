//! Small pieces shared by the access pages.

use leptos::prelude::*;

use crate::access::{RequestKind, RequestState};

pub fn kind_label(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Consume => "consume",
        RequestKind::Produce => "produce",
        RequestKind::NewEvent => "new event",
    }
}

pub fn state_label(state: RequestState) -> &'static str {
    match state {
        RequestState::Submitted => "submitted",
        RequestState::Approved => "approved",
        RequestState::Rejected => "rejected",
        RequestState::Cancelled => "cancelled",
        RequestState::Provisioning => "provisioning",
        RequestState::Active => "active",
        RequestState::Failed => "failed",
        RequestState::Expired => "expired",
        RequestState::Revoked => "revoked",
    }
}

#[component]
pub fn StateBadge(state: RequestState) -> impl IntoView {
    let label = state_label(state);
    view! { <span class=format!("badge state-{label}") data-testid="request-state">{label}</span> }
}

/// An action's error, shown where the action was taken.
pub fn action_error<T, F>(value: F) -> impl IntoView
where
    T: 'static,
    F: Fn() -> Option<Result<T, crate::error::AppError>> + Send + Sync + 'static,
{
    move || {
        value()
            .and_then(Result::err)
            .map(|e| {
                // A refusal naming an existing request (a duplicate) links to it.
                let link = e
                    .message
                    .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                    .find(|w| w.starts_with("/requests/"))
                    .map(|w| w.trim_end_matches(['.', ',']).to_string());
                view! {
                    <p class="error-panel" role="alert" data-testid="action-error">
                        {e.message.clone()}
                        {link.map(|href| view! { " " <a href=href.clone() data-testid="existing-request">"Open it"</a> })}
                    </p>
                }
            })
    }
}
