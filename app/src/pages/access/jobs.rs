//! Admin: provisioning jobs queued by approvals and revocations, with their
//! attempts, outcome, last error and next attempt; admins retry or cancel them.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::steps::clock;
use super::widgets::action_error;
use crate::access::{JobState, JobView};

use crate::components::errors::{ErrorTemplate, Loading};
use crate::mesh_api::{provisioning_jobs, JobAction};
use crate::pages::audit::when;

#[component]
pub fn JobsPanel() -> impl IntoView {
    let act = ServerAction::<JobAction>::new();
    let jobs = Resource::new(move || act.version().get(), |_| provisioning_jobs());
    view! {
        <section class="panel" data-testid="jobs">
            <h2>"Provisioning jobs"</h2>
            <p class="muted">
                "Written with each final approval, revocation and expiry. The worker runs every kind: "
                "topics, schemas, ACLs and mirror links. A failed attempt is retried later with a growing "
                "delay; after the last attempt the job stays failed until an admin retries or cancels it."
            </p>
            {action_error(move || act.value().get())}
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        let list = jobs.await?;
                        let rows = list.into_iter().map(|j| view! { <JobRow j act/> }).collect_view();
                        Ok::<_, crate::error::AppError>(view! {
                            <div class="table-wrap"><table class="table">
                                <thead><tr><th>"Job (queued)"</th><th>"Kind"</th><th>"Cluster"</th><th>"State"</th>
                                    <th>"Actions"</th><th>"Attempts"</th><th>"Next attempt"</th><th>"Outcome"</th>
                                    <th>"Last error"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table></div>
                        })
                    })}
                </Transition>
            </ErrorBoundary>
        </section>
    }
}

#[component]
fn JobRow(j: JobView, act: ServerAction<JobAction>) -> impl IntoView {
    let state = j.state;
    let (id, id2) = (j.id.clone(), j.id.clone());
    let retry = matches!(
        state,
        JobState::Failed | JobState::Cancelled | JobState::Queued
    )
    .then(|| {
        view! {
            <ActionForm action=act attr:class="inline">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="action" value="retry"/>
                <button class="button" type="submit" data-testid="job-retry">"Retry"</button>
            </ActionForm>
        }
    });
    let cancel = matches!(state, JobState::Queued | JobState::Failed).then(|| {
        view! {
            <ActionForm action=act attr:class="inline">
                <input type="hidden" name="id" value=id2/>
                <input type="hidden" name="action" value="cancel"/>
                <button class="button" type="submit" data-testid="job-cancel">"Cancel"</button>
            </ActionForm>
        }
    });
    let next = j
        .next_attempt_at
        .as_deref()
        .filter(|_| state == JobState::Queued)
        .map(|at| format!("{} UTC", clock(at)))
        .unwrap_or_default();
    view! {
        <tr data-testid="job-row" data-job=j.id.clone() data-state=state.as_str()>
            <td class="mono">{j.id.clone()}<div class="muted nowrap">{when(&j.created_at)}</div></td>
            <td>{j.kind.as_str()}</td>
            <td class="mono">{j.cluster.clone()}</td>
            <td>{state.as_str()}</td>
            <td><div class="job-actions">{retry}{cancel}</div></td>
            <td>{j.attempts}</td>
            <td class="mono nowrap">{next}</td>
            <td>{j.outcome.clone().unwrap_or_default()}</td>
            <td class="error-text">{j.last_error.clone().unwrap_or_default()}</td>
        </tr>
    }
}
