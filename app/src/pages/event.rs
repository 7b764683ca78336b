//! One event: what it carries, who owns it, where it can be consumed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{get_event, UpdateEvent};
use crate::catalogue::{EventDetail, FieldView, LiveTopic};
use crate::components::errors::{ErrorTemplate, Loading, PageStatus};
use crate::components::tags::TagChips;
use crate::mesh_api::list_links;
use crate::pages::event_edit::EventEditor;
use crate::pages::event_schema::SchemaPanel;
use crate::schemas_api::ProposeSchema;

#[component]
pub fn EventPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.get().get("name").unwrap_or_default());
    let save = ServerAction::<UpdateEvent>::new();
    // A registered schema version changes the fields shown.
    let propose = ServerAction::<ProposeSchema>::new();
    let event = Resource::new(
        move || (name.get(), save.version().get(), propose.version().get()),
        |(n, _, _)| get_event(n),
    );
    let status = PageStatus::current();
    view! {
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || {
                    let status = status.clone();
                    Suspend::new(async move {
                        let found = event.await;
                        status.check(&found);
                        found.map(|e| view! { <EventView e save propose/> })
                    })
                }}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn EventView(
    e: EventDetail,
    save: ServerAction<UpdateEvent>,
    propose: ServerAction<ProposeSchema>,
) -> impl IntoView {
    let (editing, set_editing) = signal(false);
    let editor = e.can_edit.then(|| {
        let e = e.clone();
        view! {
            <button class="button" type="button" data-testid="edit" on:click=move |_| set_editing.update(|v| *v = !*v)>
                {move || if editing.get() { "Close editor" } else { "Edit" }}
            </button>
            <Show when=move || editing.get()>
                <EventEditor e=e.clone() save/>
            </Show>
        }
    });
    let volumetrics = match (e.messages_per_second, e.avg_size_bytes) {
        (Some(m), Some(s)) => format!("about {m} messages/s, typically {s} bytes"),
        _ => "not stated".to_string(),
    };
    let availability = e
        .availability
        .iter()
        .map(|a| {
            view! {
                <tr data-testid="availability">
                    <td class="mono">{a.cluster.clone()}</td>
                    <td class="mono">{a.topic.clone()}</td>
                    <td>{if a.kind == "master" { "home (master topic)" } else { "mirror" }}</td>
                </tr>
            }
        })
        .collect_view();
    let history = e
        .history
        .iter()
        .map(|h| view! { <li><span class="mono">{h.at.clone()}</span>" · "{h.action.clone()}" by "{h.actor.clone()}</li> })
        .collect_view();
    let contacts = e
        .contacts
        .iter()
        .map(|c| view! { <li><a href=format!("mailto:{c}")>{c.clone()}</a></li> })
        .collect_view();
    view! {
        <Title text=e.title.clone()/>
        <div class="page-head">
            <div>
                <h1 data-testid="event-title">{e.title.clone()}</h1>
                <div class="muted mono">{e.name.clone()}</div>
            </div>
            <span class=format!("badge lifecycle-{}", e.lifecycle)>{e.lifecycle.clone()}</span>
        </div>
        <TagChips tags=e.tags.clone()/>
        <a class="button primary" data-testid="request-access" href=format!("/events/{}/request", e.name)>"Request access"</a>
        <a class="button" data-testid="asyncapi-link" href=format!("/api/v1/events/{}/asyncapi.yaml", e.name)
            download=format!("{}.asyncapi.yaml", e.name)
            title="AsyncAPI 3.0 document of this event (YAML)">"AsyncAPI"</a>
        {editor}
        <div class="event-grid">
            <section class="panel description">
                <h2>"What it is"</h2>
                <div class="markdown" inner_html=e.description_html.clone()></div>
            </section>
            <section class="panel facts">
                <h2>"Facts"</h2>
                <dl>
                    <dt>"Owner"</dt>
                    <dd data-testid="owner">{e.team_name.clone()}</dd>
                    <dt>"Domain"</dt>
                    <dd>{e.domain.clone()}</dd>
                    <dt>"Home cluster"</dt>
                    <dd class="mono">{e.home_cluster.clone()}</dd>
                    <dt>"Topic"</dt>
                    <dd class="mono">{e.topic.clone()}</dd>
                    <LiveTopicFacts live=e.live_topic.clone()/>
                    <dt>"Volume (stated by owners)"</dt>
                    <dd>{volumetrics}</dd>
                    <dt>"Updated"</dt>
                    <dd class="mono">{e.updated_at.clone()}</dd>
                </dl>
                <h3>"Contacts"</h3>
                <ul class="plain">{contacts}</ul>
            </section>
        </div>
        <section class="panel">
            <h2>"Where it can be consumed"</h2>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th>"Cluster"</th><th>"Topic"</th><th>"Kind"</th></tr></thead>
                    <tbody>{availability}</tbody>
                </table>
            </div>
        </section>
        <crate::pages::event_traffic::TrafficSection event=e.name.clone()/>
        <MirrorsPanel event=e.name.clone()/>
        <section class="panel">
            <h2>"Value schema"</h2>
            <FieldTable fields=e.value_fields.clone()/>
            {e.value_schema.clone().map(|s| view! {
                <details><summary>"Avro schema (JSON)"</summary><pre class="code">{s}</pre></details>
            })}
        </section>
        {(!e.key_fields.is_empty() || e.key_schema.is_some()).then(|| view! {
            <section class="panel">
                <h2>"Key schema"</h2>
                <FieldTable fields=e.key_fields.clone()/>
                {e.key_schema.clone().map(|s| view! { <pre class="code">{s}</pre> })}
            </section>
        })}
        <SchemaPanel event=e.name.clone() propose/>
        {e.sample_json.clone().map(|s| view! {
            <section class="panel">
                <h2>"Sample message"</h2>
                <pre class="code" data-testid="sample">{s}</pre>
            </section>
        })}
        <section class="panel">
            <h2>"Recent changes"</h2>
            <ul class="plain">{history}</ul>
        </section>
    }
}

/// Where the event is mirrored: its running or stopped mesh links.
#[component]
fn MirrorsPanel(event: String) -> impl IntoView {
    let links = Resource::new(
        move || event.clone(),
        |event| list_links(event, String::new()),
    );
    view! {
        <section class="panel" data-testid="mirrors">
            <h2>"Mirrors"</h2>
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
                <Suspense fallback=Loading>
                    {move || Suspend::new(async move {
                        let list = links.await?;
                        if list.is_empty() {
                            return Ok::<_, crate::error::AppError>(
                                view! { <p class="empty" data-testid="no-mirrors">"Not mirrored anywhere yet."</p> }.into_any(),
                            );
                        }
                        let rows = list
                            .into_iter()
                            .map(|l| view! {
                                <tr data-testid="mirror-row" data-cluster=l.target_cluster.clone() data-state=l.state.as_str()>
                                    <td class="mono">{l.target_cluster.clone()}</td>
                                    <td class="mono">{l.target_topic.clone()}</td>
                                    <td>{l.state.as_str()}</td>
                                    <td class="num">{l.lag.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            })
                            .collect_view();
                        Ok(view! {
                            <div class="table-wrap">
                                <table class="table">
                                    <thead><tr><th>"Cluster"</th><th>"Mirror topic"</th><th>"State"</th><th class="num">"Lag"</th></tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                        }.into_any())
                    })}
                </Suspense>
            </ErrorBoundary>
        </section>
    }
}

#[component]
fn FieldTable(fields: Vec<FieldView>) -> impl IntoView {
    if fields.is_empty() {
        return view! { <p class="muted">"No fields (a primitive schema)."</p> }.into_any();
    }
    let rows = fields
        .into_iter()
        .map(|f| {
            view! {
                <tr data-testid="field" data-path=f.path.clone()>
                    <td class="mono" style=format!("padding-left: {}rem", 0.75 + f.depth as f32 * 1.25)>
                        {f.name}
                        {f.pii.then(|| view! { <span class="chip pii" data-testid="pii-flag">"PII"</span> })}
                    </td>
                    <td class="mono">{f.type_label}</td>
                    <td>{f.doc.unwrap_or_default()}</td>
                    <td class="mono">{f.default.unwrap_or_default()}</td>
                    <td>{f.tags.join(", ")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table fields">
                <thead>
                    <tr><th>"Field"</th><th>"Type"</th><th>"Description"</th><th>"Default"</th><th>"Tags"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Partitions, replication and retention as the home cluster last reported them.
#[component]
fn LiveTopicFacts(live: LiveTopic) -> impl IntoView {
    match live {
        LiveTopic::Found { partitions, replication, retention_ms, cleanup_policy, stale } => view! {
            <dt>"Partitions"</dt>
            <dd data-testid="partitions">{partitions}</dd>
            <dt>"Replication"</dt>
            <dd>{replication}</dd>
            <dt>"Retention"</dt>
            <dd>{retention_ms.map(|r| format!("{r} ms")).unwrap_or_else(|| "not reported by the cluster".into())}</dd>
            <dt>"Cleanup"</dt>
            <dd>{cleanup_policy.unwrap_or_else(|| "not reported by the cluster".into())}</dd>
            {stale.map(|s| view! {
                <dt>"As of"</dt>
                <dd data-testid="facts-stale" class="error-text" title=s.read_at.clone()>
                    {format!(
                        "{} UTC: the cluster does not answer now ({})",
                        s.read_at.get(..16).unwrap_or(&s.read_at).replace('T', " "),
                        s.error,
                    )}
                </dd>
            })}
        }
        .into_any(),
        LiveTopic::Missing => view! {
            <dt>"Topic"</dt>
            <dd class="error-text">"not found on the home cluster"</dd>
        }
        .into_any(),
        LiveTopic::Unavailable { error } => view! {
            <dt>"Topic"</dt>
            <dd class="error-text">{format!("cannot read the cluster: {error}")}</dd>
        }
        .into_any(),
    }
}
