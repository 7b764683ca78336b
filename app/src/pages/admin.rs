//! Admin: cluster configuration as Switchboard holds it (secrets by variable name only).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_clusters;
use crate::clusters::ClusterView;
use crate::components::errors::{ErrorTemplate, Loading};
use crate::pages::access::jobs::JobsPanel;
use crate::pages::discovery::DiscoveryPanel;
use crate::pages::taxonomy::{TagsPanel, TeamsPanel};

#[component]
pub fn AdminPage() -> impl IntoView {
    let clusters = Resource::new(|| (), |_| list_clusters());
    view! {
        <Title text="Admin"/>
        <h1>"Admin"</h1>
        <p><a href="/admin/audit" data-testid="audit-link">"Audit log"</a>" · who changed what, searchable, exportable as JSON lines."</p>
        <p><a href="/admin/monitoring" data-testid="monitoring-link">"Monitoring"</a>" · busiest events, lagging consumers, idle grants, silent events."</p>
        <p><a href="/admin/drift" data-testid="drift-link">"Drift"</a>" · what the last reconciliation found on the clusters and repaired; reconcile now."</p>
        <DiscoveryPanel/>
        <JobsPanel/>
        <TagsPanel/>
        <TeamsPanel/>
        <section class="panel">
            <h2>"Cluster configuration"</h2>
            <p class="muted">
                "Clusters are declared in the configuration file ("
                <code>"[[clusters]]"</code>
                ") and registered at start. Secrets are referenced by environment variable name and never stored."
            </p>
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
                <Suspense fallback=Loading>
                    {move || Suspend::new(async move {
                        clusters.await.map(|list| view! { <ConfigTable list/> })
                    })}
                </Suspense>
            </ErrorBoundary>
        </section>
    }
}

#[component]
fn ConfigTable(list: Vec<ClusterView>) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|c| {
            // Admins are signed in: the server sends every detail.
            let s = c.security.unwrap_or_default();
            view! {
                <tr data-testid="config-row">
                    <td class="mono">{c.id}</td>
                    <td class="mono">{c.bootstrap_servers.unwrap_or_default()}</td>
                    <td>{s.protocol}</td>
                    <td>{s.sasl_mechanism.unwrap_or_else(|| "—".into())}</td>
                    <td class="mono">{s.sasl_username.unwrap_or_else(|| "—".into())}</td>
                    <td class="mono">{s.sasl_password_env.map(|v| format!("${v}")).unwrap_or_else(|| "—".into())}</td>
                    <td>{if c.in_mesh { "in mesh" } else { "excluded" }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>
                        <th>"Id"</th>
                        <th>"Bootstrap"</th>
                        <th>"Security"</th>
                        <th>"SASL"</th>
                        <th>"User"</th>
                        <th>"Password from"</th>
                        <th>"Mesh"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
