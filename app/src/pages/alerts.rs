//! `/alerts`: firing alerts first, then recently resolved ones, then the
//! rules the caller can see, with an inline edit form on those they may edit.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::access::widgets::action_error;
use crate::components::errors::{ErrorTemplate, Loading};
use crate::components::time_ago::{MaybeAgo, TimeAgo};
use crate::error::AppError;
use crate::format::number;
use crate::monitoring::{AlertKind, AlertRuleView, AlertState, AlertView};
use crate::monitoring_api::{alerts_page, EditAlertRule};

/// `consumer lag`, `no traffic`…
pub fn kind_label(kind: AlertKind) -> String {
    kind.as_str().replace('_', " ")
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    let edit = ServerAction::<EditAlertRule>::new();
    let page = Resource::new(move || edit.version().get(), |_| alerts_page());
    view! {
        <Title text="Alerts"/>
        <h1>"Alerts"</h1>
        <p class="muted">"Rules are checked after every sampler pass; a rule fires once its condition has held for its duration, and tells its team."</p>
        {action_error(move || edit.value().get())}
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let p = page.await?;
                    Ok::<_, AppError>(view! {
                        <section class="panel" data-testid="firing">
                            <h2>"Firing"</h2>
                            <AlertTable list=p.firing resolved=false/>
                        </section>
                        <section class="panel" data-testid="recent">
                            <h2>"Recently resolved"</h2>
                            <AlertTable list=p.recent resolved=true/>
                        </section>
                        <section class="panel" data-testid="rules">
                            <h2>"Rules"</h2>
                            <RuleTable rules=p.rules edit/>
                        </section>
                    })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn AlertTable(list: Vec<AlertView>, resolved: bool) -> impl IntoView {
    if list.is_empty() {
        let text = if resolved {
            "None resolved lately."
        } else {
            "Nothing is firing."
        };
        return view! { <p class="empty">{text}</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|a| {
            view! {
                <tr data-testid="alert" data-kind=a.kind.as_str() data-event=a.event.clone()
                    data-cluster=a.cluster.clone().unwrap_or_default() data-rule=a.rule_id.clone()>
                    <td>{kind_label(a.kind)}</td>
                    <td><a class="mono" href=format!("/events/{}", a.event)>{a.event.clone()}</a></td>
                    <td class="mono">{a.cluster.clone().unwrap_or_else(|| "—".into())}</td>
                    <td>{a.summary.clone()}</td>
                    <td>"since "<TimeAgo at=a.fired_at.clone()/></td>
                    {resolved.then(|| view! { <td>"resolved "<MaybeAgo at=a.resolved_at.clone()/></td> })}
                    <td><a href=a.link.clone() data-testid="alert-chart">"chart"</a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>
                        <th>"Kind"</th><th>"Event"</th><th>"Cluster"</th><th>"Summary"</th><th>"Fired"</th>
                        {resolved.then(|| view! { <th>"Resolved"</th> })}
                        <th></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn RuleTable(rules: Vec<AlertRuleView>, edit: ServerAction<EditAlertRule>) -> impl IntoView {
    if rules.is_empty() {
        return view! { <p class="empty">"No rules you can see."</p> }.into_any();
    }
    let rows = rules
        .into_iter()
        .map(|r| view! { <RuleRow r edit/> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>
                        <th>"Kind"</th><th>"Watches"</th><th>"Team"</th><th>"State"</th>
                        <th class="num">"Last value"</th><th>"Condition"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn RuleRow(r: AlertRuleView, edit: ServerAction<EditAlertRule>) -> impl IntoView {
    let unit = r.kind.threshold_unit();
    let state_class = match r.state {
        AlertState::Firing => "badge bad",
        AlertState::Pending => "badge pending",
        AlertState::Ok => "badge ok",
    };
    let watches = match (&r.cluster, &r.grant_id, &r.link_id) {
        (_, _, Some(link)) => format!("{} · link {link}", r.event),
        (_, Some(grant), _) => format!("{} · grant {grant}", r.event),
        (Some(cluster), ..) => format!("{} on {cluster}", r.event),
        _ => r.event.clone(),
    };
    let condition = if r.editable {
        view! { <RuleForm r=r.clone() edit/> }.into_any()
    } else {
        view! { <span>{condition_text(&r)}</span> }.into_any()
    };
    view! {
        <tr data-testid="rule" data-rule=r.id.clone() data-kind=r.kind.as_str() data-state=r.state.as_str()
            data-enabled=r.enabled.to_string() data-editable=r.editable.to_string()>
            <td>{kind_label(r.kind)}</td>
            <td><a class="mono" href=r.link.clone()>{watches}</a></td>
            <td class="mono">{r.team.clone()}</td>
            <td>
                <span class=state_class>{r.state.as_str()}</span>
                {r.since.clone().map(|at| view! { <div class="muted">"since "<TimeAgo at/></div> })}
            </td>
            <td class="num">{r.last_value.map(|v| format!("{} {unit}", number(v))).unwrap_or_else(|| "—".into())}</td>
            <td>{condition}</td>
        </tr>
    }
}

/// `above 1,000 records for 10 min`, as read-only text.
fn condition_text(r: &AlertRuleView) -> String {
    let unit = r.kind.threshold_unit();
    let what = match r.kind {
        AlertKind::LinkError => "any error".to_string(),
        AlertKind::NoTraffic => format!("no records for {} {unit}", number(r.threshold)),
        AlertKind::RateDrop => format!("{} % below usual", number(r.threshold)),
        _ => format!("above {} {unit}", number(r.threshold)),
    };
    let enabled = if r.enabled { "" } else { " (disabled)" };
    format!("{what} for {} min{enabled}", r.for_minutes)
}

#[component]
fn RuleForm(r: AlertRuleView, edit: ServerAction<EditAlertRule>) -> impl IntoView {
    let unit = r.kind.threshold_unit();
    // A link error has no threshold: the value is sent back unchanged.
    let threshold = if r.kind == AlertKind::LinkError {
        view! { <input type="hidden" name="threshold" value=r.threshold.to_string()/> }.into_any()
    } else {
        view! {
            <label>"Threshold "
                <input type="number" name="threshold" step="any" min="0" required=true class="narrow"
                    data-testid="rule-threshold" value=r.threshold.to_string()/>
                " " {unit}
            </label>
        }
        .into_any()
    };
    view! {
        <ActionForm action=edit attr:class="inline-form rule-form" attr:data-testid="rule-form">
            <input type="hidden" name="id" value=r.id.clone()/>
            {threshold}
            <label>"for "
                <input type="number" name="for_minutes" min="0" step="1" required=true class="narrow"
                    data-testid="rule-for" value=r.for_minutes.to_string()/>
                " min"
            </label>
            <label class="check">
                <input type="checkbox" name="enabled" value="on" data-testid="rule-enabled" checked=r.enabled/>
                " enabled"
            </label>
            <button class="button" type="submit" data-testid="rule-save">"Save"</button>
        </ActionForm>
    }
}
