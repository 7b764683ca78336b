//! A request's provisioning jobs as steps in plain words: what each does,
//! whether it waits, works, is done, failed or was cancelled, how many
//! attempts it took, what it found, and why it waits when it failed.

use leptos::prelude::*;

use crate::access::{JobKind, JobState, JobView};

/// What a job does, in plain words. `topic` is the request's topic; `home`
/// the event's home cluster when known.
pub fn step_label(job: &JobView, topic: &str, home: Option<&str>) -> String {
    let cluster = &job.cluster;
    match job.kind {
        JobKind::CreateTopic => format!("Create topic {topic} on {cluster}"),
        JobKind::RegisterSchema => "Register the value schema".to_string(),
        JobKind::CreateAcls => format!("Grant ACLs on {cluster}"),
        JobKind::CreateMirrorLink => match home {
            Some(home) => format!("Start the mirror link from {home} to {cluster}"),
            None => format!("Start the mirror link from the home cluster to {cluster}"),
        },
        JobKind::DeleteAcls => format!("Remove ACLs on {cluster}"),
        JobKind::StopMirrorLink => format!("Stop the mirror link to {cluster}"),
    }
}

/// The word shown for a job's state.
pub fn state_word(state: JobState) -> &'static str {
    match state {
        JobState::Queued => "waiting",
        JobState::Running => "working",
        JobState::Done => "done",
        JobState::Failed => "failed",
        JobState::Cancelled => "cancelled",
    }
}

fn state_icon(state: JobState) -> &'static str {
    match state {
        JobState::Queued => "○",
        JobState::Running => "◐",
        JobState::Done => "✓",
        JobState::Failed => "✗",
        JobState::Cancelled => "–",
    }
}

/// A job's last error in plain words: a cluster that did not answer is
/// something to wait for, not a fault of the request.
pub fn plain_error(error: &str, cluster: &str) -> String {
    if error.contains("no broker answered") {
        format!("waiting for cluster {cluster} (no broker answered)")
    } else {
        error.to_string()
    }
}

/// `HH:MM:SS` of an RFC 3339 time (as written, UTC), or the text itself.
pub fn clock(at: &str) -> String {
    at.split_once('T')
        .map(|(_, time)| time.chars().take(8).collect())
        .unwrap_or_else(|| at.to_string())
}

/// The source cluster a started mirror link names in its outcome
/// (`link 7: aws/orders → gcp/aws.orders (builtin)`).
fn home_from_outcome(outcome: &str) -> Option<String> {
    let rest = outcome.strip_prefix("link ")?.split_once(": ")?.1;
    let (cluster, _) = rest.split_once('/')?;
    (!cluster.is_empty() && !cluster.contains(' ')).then(|| cluster.to_string())
}

/// The steps of a request: one line per job, then "Done" once the request is
/// active.
#[component]
pub fn ProvisioningSteps(
    jobs: Vec<JobView>,
    /// The topic the request covers.
    #[prop(into)]
    topic: String,
    /// Whether the request is active (all its steps went through).
    active: bool,
) -> impl IntoView {
    let home = jobs
        .iter()
        .filter(|j| j.kind == JobKind::CreateMirrorLink)
        .find_map(|j| j.outcome.as_deref().and_then(home_from_outcome));
    let lines = jobs
        .iter()
        .map(|j| {
            let label = step_label(j, &topic, home.as_deref());
            let state = j.state;
            let attempts = (j.attempts > 0).then(|| {
                let s = if j.attempts == 1 { "" } else { "s" };
                view! { <span class="muted step-attempts">{format!("{} attempt{s}", j.attempts)}</span> }
            });
            let outcome = j
                .outcome
                .clone()
                .filter(|_| j.state == JobState::Done)
                .map(|o| view! { <div class="muted step-outcome" data-testid="step-outcome">{o}</div> });
            let waiting_again = j.state == JobState::Queued && j.last_error.is_some();
            let error = j.last_error.as_deref().filter(|_| j.state != JobState::Done).map(|e| {
                let class = if waiting_again { "step-error muted" } else { "step-error error-text" };
                view! { <div class=class data-testid="step-error">{plain_error(e, &j.cluster)}</div> }
            });
            let next = j.next_attempt_at.as_deref().filter(|_| waiting_again).map(|at| {
                let text = format!("next attempt at {} UTC", clock(at));
                view! { <div class="step-next muted" data-testid="step-next">{text}</div> }
            });
            view! {
                <li class=format!("step step-{state}") data-testid="step" data-state=state.as_str() data-kind=j.kind.as_str()>
                    <span class="step-state" title=state_word(state)>
                        <span aria-hidden="true">{state_icon(state)}</span>" "{state_word(state)}
                    </span>
                    <span class="step-label">{label}</span>
                    {attempts}
                    {outcome}
                    {error}
                    {next}
                </li>
            }
        })
        .collect_view();
    let done = active.then(|| {
        view! {
            <li class="step step-done" data-testid="step" data-state="done" data-kind="done">
                <span class="step-state"><span aria-hidden="true">"✓"</span>" done"</span>
                <span class="step-label">"Done"</span>
            </li>
        }
    });
    view! { <ol class="steps" data-testid="steps">{lines}{done}</ol> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(kind: JobKind, state: JobState) -> JobView {
        JobView {
            id: "1".into(),
            kind,
            cluster: "gcp".into(),
            state,
            attempts: 0,
            last_error: None,
            outcome: None,
            next_attempt_at: None,
            created_at: "2025-03-01T12:00:00Z".into(),
        }
    }

    #[test]
    fn labels_in_plain_words() {
        let t = "aws.orders";
        assert_eq!(
            step_label(&job(JobKind::CreateTopic, JobState::Done), t, None),
            "Create topic aws.orders on gcp"
        );
        assert_eq!(
            step_label(&job(JobKind::CreateAcls, JobState::Done), t, None),
            "Grant ACLs on gcp"
        );
        assert_eq!(
            step_label(
                &job(JobKind::CreateMirrorLink, JobState::Queued),
                t,
                Some("aws")
            ),
            "Start the mirror link from aws to gcp"
        );
    }

    #[test]
    fn errors_and_times() {
        assert_eq!(
            plain_error(
                "cannot create ACLs on cluster `gcp`: no broker answered at x:1 within 5000 ms",
                "gcp"
            ),
            "waiting for cluster gcp (no broker answered)"
        );
        assert_eq!(plain_error("boom", "gcp"), "boom");
        assert_eq!(clock("2025-03-01T12:34:56.123Z"), "12:34:56");
        assert_eq!(state_word(JobState::Queued), "waiting");
        assert_eq!(state_word(JobState::Running), "working");
    }

    #[test]
    fn home_from_link_outcome() {
        assert_eq!(
            home_from_outcome("link 7: aws/orders → gcp/aws.orders (builtin)").as_deref(),
            Some("aws")
        );
        assert_eq!(home_from_outcome("no authorizer"), None);
    }
}
