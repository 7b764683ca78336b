//! `/requests/:id`: one request with its approval steps, grant,
//! provisioning steps and connection settings, and what the caller may do
//! with it now. While the worker provisions it, the page follows along.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::connect::ConnectionPanel;
use super::steps::ProvisioningSteps;
use super::widgets::{action_error, kind_label, StateBadge};
use crate::access::{Decision, RequestState, RequestView};
use crate::access_api::{
    get_request, CancelRequest, DecideRequest, ReassignRequest, RevokeRequest,
};
use crate::components::errors::{ErrorTemplate, Loading, PageStatus};

#[component]
pub fn RequestPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.get().get("id").unwrap_or_default());
    let decide = ServerAction::<DecideRequest>::new();
    let cancel = ServerAction::<CancelRequest>::new();
    let revoke = ServerAction::<RevokeRequest>::new();
    let reassign = ServerAction::<ReassignRequest>::new();
    // Bumped when polling finds the request changed.
    let changed = RwSignal::new(0u32);
    let request = Resource::new(
        move || {
            (
                id.get(),
                decide.version().get(),
                cancel.version().get(),
                revoke.version().get(),
                reassign.version().get(),
                changed.get(),
            )
        },
        |(id, ..)| get_request(id),
    );
    follow_provisioning(request, changed);
    let status = PageStatus::current();
    view! {
        {action_error(move || decide.value().get())}
        {action_error(move || cancel.value().get())}
        {action_error(move || revoke.value().get())}
        {action_error(move || reassign.value().get())}
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || {
                    let status = status.clone();
                    Suspend::new(async move {
                        let found = request.await;
                        status.check(&found);
                        found.map(|r| view! { <RequestView r decide cancel revoke reassign/> })
                    })
                }}
            </Transition>
        </ErrorBoundary>
    }
}

/// Whether the worker may still change the request on its own.
fn provisioning(state: RequestState) -> bool {
    matches!(
        state,
        RequestState::Approved | RequestState::Provisioning | RequestState::Failed
    )
}

/// In the browser, every 2 seconds while the request is being provisioned:
/// read it again and, only when it changed, bump `changed` so the page shows
/// the new state (an unchanged request leaves the page, and what is typed in
/// it, alone).
fn follow_provisioning(
    request: Resource<Result<RequestView, crate::error::AppError>>,
    changed: RwSignal<u32>,
) {
    // The last version polling saw, to tell a change from a slow refetch.
    let seen = StoredValue::new(None::<RequestView>);
    let busy = StoredValue::new(false);
    Effect::new(move |_| {
        let poll = move || {
            let Some(Ok(shown)) = request.get_untracked() else {
                return;
            };
            if !provisioning(shown.state) || busy.get_value() {
                return;
            }
            busy.set_value(true);
            leptos::task::spawn_local(async move {
                if let Ok(latest) = get_request(shown.id.clone()).await {
                    let before = seen.get_value().unwrap_or(shown);
                    if latest != before {
                        seen.set_value(Some(latest));
                        changed.update(|n| *n += 1);
                    }
                }
                busy.set_value(false);
            });
        };
        if let Ok(handle) = set_interval_with_handle(poll, Duration::from_secs(2)) {
            on_cleanup(move || handle.clear());
        }
    });
}

#[component]
fn RequestView(
    r: RequestView,
    decide: ServerAction<DecideRequest>,
    cancel: ServerAction<CancelRequest>,
    revoke: ServerAction<RevokeRequest>,
    reassign: ServerAction<ReassignRequest>,
) -> impl IntoView {
    let steps = r
        .approvals
        .iter()
        .map(|s| {
            let decision = s.decision.clone().unwrap_or_else(|| "pending".into());
            let marker = decision.clone();
            view! {
                <tr data-testid="approval-step" data-role=s.role.clone() data-decision=marker>
                    <td>{s.role.replace('_', " ")}</td>
                    <td class="mono">{s.team.clone()}</td>
                    <td>{decision}</td>
                    <td>{s.decided_by.clone().unwrap_or_default()}</td>
                    <td>{s.comment.clone().unwrap_or_default()}</td>
                    <td class="mono">{s.at.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let grant = r.grant.clone().map(|g| {
        view! {
            <section class="panel" data-testid="grant">
                <h2>"Grant"</h2>
                <dl>
                    <dt>"Application"</dt><dd>{g.application}</dd>
                    <dt>"Cluster"</dt><dd class="mono">{g.cluster}</dd>
                    <dt>"Operations"</dt><dd class="mono">{g.operations.join(", ")}</dd>
                    <dt>"Expires"</dt><dd class="mono">{g.expires_at}</dd>
                    <dt>"State"</dt><dd>{g.state}</dd>
                </dl>
            </section>
        }
    });
    let active = r.state == RequestState::Active;
    let jobs = (!r.jobs.is_empty()).then(|| {
        view! {
            <section class="panel" data-testid="provisioning">
                <h2>"Provisioning"</h2>
                <ProvisioningSteps jobs=r.jobs.clone() topic=r.topic.clone() active/>
            </section>
        }
    });
    let connection = r
        .connection
        .clone()
        .filter(|_| active)
        .map(|c| view! { <ConnectionPanel c group_is_prefix=r.group_is_prefix/> });
    let id = r.id.clone();
    let decide_form = r.can_decide.then(|| {
        let comment = RwSignal::new(String::new());
        let id = id.clone();
        let send = move |approve: bool| {
            decide.dispatch(DecideRequest {
                decision: Decision {
                    request: id.clone(),
                    approve,
                    comment: comment.get_untracked(),
                },
            });
        };
        let approve = send.clone();
        view! {
            <section class="panel" data-testid="decide">
                <h2>"Your decision"</h2>
                <textarea rows="3" data-testid="decision-comment" placeholder="Comment (required)"
                    prop:value=comment on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                <div class="actions">
                    <button class="button primary" type="button" data-testid="approve" on:click=move |_| approve(true)>"Approve"</button>
                    <button class="button" type="button" data-testid="reject" on:click=move |_| send(false)>"Reject"</button>
                </div>
            </section>
        }
    });
    let cancel_button = r.can_cancel.then(|| {
        let id = id.clone();
        view! {
            <button class="button" type="button" data-testid="cancel"
                on:click=move |_| { cancel.dispatch(CancelRequest { id: id.clone() }); }>"Cancel request"</button>
        }
    });
    let revoke_form = r.can_revoke.then(|| {
        let reason = RwSignal::new(String::new());
        let id = id.clone();
        view! {
            <div class="inline-form">
                <input type="text" placeholder="Reason for revoking" data-testid="revoke-reason"
                    prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))/>
                <button class="button" type="button" data-testid="revoke"
                    on:click=move |_| { revoke.dispatch(RevokeRequest { id: id.clone(), reason: reason.get_untracked() }); }>"Revoke"</button>
            </div>
        }
    });
    let reassign_form = r.can_reassign.then(|| {
        let team = RwSignal::new(String::new());
        let id = id.clone();
        view! {
            <div class="inline-form">
                <input type="text" placeholder="Team id" data-testid="reassign-team"
                    prop:value=team on:input=move |ev| team.set(event_target_value(&ev))/>
                <button class="button" type="button" data-testid="reassign"
                    on:click=move |_| { reassign.dispatch(ReassignRequest { id: id.clone(), team: team.get_untracked() }); }>"Reassign owner step"</button>
            </div>
        }
    });
    view! {
        <Title text=format!("Request {}", r.id)/>
        <div class="page-head">
            <div>
                <h1>{format!("Request to {}", kind_label(r.kind))}</h1>
                <div class="muted mono" data-testid="request-id">{r.id.clone()}</div>
            </div>
            <StateBadge state=r.state/>
        </div>
        <section class="panel facts">
            <dl>
                <dt>"Event"</dt><dd><a class="mono" href=format!("/events/{}", r.event)>{r.event.clone()}</a></dd>
                <dt>"Cluster"</dt><dd class="mono">{r.cluster.clone()}</dd>
                <dt>"Topic"</dt><dd class="mono" data-testid="request-topic">{r.topic.clone()}</dd>
                <dt>"Requested by"</dt><dd>{r.requester.clone()}" for team "<span class="mono">{r.team.clone()}</span></dd>
                {r.application.clone().map(|a| view! { <dt>"Application"</dt><dd>{a}</dd> })}
                {r.group.clone().map(|g| view! {
                    <dt>"Consumer group"</dt>
                    <dd class="mono">{g}{if r.group_is_prefix { " (prefix)" } else { "" }}</dd>
                })}
                <dt>"Purpose"</dt><dd>{r.purpose.clone()}</dd>
                <dt>"Until"</dt><dd class="mono">{r.end_date.clone().unwrap_or_default()}</dd>
                <dt>"Submitted"</dt><dd class="mono">{r.created_at.clone()}</dd>
            </dl>
            <div class="actions">{cancel_button}{revoke_form}{reassign_form}</div>
        </section>
        <section class="panel">
            <h2>"Approvals"</h2>
            <div class="table-wrap"><table class="table">
                <thead><tr><th>"Step"</th><th>"Team"</th><th>"Decision"</th><th>"By"</th><th>"Comment"</th><th>"When"</th></tr></thead>
                <tbody>{steps}</tbody>
            </table></div>
        </section>
        {decide_form}
        {grant}
        {jobs}
        {connection}
        {(active && r.kind != crate::access::RequestKind::NewEvent).then(|| view! { <super::request_traffic::RequestTraffic id=r.id.clone()/> })}
    }
}
