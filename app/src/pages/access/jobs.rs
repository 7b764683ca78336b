//! Admin: provisioning jobs queued by approvals and revocations, with their
//! attempts and last error.

use leptos::prelude::*;

use crate::access_api::provisioning_jobs;
use crate::components::errors::{ErrorTemplate, Loading};

#[component]
pub fn JobsPanel() -> impl IntoView {
    let jobs = Resource::new(|| (), |_| provisioning_jobs());
    view! {
        <section class="panel" data-testid="jobs">
            <h2>"Provisioning jobs"</h2>
            <p class="muted">"Written with each final approval, revocation and expiry. The worker runs topic and schema jobs; ACL and mirror-link jobs wait here until their part of the worker exists."</p>
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
                <Suspense fallback=Loading>
                    {move || Suspend::new(async move {
                        let list = jobs.await?;
                        let rows = list
                            .into_iter()
                            .map(|j| view! {
                                <tr data-testid="job-row">
                                    <td class="mono">{j.id}</td>
                                    <td>{j.kind}</td>
                                    <td class="mono">{j.cluster}</td>
                                    <td>{j.state}</td>
                                    <td>{j.attempts}</td>
                                    <td class="error-text">{j.last_error.unwrap_or_default()}</td>
                                    <td class="mono">{j.created_at}</td>
                                </tr>
                            })
                            .collect_view();
                        Ok::<_, crate::error::AppError>(view! {
                            <div class="table-wrap"><table class="table">
                                <thead><tr><th>"Job"</th><th>"Kind"</th><th>"Cluster"</th><th>"State"</th>
                                    <th>"Attempts"</th><th>"Last error"</th><th>"Queued"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table></div>
                        })
                    })}
                </Suspense>
            </ErrorBoundary>
        </section>
    }
}
