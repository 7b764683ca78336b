//! Home: the mesh at a glance, with a filter that works in the browser.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_clusters;
use crate::clusters::ClusterView;
use crate::components::errors::{ErrorTemplate, Loading};
use crate::components::status::StatusBadge;

#[component]
pub fn Overview() -> impl IntoView {
    let clusters = Resource::new(|| (), |_| list_clusters());
    view! {
        <Title text="Overview"/>
        <section class="hero">
            <h1>"Publish once locally, consume anywhere"</h1>
            <p>
                "Switchboard is the portal of the event mesh: find the events that flow through "
                "the company's Kafka clusters, ask for access, and let the platform provision it."
            </p>
        </section>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    clusters.await.map(|list| view! { <MeshTiles list/> })
                })}
            </Suspense>
        </ErrorBoundary>
    }
}

#[component]
fn MeshTiles(list: Vec<ClusterView>) -> impl IntoView {
    let (filter, set_filter) = signal(String::new());
    let total = list.len();
    let reachable = list.iter().filter(|c| c.status.is_reachable()).count();
    let shown = {
        let list = list.clone();
        move || list.iter().filter(|c| c.matches(&filter.get())).count()
    };
    let tiles = list
        .into_iter()
        .map(|c| {
            let hidden = {
                let c = c.clone();
                move || !c.matches(&filter.get())
            };
            view! {
                <li class="tile" class:hidden=hidden data-testid="cluster-tile">
                    <div class="tile-head">
                        <strong>{c.name.clone()}</strong>
                        <StatusBadge status=c.status.clone()/>
                    </div>
                    <div class="muted">{format!("{} · {}", c.platform.label(), c.region)}</div>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <div class="panel-head">
                <h2>"The mesh"</h2>
                <span class="muted" data-testid="mesh-summary">
                    {format!("{reachable} of {total} clusters reachable")}
                </span>
            </div>
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
            <p class="muted" data-testid="filter-count">
                {move || format!("Showing {} of {total}", shown())}
            </p>
            <ul class="tiles">{tiles}</ul>
        </section>
    }
}
