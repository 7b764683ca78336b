//! The clusters page's measured traffic: the mesh map at the top, and a
//! link's lag and records/s chart, loaded only when its row asks for it.

use leptos::prelude::*;

use crate::components::chart::{split_by_unit, LineChart};
use crate::components::errors::{ErrorTemplate, Loading};
use crate::components::mesh_map::MeshMapView;
use crate::components::range_buttons::RangeButtons;
use crate::monitoring::ChartRange;
use crate::monitoring_api::link_chart;

/// The mesh map; the clusters page reads it in the same suspense as the
/// cluster list (two sibling suspenses streamed their parts out of place).
#[component]
pub fn MeshMapPanel(
    map: Result<crate::monitoring::MeshMap, crate::error::AppError>,
) -> impl IntoView {
    view! {
        <section class="panel" data-testid="mesh-map-panel">
            <h2>"Mesh map"</h2>
            <p class="muted">"Clusters by platform and the running links between them, as the sampler last saw them. Red and dashed: unreachable or failing."</p>
            {match map {
                Ok(map) => view! { <MeshMapView map/> }.into_any(),
                Err(e) => view! { <p class="error-text">{format!("Mesh map: {}", e.message)}</p> }.into_any(),
            }}
        </section>
    }
}

/// The button that shows or hides a link's chart.
#[component]
pub fn ChartToggle(open: RwSignal<bool>) -> impl IntoView {
    view! {
        <button type="button" class="linkish" data-testid="link-chart-toggle"
            aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
            {move || if open.get() { "Hide chart" } else { "Chart" }}
        </button>
    }
}

/// A link's lag and records/s, in a table row under the link's own row.
#[component]
pub fn LinkChartRow(id: String, open: RwSignal<bool>, columns: u32) -> impl IntoView {
    move || {
        open.get().then(|| {
            view! {
                <tr class="link-chart-row" data-testid="link-chart" data-link=id.clone()>
                    <td colspan=columns><LinkChart id=id.clone()/></td>
                </tr>
            }
        })
    }
}

#[component]
fn LinkChart(id: String) -> impl IntoView {
    let range = RwSignal::new(ChartRange::Hour);
    let chart = Resource::new(
        move || (id.clone(), range.get()),
        |(id, range)| link_chart(id, range.as_str().to_string()),
    );
    view! {
        <RangeButtons range/>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    chart.await.map(|chart| {
                        split_by_unit(chart)
                            .into_iter()
                            .map(|chart| view! { <LineChart chart height=200.0/> })
                            .collect_view()
                    })
                })}
            </Transition>
        </ErrorBoundary>
    }
}
