//! Hour / day / week / month buttons that set a chart's range; the chosen
//! one is pressed (`aria-pressed`).

use leptos::prelude::*;

use crate::monitoring::ChartRange;

#[component]
pub fn RangeButtons(range: RwSignal<ChartRange>) -> impl IntoView {
    let buttons = ChartRange::ALL
        .iter()
        .map(|r| {
            let r = *r;
            let title = format!("last {}", r.as_str());
            view! {
                <button type="button" class="range-button" data-range=r.as_str() title=title
                    aria-pressed=move || (range.get() == r).to_string()
                    on:click=move |_| range.set(r)>
                    {r.label()}
                </button>
            }
        })
        .collect_view();
    view! { <div class="range-buttons" role="group" aria-label="Time range" data-testid="range-buttons">{buttons}</div> }
}
