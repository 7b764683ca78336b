//! Admin: topics on the clusters that no event covers, and claiming them.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::{unclaimed_topics, ClaimTopic, RefreshUnclaimed};
use crate::components::errors::{ErrorTemplate, Loading};
use crate::discovery::{TeamRef, UnclaimedTopic};

#[component]
pub fn DiscoveryPanel() -> impl IntoView {
    let refresh = ServerAction::<RefreshUnclaimed>::new();
    let claim = ServerAction::<ClaimTopic>::new();
    let topics = Resource::new(
        move || (refresh.version().get(), claim.version().get()),
        |_| unclaimed_topics(),
    );
    view! {
        <section class="panel" data-testid="discovery">
            <div class="panel-head">
                <h2>"Unclaimed topics"</h2>
                <button
                    class="button"
                    data-testid="discovery-refresh"
                    disabled=move || refresh.pending().get()
                    on:click=move |_| {
                        refresh.dispatch(RefreshUnclaimed {});
                    }
                >
                    {move || if refresh.pending().get() { "Reading clusters…" } else { "Refresh now" }}
                </button>
            </div>
            <p class="muted">
                "Topics found on the clusters that no event covers. Claiming one creates a draft "
                "event owned by the team you choose; its owners then describe and publish it."
            </p>
            {move || claim.value().get().map(|result| match result {
                Ok(name) => view! {
                    <p class="notice" data-testid="claimed">
                        "Claimed as "<a href=format!("/events/{name}")>{name.clone()}</a>
                    </p>
                }.into_any(),
                Err(e) => view! { <p class="error-panel" role="alert">{e.message}</p> }.into_any(),
            })}
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        let view = topics.await?;
                        let teams = view.teams.clone();
                        let errors = (!view.errors.is_empty()).then(|| {
                            let items = view.errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view();
                            view! { <ul class="error-text">{items}</ul> }
                        });
                        let rows = view
                            .topics
                            .into_iter()
                            .map(|t| view! { <ClaimRow topic=t teams=teams.clone() claim/> })
                            .collect_view();
                        Ok::<_, crate::error::AppError>(view! {
                            <p class="muted">{format!("Read {}", view.refreshed_at.unwrap_or_else(|| "never".into()))}</p>
                            {errors}
                            <div class="table-wrap">
                                <table class="table">
                                    <thead>
                                        <tr><th>"Cluster"</th><th>"Topic"</th><th>"Partitions"</th><th>"Claim as event"</th></tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                        })
                    })}
                </Transition>
            </ErrorBoundary>
        </section>
    }
}

/// A suggested event name from a topic: lowercase, dots for other separators.
fn suggest_name(topic: &str) -> String {
    let s: String = topic
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '.'
            }
        })
        .collect();
    s.trim_matches('.').to_string()
}

#[component]
fn ClaimRow(
    topic: UnclaimedTopic,
    teams: Vec<TeamRef>,
    claim: ServerAction<ClaimTopic>,
) -> impl IntoView {
    let options = teams
        .into_iter()
        .map(|t| view! { <option value=t.id>{t.name}</option> })
        .collect_view();
    let name = suggest_name(&topic.topic);
    let UnclaimedTopic {
        cluster,
        topic,
        partitions,
    } = topic;
    let (c1, c2, c3) = (cluster.clone(), cluster.clone(), cluster);
    let (t1, t2, t3, t4) = (topic.clone(), topic.clone(), topic.clone(), topic);
    view! {
        <tr data-testid="unclaimed" data-cluster=c1 data-topic=t1>
            <td class="mono">{c2}</td>
            <td class="mono">{t2}</td>
            <td>{partitions}</td>
            <td>
                <ActionForm action=claim attr:class="claim-form">
                    <input type="hidden" name="cluster" value=c3/>
                    <input type="hidden" name="topic" value=t3/>
                    <input type="text" name="name" value=name aria-label="Event name" required/>
                    <input type="text" name="title" value=t4 aria-label="Title" required/>
                    <select name="team" aria-label="Owning team">{options}</select>
                    <button class="button" type="submit">"Claim"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
