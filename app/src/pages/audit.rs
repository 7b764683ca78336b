//! Admin: the audit log, searchable by actor, action, subject, dates and the
//! text of the values; newest first, paged; exported as JSON lines. The
//! filter form is a plain GET form, so it works before and without hydration.
//! The server allows admins only.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::components::errors::{ErrorTemplate, Loading};
use crate::notify::{AuditEntry, AuditFilter, AuditPage as Page};
use crate::notify_api::search_audit;

fn filter_from(map: &ParamsMap) -> AuditFilter {
    let get = |k: &str| map.get(k).filter(|v| !v.trim().is_empty());
    AuditFilter {
        actor: get("actor"),
        action: get("action"),
        subject: get("subject"),
        from: get("from"),
        to: get("to"),
        q: get("q"),
        before: get("before").and_then(|b| b.parse().ok()),
        limit: None,
    }
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from(&query.get()));
    let page = Resource::new(move || filter.get(), search_audit);
    let initial = filter.get_untracked();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let export = move || with_query("/api/v1/audit/export", &filter.with(|f| f.to_query()));
    view! {
        <Title text="Audit log"/>
        <div class="page-head">
            <h1>"Audit log"</h1>
            <a class="button" href=export rel="external" download="switchboard-audit.jsonl" data-testid="audit-export">
                "Export JSON lines"
            </a>
        </div>
        <p class="muted">
            "Every state change and admin action, append-only. Filters combine; the action matches by prefix (e.g. "
            <code>"request."</code>"), the subject and the text by substring."
        </p>
        <form class="audit-filters" method="get" action="/admin/audit" role="search" data-testid="audit-filters">
            <label>"Actor"<input type="text" name="actor" value=text(&initial.actor) placeholder="user id"/></label>
            <label>"Action"<input type="text" name="action" value=text(&initial.action) placeholder="e.g. event."/></label>
            <label>"Subject"<input type="text" name="subject" value=text(&initial.subject) placeholder="e.g. event:orders"/></label>
            <label>"From"<input type="date" name="from" value=text(&initial.from)/></label>
            <label>"To"<input type="date" name="to" value=text(&initial.to)/></label>
            <label>"Text in values"<input type="search" name="q" value=text(&initial.q) placeholder="before or after"/></label>
            <div class="audit-filter-actions">
                <button class="button" type="submit">"Filter"</button>
                <a href="/admin/audit" rel="external">"Clear"</a>
            </div>
        </form>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let f = filter.get();
                    page.await.map(|p| view! { <AuditTable page=p filter=f/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn AuditTable(page: Page, filter: AuditFilter) -> impl IntoView {
    if page.entries.is_empty() {
        return view! { <p class="empty" data-testid="audit-empty">"No audit entries match."</p> }
            .into_any();
    }
    let query = filter.to_query();
    let newer = filter
        .before
        .is_some()
        .then(|| with_query("/admin/audit", &query));
    let older = page.next_before.map(|b| {
        let q = if query.is_empty() {
            format!("before={b}")
        } else {
            format!("{query}&before={b}")
        };
        format!("/admin/audit?{q}")
    });
    let rows = page
        .entries
        .into_iter()
        .map(|e| view! { <AuditRow e/> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table audit-table">
                <thead>
                    <tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Subject"</th><th>"Before → after"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Audit pages">
            {newer.map(|href| view! { <a href=href data-testid="audit-newest">"← Newest"</a> })}
            {older.map(|href| view! { <a href=href data-testid="audit-older">"Older →"</a> })}
        </nav>
    }
    .into_any()
}

/// `2025-03-01 12:00:05` from RFC 3339 UTC text.
pub fn when(at: &str) -> String {
    at.get(..19).unwrap_or(at).replace('T', " ")
}

fn pretty(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref()
        .map(|v| serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()))
}

#[component]
fn AuditRow(e: AuditEntry) -> impl IntoView {
    let before = pretty(&e.before);
    let after = pretty(&e.after);
    let changes = if before.is_none() && after.is_none() {
        view! { <span class="muted">"—"</span> }.into_any()
    } else {
        view! {
            <details class="audit-values">
                <summary>"show"</summary>
                <div class="audit-diff">
                    <div>
                        <div class="muted">"before"</div>
                        <pre class="code">{before.unwrap_or_else(|| "—".into())}</pre>
                    </div>
                    <div>
                        <div class="muted">"after"</div>
                        <pre class="code">{after.unwrap_or_else(|| "—".into())}</pre>
                    </div>
                </div>
            </details>
        }
        .into_any()
    };
    let action = e.action.clone();
    view! {
        <tr data-testid="audit-row" data-action=action data-id=e.id.to_string()>
            <td class="mono nowrap"><time datetime=e.at.clone()>{when(&e.at)}</time></td>
            <td class="mono">{e.actor}</td>
            <td class="mono">{e.action}</td>
            <td class="mono">{e.subject}</td>
            <td>{changes}</td>
        </tr>
    }
}
