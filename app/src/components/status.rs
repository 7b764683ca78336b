//! Small views of a cluster's live status.

use leptos::prelude::*;

use crate::clusters::ClusterStatus;

#[component]
pub fn StatusBadge(status: ClusterStatus) -> impl IntoView {
    let (class, label) = match &status {
        ClusterStatus::Reachable { .. } => ("badge ok", "reachable"),
        ClusterStatus::Unreachable { .. } => ("badge bad", "unreachable"),
        ClusterStatus::Unknown => ("badge", "checking"),
    };
    view! { <span class=class data-testid="status">{label}</span> }
}

#[component]
pub fn StatusDetail(status: ClusterStatus) -> impl IntoView {
    match status {
        ClusterStatus::Reachable {
            broker_count,
            topic_count,
            checked_at,
            latency_ms,
        } => view! {
            <span>
                {format!("{broker_count} broker(s), {topic_count} topic(s) · {latency_ms} ms · checked {checked_at}")}
            </span>
        }
        .into_any(),
        ClusterStatus::Unreachable { error, checked_at } => view! {
            <span class="error-text">{format!("{error} · checked {checked_at}")}</span>
        }
        .into_any(),
        ClusterStatus::Unknown => view! { <span class="muted">"First check under way"</span> }.into_any(),
    }
}
