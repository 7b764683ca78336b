//! The event page's measured traffic: records/s per cluster over a chosen
//! range, and the consumers holding grants with how far behind they are.

use leptos::prelude::*;

use crate::components::chart::LineChart;
use crate::components::errors::{ErrorTemplate, Loading};
use crate::components::range_buttons::RangeButtons;
use crate::components::time_ago::MaybeAgo;
use crate::format::{duration, thousands};
use crate::monitoring::{ChartRange, ConsumerView};
use crate::monitoring_api::event_traffic;

#[component]
pub fn TrafficSection(event: String) -> impl IntoView {
    let range = RwSignal::new(ChartRange::Hour);
    let traffic = Resource::new(
        move || (event.clone(), range.get()),
        |(event, range)| event_traffic(event, range.as_str().to_string()),
    );
    view! {
        <section class="panel" data-testid="traffic">
            <div class="panel-head">
                <h2>"Traffic"</h2>
                <RangeButtons range/>
            </div>
            <p class="muted">"Measured on the clusters by the sampler, per cluster the event is on."</p>
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        traffic.await.map(|t| view! {
                            <LineChart chart=t.rate/>
                            <h3>"Consumers"</h3>
                            <ConsumerTable list=t.consumers/>
                        })
                    })}
                </Transition>
            </ErrorBoundary>
        </section>
    }
}

/// The applications consuming the event, one row per grant.
#[component]
pub fn ConsumerTable(list: Vec<ConsumerView>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty" data-testid="no-consumers">"No application consumes it yet."</p> }
            .into_any();
    }
    let rows = list
        .into_iter()
        .map(|c| view! { <ConsumerRow c/> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="consumers">
                <thead>
                    <tr>
                        <th>"Application"</th><th>"Team"</th><th>"Cluster"</th><th>"Group"</th>
                        <th class="num">"Lag (records)"</th><th class="num">"Behind"</th><th>"Last commit"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ConsumerRow(c: ConsumerView) -> impl IntoView {
    let group = c
        .group
        .clone()
        .map(|g| {
            if c.group_is_prefix {
                format!("{g}*")
            } else {
                g
            }
        })
        .unwrap_or_else(|| "—".into());
    view! {
        <tr data-testid="consumer" data-grant=c.grant_id.clone() data-cluster=c.cluster.clone()
            data-lag=c.lag.map(|l| l.to_string()).unwrap_or_default() data-idle=c.idle.to_string()>
            <td>
                <a href=format!("/requests/{}", c.request_id)>{c.application.clone()}</a>
                {c.idle.then(|| view! { " " <span class="badge bad" data-testid="idle" title="No commit for a while">"idle"</span> })}
            </td>
            <td class="mono">{c.team.clone()}</td>
            <td class="mono">{c.cluster.clone()}</td>
            <td class="mono" title=if c.group_is_prefix { "group prefix" } else { "group" }>{group}</td>
            <td class="num">{c.lag.map(thousands).unwrap_or_else(|| "—".into())}</td>
            <td class="num">{c.behind_secs.map(duration).unwrap_or_else(|| "—".into())}</td>
            <td><MaybeAgo at=c.last_commit_at.clone()/></td>
        </tr>
    }
}
