//! `/approvals`: everything the caller can decide now, with filters and
//! bulk approval (each item decided on its own by the server).

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;

use super::widgets::{action_error, kind_label, StateBadge};
use crate::access::{Decision, InboxFilter, RequestKind};
use crate::access_api::{approval_inbox, DecideMany};
use crate::components::errors::{ErrorTemplate, Loading};

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let kind = RwSignal::new(String::new());
    let event = RwSignal::new(String::new());
    let bulk = ServerAction::<DecideMany>::new();
    let inbox = Resource::new(
        move || (kind.get(), event.get(), bulk.version().get()),
        |(kind, event, _)| {
            approval_inbox(InboxFilter {
                kind: match kind.as_str() {
                    "consume" => Some(RequestKind::Consume),
                    "produce" => Some(RequestKind::Produce),
                    "new_event" => Some(RequestKind::NewEvent),
                    _ => None,
                },
                event: Some(event).filter(|e| !e.is_empty()),
                team: None,
            })
        },
    );
    let chosen = RwSignal::new(BTreeSet::<String>::new());
    let comment = RwSignal::new(String::new());
    let approve_chosen = move |_| {
        let decisions = chosen
            .get_untracked()
            .into_iter()
            .map(|request| Decision {
                request,
                approve: true,
                comment: comment.get_untracked(),
            })
            .collect();
        chosen.set(BTreeSet::new());
        bulk.dispatch(DecideMany { decisions });
    };
    let outcomes = move || {
        bulk.value().get().and_then(Result::ok).map(|list| {
            let failed = list
                .into_iter()
                .filter(|o| !o.ok)
                .map(|o| view! { <li>{format!("{}: {}", o.request, o.message.unwrap_or_default())}</li> })
                .collect_view();
            view! { <ul class="error-text" data-testid="bulk-failures">{failed}</ul> }
        })
    };
    view! {
        <Title text="Approvals"/>
        <h1>"Approvals"</h1>
        <form class="filters inline-form" on:submit=|ev| ev.prevent_default()>
            <label>"Kind "
                <select data-testid="filter-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">"all"</option>
                    <option value="consume">"consume"</option>
                    <option value="produce">"produce"</option>
                    <option value="new_event">"new event"</option>
                </select>
            </label>
            <label>"Event "
                <input type="search" data-testid="filter-event" prop:value=event
                    on:change=move |ev| event.set(event_target_value(&ev))/>
            </label>
        </form>
        {action_error(move || bulk.value().get())}
        {outcomes}
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let list = inbox.await?;
                    if list.is_empty() {
                        return Ok::<_, crate::error::AppError>(
                            view! { <p class="panel empty" data-testid="inbox-empty">"Nothing waits for your decision."</p> }.into_any(),
                        );
                    }
                    let rows = list
                        .into_iter()
                        .map(|r| {
                            let id = r.id.clone();
                            let pending: Vec<String> = r
                                .approvals
                                .iter()
                                .filter(|s| s.decision.is_none())
                                .map(|s| s.role.replace('_', " "))
                                .collect();
                            view! {
                                <tr data-testid="inbox-row" data-request=r.id.clone() data-event=r.event.clone()>
                                    <td><input type="checkbox" data-testid="choose"
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| { if on { c.insert(id.clone()); } else { c.remove(&id); } });
                                        }/></td>
                                    <td><a class="mono" href=format!("/requests/{}", r.id)>{r.id.clone()}</a></td>
                                    <td>{kind_label(r.kind)}</td>
                                    <td class="mono">{r.event.clone()}</td>
                                    <td class="mono">{r.cluster.clone()}</td>
                                    <td>{r.requester.clone()}</td>
                                    <td>{pending.join(", ")}</td>
                                    <td><StateBadge state=r.state/></td>
                                </tr>
                            }
                        })
                        .collect_view();
                    Ok(view! {
                        <div class="table-wrap"><table class="table">
                            <thead><tr><th></th><th>"Request"</th><th>"Kind"</th><th>"Event"</th><th>"Cluster"</th>
                                <th>"Requester"</th><th>"Waiting for"</th><th>"State"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table></div>
                        <div class="inline-form">
                            <input type="text" placeholder="Comment for the chosen requests (required)" data-testid="bulk-comment"
                                prop:value=comment on:input=move |ev| comment.set(event_target_value(&ev))/>
                            <button class="button primary" type="button" data-testid="bulk-approve"
                                disabled=move || chosen.with(|c| c.is_empty())
                                on:click=approve_chosen>"Approve chosen"</button>
                        </div>
                    }.into_any())
                })}
            </Transition>
        </ErrorBoundary>
    }
}
