//! Clusters: every cluster of the mesh with its live status.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_clusters;
use crate::clusters::ClusterView;
use crate::components::errors::{ErrorTemplate, Loading};
use crate::components::status::{StatusBadge, StatusDetail};

#[component]
pub fn ClustersPage() -> impl IntoView {
    // `refresh` re-runs the status check on the server and replaces the list.
    let refresh = ServerAction::<crate::api::RefreshClusters>::new();
    let clusters = Resource::new(move || refresh.version().get(), |_| list_clusters());
    view! {
        <Title text="Clusters"/>
        <div class="page-head">
            <h1>"Clusters"</h1>
            <button
                class="button"
                data-testid="refresh"
                disabled=move || refresh.pending().get()
                on:click=move |_| {
                    refresh.dispatch(crate::api::RefreshClusters {});
                }
            >
                {move || if refresh.pending().get() { "Checking…" } else { "Check now" }}
            </button>
        </div>
        <p class="muted">"Status is read from the brokers with a short timeout and cached for a few seconds."</p>
        {move || refresh.value().get().and_then(Result::err).map(|e| view! {
            <p class="error-panel" role="alert">{e.message}</p>
        })}
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    clusters.await.map(|list| view! { <ClusterTable list/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn ClusterTable(list: Vec<ClusterView>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No clusters are configured yet."</p> }.into_any();
    }
    let (filter, set_filter) = signal(String::new());
    let total = list.len();
    let reachable = list.iter().filter(|c| c.status.is_reachable()).count();
    let shown = {
        let list = list.clone();
        move || list.iter().filter(|c| c.matches(&filter.get())).count()
    };
    let rows = list
        .into_iter()
        .map(|c| {
            let hidden = {
                let c = c.clone();
                move || !c.matches(&filter.get())
            };
            view! {
                <tr data-testid="cluster-row" data-cluster=c.id.clone() class:hidden=hidden>
                    <td>
                        <strong>{c.name.clone()}</strong>
                        <div class="muted mono">{c.id.clone()}</div>
                    </td>
                    <td>{c.platform.label()}<div class="muted">{c.region.clone()}</div></td>
                    <td>{c.flavour.label()}</td>
                    <td class="mono">{c.bootstrap_servers.clone()}</td>
                    <td>{if c.in_mesh { "yes" } else { "no" }}</td>
                    <td><StatusBadge status=c.status.clone()/><div><StatusDetail status=c.status/></div></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="panel-head">
            <label class="filter">
                <span>"Filter clusters"</span>
                <input
                    type="search"
                    placeholder="name, platform or region"
                    data-testid="cluster-filter"
                    prop:value=filter
                    on:input=move |ev| set_filter.set(event_target_value(&ev))
                />
            </label>
            <span class="muted" data-testid="mesh-summary">
                {format!("{reachable} of {total} clusters reachable")}
                " · "
                <span data-testid="filter-count">{move || format!("showing {} of {total}", shown())}</span>
            </span>
        </div>
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>
                        <th>"Cluster"</th>
                        <th>"Platform"</th>
                        <th>"Flavour"</th>
                        <th>"Bootstrap servers"</th>
                        <th>"In mesh"</th>
                        <th>"Status"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
