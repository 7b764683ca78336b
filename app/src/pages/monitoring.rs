//! `/admin/monitoring`: what admins look at first: the busiest events, the
//! consumers furthest behind, idle grants and silent events, each linking
//! to the event's page. The server refuses anyone but admins.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::errors::{ErrorTemplate, Loading};
use crate::components::time_ago::MaybeAgo;
use crate::format::{duration, number, thousands};
use crate::monitoring::{ConsumerView, EventRate, Overview};
use crate::monitoring_api::monitoring_overview;

#[component]
pub fn MonitoringPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| monitoring_overview());
    view! {
        <Title text="Monitoring"/>
        <h1>"Monitoring"</h1>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    overview.await.map(|o| view! { <OverviewView o/> })
                })}
            </Suspense>
        </ErrorBoundary>
    }
}

#[component]
fn OverviewView(o: Overview) -> impl IntoView {
    view! {
        <p class="muted" data-testid="overview-summary">
            <a href="/alerts" data-testid="firing-count">{format!("{} alert(s) firing", o.firing)}</a>
            " · last sampler pass "<MaybeAgo at=o.sampled_at/>
        </p>
        <div class="overview-grid">
            <section class="panel" data-testid="busiest">
                <h2>"Busiest events"</h2>
                <RateTable list=o.busiest silent=false/>
            </section>
            <section class="panel" data-testid="lagging">
                <h2>"Most lagging consumers"</h2>
                <ConsumerList list=o.lagging empty="No consumer is behind."/>
            </section>
            <section class="panel" data-testid="idle-grants">
                <h2>"Idle grants"</h2>
                <p class="muted">"Grants whose consumer group has not committed for a while."</p>
                <ConsumerList list=o.idle empty="No idle grant."/>
            </section>
            <section class="panel" data-testid="silent">
                <h2>"Silent events"</h2>
                <p class="muted">"Catalogue topics with no records for the last day."</p>
                <RateTable list=o.silent silent=true/>
            </section>
        </div>
    }
}

#[component]
fn RateTable(list: Vec<EventRate>, silent: bool) -> impl IntoView {
    if list.is_empty() {
        let text = if silent {
            "Every event has traffic."
        } else {
            "No traffic sampled yet."
        };
        return view! { <p class="empty">{text}</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|r| {
            view! {
                <tr data-testid="event-rate" data-event=r.event.clone() data-cluster=r.cluster.clone()>
                    <td><a class="mono" href=format!("/events/{}", r.event)>{r.event.clone()}</a></td>
                    <td class="mono">{r.cluster.clone()}</td>
                    <td class="num">{number(r.rate)}</td>
                    <td><MaybeAgo at=r.last_record_at/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table compact">
                <thead><tr><th>"Event"</th><th>"Cluster"</th><th class="num">"Records/s"</th><th>"Last record"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ConsumerList(list: Vec<ConsumerView>, empty: &'static str) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|c| {
            view! {
                <tr data-testid="consumer" data-grant=c.grant_id.clone() data-event=c.event.clone()>
                    <td><a class="mono" href=format!("/events/{}", c.event)>{c.event.clone()}</a></td>
                    <td><a href=format!("/requests/{}", c.request_id)>{c.application.clone()}</a>
                        <div class="muted mono">{c.team.clone()}</div></td>
                    <td class="mono">{c.cluster.clone()}</td>
                    <td class="num">{c.lag.map(thousands).unwrap_or_else(|| "—".into())}</td>
                    <td class="num">{c.behind_secs.map(duration).unwrap_or_else(|| "—".into())}</td>
                    <td><MaybeAgo at=c.last_commit_at/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table compact">
                <thead><tr><th>"Event"</th><th>"Application"</th><th>"Cluster"</th><th class="num">"Lag"</th>
                    <th class="num">"Behind"</th><th>"Last commit"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
