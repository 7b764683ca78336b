//! `/requests`: the caller's requests and those of their teams.

use leptos::prelude::*;
use leptos_meta::Title;

use super::widgets::{kind_label, StateBadge};
use crate::access_api::my_requests;
use crate::components::errors::{ErrorTemplate, Loading};

#[component]
pub fn RequestsPage() -> impl IntoView {
    let requests = Resource::new(|| (), |_| my_requests());
    view! {
        <Title text="Requests"/>
        <div class="page-head">
            <h1>"Requests"</h1>
            <div class="actions">
                <a class="button" href="/applications">"Applications"</a>
                <a class="button" href="/requests/new-event" data-testid="propose-event">"Propose a new event"</a>
            </div>
        </div>
        <p class="muted">"To consume or produce an event, open it in the catalogue and choose “Request access”."</p>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let list = requests.await?;
                    if list.is_empty() {
                        return Ok::<_, crate::error::AppError>(
                            view! { <p class="panel empty" data-testid="no-requests">"No requests yet."</p> }.into_any(),
                        );
                    }
                    let rows = list
                        .into_iter()
                        .map(|r| view! {
                            <tr data-testid="request-row" data-request=r.id.clone()>
                                <td><a href=format!("/requests/{}", r.id) class="mono">{r.id.clone()}</a></td>
                                <td>{kind_label(r.kind)}</td>
                                <td class="mono">{r.event.clone()}</td>
                                <td class="mono">{r.cluster.clone()}</td>
                                <td>{r.application.clone().unwrap_or_default()}</td>
                                <td><StateBadge state=r.state/></td>
                                <td class="mono">{r.updated_at.clone()}</td>
                            </tr>
                        })
                        .collect_view();
                    Ok(view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead><tr>
                                    <th>"Request"</th><th>"Kind"</th><th>"Event"</th><th>"Cluster"</th>
                                    <th>"Application"</th><th>"State"</th><th>"Updated"</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }.into_any())
                })}
            </Transition>
        </ErrorBoundary>
    }
}
