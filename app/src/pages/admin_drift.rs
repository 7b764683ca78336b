//! Admin: `/admin/drift`, what the last reconciliation pass found on each
//! cluster (missing topics or ACLs, stopped links, unreachable clusters) and
//! whether it repaired it; "Reconcile now" runs a pass and shows its findings.
//! A broker without an authorizer is a fact about the cluster, not drift.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::errors::{ErrorTemplate, Loading};
use crate::mesh::DriftFinding;
use crate::mesh_api::{drift_report, ReconcileNow};
use crate::pages::audit::when;

#[component]
pub fn DriftPage() -> impl IntoView {
    let reconcile = ServerAction::<ReconcileNow>::new();
    let report = Resource::new(move || reconcile.version().get(), |_| drift_report());
    view! {
        <Title text="Drift"/>
        <div class="page-head">
            <div>
                <h1>"Drift"</h1>
                <div class="muted"><a href="/admin">"← Admin"</a></div>
            </div>
            <button
                class="button primary"
                type="button"
                data-testid="reconcile-now"
                disabled=move || reconcile.pending().get()
                on:click=move |_| {
                    reconcile.dispatch(ReconcileNow {});
                }
            >
                {move || if reconcile.pending().get() { "Reconciling…" } else { "Reconcile now" }}
            </button>
        </div>
        <p class="muted">
            "The worker compares what Switchboard granted and linked with what the clusters hold, "
            "repairs what it can and lists the rest here."
        </p>
        {move || reconcile.value().get().map(|result| match result {
            Ok(_) => view! { <p class="notice" data-testid="reconciled">"Reconciled just now."</p> }.into_any(),
            Err(e) => view! { <p class="error-panel" role="alert">{e.message}</p> }.into_any(),
        })}
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let list = report.await?;
                    // Right after a pass, its own findings.
                    let list = match reconcile.value().get_untracked() {
                        Some(Ok(found)) => found,
                        _ => list,
                    };
                    Ok::<_, crate::error::AppError>(view! { <Findings list/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn Findings(list: Vec<DriftFinding>) -> impl IntoView {
    let drift = list.iter().filter(|f| f.is_drift()).count();
    let mut by_cluster: BTreeMap<String, Vec<DriftFinding>> = BTreeMap::new();
    for f in list {
        by_cluster.entry(f.cluster.clone()).or_default().push(f);
    }
    let clusters = by_cluster
        .into_iter()
        .map(|(cluster, findings)| view! { <ClusterFindings cluster findings/> })
        .collect_view();
    view! {
        {(drift == 0).then(|| view! {
            <p class="empty" data-testid="no-drift">"No drift found in the last pass."</p>
        })}
        {clusters}
    }
}

const NO_AUTHORIZER: &str = "no authorizer: ACLs not enforced";

/// What a `no_authorizer` finding says beyond the notice itself.
fn more(detail: &str) -> Option<String> {
    let rest = detail
        .strip_prefix(NO_AUTHORIZER)
        .unwrap_or(detail)
        .trim_start_matches([';', ':', ' ']);
    (!rest.is_empty()).then(|| rest.to_string())
}

#[component]
fn ClusterFindings(cluster: String, findings: Vec<DriftFinding>) -> impl IntoView {
    let (facts, drift): (Vec<_>, Vec<_>) = findings.into_iter().partition(|f| !f.is_drift());
    let notices = facts
        .into_iter()
        .map(|f| {
            view! {
                <p class="notice" data-testid="no-authorizer">
                    <strong>{NO_AUTHORIZER}</strong>
                    {more(&f.detail).map(|d| format!(" · {d}"))}
                    <span class="muted nowrap">{format!(" · {}", when(&f.found_at))}</span>
                </p>
            }
        })
        .collect_view();
    let table = (!drift.is_empty()).then(|| {
        let rows = drift
            .into_iter()
            .map(|f| {
                view! {
                    <tr data-testid="drift-finding" data-kind=f.kind.clone() data-repaired=f.repaired.to_string()>
                        <td>{f.kind.replace('_', " ")}</td>
                        <td class="mono">{f.subject}</td>
                        <td>{f.detail}</td>
                        <td class=if f.repaired { "ok-text" } else { "error-text" }>
                            {if f.repaired { "repaired" } else { "not repaired" }}
                        </td>
                        <td class="mono nowrap">{when(&f.found_at)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap"><table class="table">
                <thead><tr><th>"Kind"</th><th>"Subject"</th><th>"Detail"</th><th>"Repair"</th><th>"Found"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
        }
    });
    view! {
        <section class="panel" data-testid="drift-cluster" data-cluster=cluster.clone()>
            <h2 class="mono">{cluster.clone()}</h2>
            {notices}
            {table}
        </section>
    }
}
