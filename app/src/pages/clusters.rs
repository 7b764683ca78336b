//! Clusters: every cluster of the mesh with its live status and its mesh
//! links (as source or target) with their lag.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_clusters;
use crate::clusters::ClusterView;
use crate::components::errors::{ErrorTemplate, Loading};
use crate::components::status::{StatusBadge, StatusDetail};
use crate::error::AppError;
use crate::mesh::LinkView;
use crate::mesh_api::list_links;
use crate::pages::clusters_traffic::{ChartToggle, LinkChartRow, MeshMapPanel};

/// Each cluster's links, by cluster id.
type ClusterLinks = Vec<(String, Vec<LinkView>)>;

#[component]
pub fn ClustersPage() -> impl IntoView {
    // `refresh` re-runs the status check on the server and replaces the list.
    let refresh = ServerAction::<crate::api::RefreshClusters>::new();
    let clusters = Resource::new(move || refresh.version().get(), |_| list_clusters());
    let map = Resource::new(
        move || refresh.version().get(),
        |_| crate::monitoring_api::mesh_map(),
    );
    let links = Resource::new(
        move || refresh.version().get(),
        move |_| async move {
            let ids: Vec<String> = match clusters.await {
                Ok(list) => list.into_iter().map(|c| c.id).collect(),
                Err(_) => Vec::new(),
            };
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let of_cluster = list_links(String::new(), id.clone()).await?;
                out.push((id, of_cluster));
            }
            Ok::<ClusterLinks, AppError>(out)
        },
    );
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
                    let list = clusters.await?;
                    // Links are extra: the clusters show even when they cannot be read.
                    let (links, links_error) = match links.await {
                        Ok(l) => (l, None),
                        Err(e) => (Vec::new(), Some(e.message)),
                    };
                    let mesh = map.await;
                    Ok::<_, AppError>(view! {
                        {links_error.map(|m| view! { <p class="error-text">{format!("Mesh links: {m}")}</p> })}
                        <MeshMapPanel map=mesh/>
                        <ClusterTable list links/>
                    })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn ClusterTable(list: Vec<ClusterView>, links: ClusterLinks) -> impl IntoView {
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
            let of_cluster = links
                .iter()
                .find(|(id, _)| *id == c.id)
                .map(|(_, l)| l.clone())
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let hidden = hidden.clone();
                    view! {
                        <tr class="links-row" data-testid="cluster-links" data-cluster=c.id.clone() class:hidden=hidden>
                            <td colspan="6"><LinkTable links=l/></td>
                        </tr>
                    }
                    // Erased: the page's view type is otherwise too deep for the compiler.
                    .into_any()
                });
            view! {
                <tr data-testid="cluster-row" data-cluster=c.id.clone() class:hidden=hidden>
                    <td>
                        <strong>{c.name.clone()}</strong>
                        <div class="muted mono">{c.id.clone()}</div>
                    </td>
                    <td>{c.platform.label()}<div class="muted">{c.region.clone()}</div></td>
                    <td>{c.flavour.label()}</td>
                    <td class="mono">{c.bootstrap_servers.clone().unwrap_or_else(|| "sign in to see".into())}</td>
                    <td>{if c.in_mesh { "yes" } else { "no" }}</td>
                    <td><StatusBadge status=c.status.clone()/><div><StatusDetail status=c.status/></div></td>
                </tr>
                {of_cluster}
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

/// A cluster's mesh links, as source or target.
#[component]
fn LinkTable(links: Vec<LinkView>) -> impl IntoView {
    let rows = links
        .into_iter()
        .map(|l| {
            let topics = if l.source_topic == l.target_topic {
                l.source_topic.clone()
            } else {
                format!("{} → {}", l.source_topic, l.target_topic)
            };
            let open = RwSignal::new(false);
            let id = l.id.clone();
            view! {
                <tr data-testid="link-row" data-link=l.id.clone() data-source=l.source_cluster.clone()
                    data-target=l.target_cluster.clone() data-state=l.state.as_str()>
                    <td class="mono nowrap">{format!("{} → {}", l.source_cluster, l.target_cluster)}</td>
                    <td class="mono">{topics}</td>
                    <td>{l.backend.as_str().replace('_', " ")}</td>
                    <td>{l.state.as_str()}</td>
                    <td class="num">{l.lag.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
                    <td class="num">{l.rate_per_sec.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
                    <td class="num">{l.copied}</td>
                    <td class="error-text">{l.last_error.unwrap_or_default()}</td>
                    <td><ChartToggle open/></td>
                </tr>
                <LinkChartRow id open columns=9/>
            }
        })
        .collect_view();
    view! {
        <table class="table compact">
            <thead>
                <tr>
                    <th>"Link"</th>
                    <th>"Topic"</th>
                    <th>"Backend"</th>
                    <th>"State"</th>
                    <th class="num">"Lag"</th>
                    <th class="num">"Records/s"</th>
                    <th class="num">"Copied"</th>
                    <th>"Last error"</th>
                    <th><span class="visually-hidden">"Chart"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
