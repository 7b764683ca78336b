//! An active request's chart: its consumer group's lag (consume) or its
//! topic's records/s (produce), over a chosen range.

use leptos::prelude::*;

use crate::components::chart::LineChart;
use crate::components::errors::{ErrorTemplate, Loading};
use crate::components::range_buttons::RangeButtons;
use crate::monitoring::ChartRange;
use crate::monitoring_api::request_chart;

#[component]
pub fn RequestTraffic(id: String) -> impl IntoView {
    let range = RwSignal::new(ChartRange::Hour);
    let chart = Resource::new(
        move || (id.clone(), range.get()),
        |(id, range)| request_chart(id, range.as_str().to_string()),
    );
    view! {
        <section class="panel" data-testid="request-traffic">
            <div class="panel-head">
                <h2>"Traffic"</h2>
                <RangeButtons range/>
            </div>
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        chart.await.map(|chart| view! { <LineChart chart/> })
                    })}
                </Transition>
            </ErrorBoundary>
        </section>
    }
}
