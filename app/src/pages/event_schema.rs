//! The schema panel of an event page: registry subjects with their version
//! history and per-cluster copies; owners propose a new version (pasted or
//! uploaded `.avsc`) and see the field diff and compatibility verdict before
//! registering; admins change the compatibility level. The server checks
//! every permission again.

use leptos::prelude::*;

use crate::components::errors::{ErrorTemplate, Loading};
use crate::schemas::{EventSchemas, SchemaCheck, SchemaProposal, SchemaRole, SubjectOverview};
use crate::schemas_api::{check_schema, get_event_schemas, ProposeSchema, SetSchemaLevel};

#[component]
pub fn SchemaPanel(event: String, propose: ServerAction<ProposeSchema>) -> impl IntoView {
    let set_level = ServerAction::<SetSchemaLevel>::new();
    let overview = Resource::new(
        move || {
            (
                event.clone(),
                propose.version().get(),
                set_level.version().get(),
            )
        },
        |(event, _, _)| get_event_schemas(event),
    );
    view! {
        <section class="panel" data-testid="schemas">
            <h2>"Schemas in the registry"</h2>
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        overview.await.map(|o| view! { <SchemaOverview o propose set_level/> })
                    })}
                </Transition>
            </ErrorBoundary>
        </section>
    }
}

#[component]
fn SchemaOverview(
    o: EventSchemas,
    propose: ServerAction<ProposeSchema>,
    set_level: ServerAction<SetSchemaLevel>,
) -> impl IntoView {
    let subjects = o
        .subjects
        .iter()
        .cloned()
        .map(|s| {
            let (event, levels, admin) = (o.event.clone(), o.levels.clone(), o.can_set_level);
            view! { <SubjectView s event levels admin set_level/> }
        })
        .collect_view();
    let proposer = o
        .can_propose
        .then(|| view! { <Proposer event=o.event.clone() propose/> });
    let level_error =
        move || {
            set_level.value().get().and_then(Result::err).map(
                |e| view! { <p class="error-text" data-testid="level-error">{e.to_string()}</p> },
            )
        };
    view! { {subjects} {level_error} {proposer} }
}

#[component]
fn SubjectView(
    s: SubjectOverview,
    event: String,
    levels: Vec<String>,
    admin: bool,
    set_level: ServerAction<SetSchemaLevel>,
) -> impl IntoView {
    let latest = s.versions.last().map(|v| v.version);
    let shown = RwSignal::new(latest);
    let versions = s.versions.clone();
    let options = s
        .versions
        .iter()
        .rev()
        .map(|v| view! { <option value=v.version.to_string()>{format!("version {} (id {})", v.version, v.id)}</option> })
        .collect_view();
    let text = move || {
        let wanted = shown.get();
        versions
            .iter()
            .find(|v| Some(v.version) == wanted)
            .map(|v| v.schema.clone())
            .unwrap_or_default()
    };
    let copies = s
        .clusters
        .iter()
        .map(|c| {
            let state = match (c.in_sync, &c.error) {
                (true, _) => "in sync".to_string(),
                (false, Some(e)) => format!("retrying: {e}"),
                (false, None) => "pending".to_string(),
            };
            view! {
                <tr data-testid="schema-copy" data-cluster=c.cluster.clone()>
                    <td class="mono">{c.cluster.clone()}</td>
                    <td class="mono">{c.registry_url.clone()}</td>
                    <td>{c.version.map(|v| v.to_string()).unwrap_or_else(|| "none".into())}</td>
                    <td class=if c.in_sync { "ok-text" } else { "error-text" }>{state}</td>
                </tr>
            }
        })
        .collect_view();
    let has_copies = !s.clusters.is_empty();
    let role = s.role;
    let level_form = admin.then(|| {
        let level = RwSignal::new(s.level.clone());
        let choices = levels
            .into_iter()
            .map(|l| view! { <option value=l.clone() selected=l == s.level>{l.clone()}</option> })
            .collect_view();
        view! {
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                set_level.dispatch(SetSchemaLevel { event: event.clone(), role, level: level.get_untracked() });
            }>
                <label>"Compatibility level "
                    <select data-testid="level-select" on:change=move |ev| level.set(event_target_value(&ev))>{choices}</select>
                </label>
                <button class="button" type="submit" data-testid="set-level">"Set level"</button>
            </form>
        }
    });
    view! {
        <div class="subject" data-testid="subject" data-subject=s.subject.clone()>
            <h3 class="mono">{s.subject.clone()}</h3>
            <p>
                "Compatibility: " <strong data-testid="level">{s.level.clone()}</strong>
                {if s.level_is_own { " (set on this subject)" } else { " (registry default)" }}
            </p>
            {level_form}
            {if s.versions.is_empty() {
                view! { <p class="muted">"No version registered yet."</p> }.into_any()
            } else {
                view! {
                    <label>"History "
                        <select data-testid="version-select" on:change=move |ev| shown.set(event_target_value(&ev).parse().ok())>
                            {options}
                        </select>
                    </label>
                    <pre class="code" data-testid="version-text">{text}</pre>
                }.into_any()
            }}
            {has_copies.then(|| view! {
                <h4>"Copies in cluster registries"</h4>
                <div class="table-wrap">
                    <table class="table">
                        <thead><tr><th>"Cluster"</th><th>"Registry"</th><th>"Version"</th><th>"State"</th></tr></thead>
                        <tbody>{copies}</tbody>
                    </table>
                </div>
            })}
        </div>
    }
}

#[component]
fn Proposer(event: String, propose: ServerAction<ProposeSchema>) -> impl IntoView {
    let role = RwSignal::new(SchemaRole::Value);
    let text = RwSignal::new(String::new());
    let verdict: RwSignal<Option<Result<SchemaCheck, String>>> = RwSignal::new(None);
    let proposal = {
        let event = event.clone();
        move || SchemaProposal {
            event: event.clone(),
            role: role.get_untracked(),
            schema: text.get_untracked(),
        }
    };
    let check = {
        let proposal = proposal.clone();
        move |_| {
            let proposal = proposal();
            leptos::task::spawn_local(async move {
                verdict.set(Some(
                    check_schema(proposal).await.map_err(|e| e.to_string()),
                ));
            });
        }
    };
    let register = move |_| {
        propose.dispatch(ProposeSchema {
            proposal: proposal(),
        });
    };
    let registered = move || {
        propose.value().get().map(|r| match r {
            Ok(r) => view! {
                <p class="ok-text" data-testid="registered">
                    {format!("Registered {} version {} (schema id {}).", r.subject, r.version, r.id)}
                </p>
            }
            .into_any(),
            Err(e) => view! { <p class="error-text" data-testid="register-error">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <details class="proposer" data-testid="proposer">
            <summary>"Propose a new version"</summary>
            <label>"Schema "
                <select on:change=move |ev| role.set(if event_target_value(&ev) == "key" { SchemaRole::Key } else { SchemaRole::Value })>
                    <option value="value">"value"</option>
                    <option value="key">"key"</option>
                </select>
            </label>
            <label>"Upload .avsc "
                <input type="file" accept=".avsc,.json,application/json" data-testid="avsc-file"
                    on:change=move |ev| read_file(ev, text)/>
            </label>
            <textarea rows="14" class="code" data-testid="schema-text" placeholder="Paste the Avro schema (JSON)"
                prop:value=text on:input=move |ev| { text.set(event_target_value(&ev)); verdict.set(None); }></textarea>
            <div class="actions">
                <button class="button" type="button" data-testid="check-schema" on:click=check>"Check"</button>
                <button class="button primary" type="button" data-testid="register-schema"
                    disabled=move || !matches!(verdict.get(), Some(Ok(SchemaCheck { compatible: Some(true), .. })))
                    on:click=register>"Register version"</button>
            </div>
            {move || verdict.get().map(|v| match v {
                Ok(c) => view! { <CheckView c/> }.into_any(),
                Err(e) => view! { <p class="error-text">{e}</p> }.into_any(),
            })}
        </details>
        // Outside the form: a registration re-reads the event, which closes the form again.
        {registered}
    }
}

#[component]
fn CheckView(c: SchemaCheck) -> impl IntoView {
    let headline = match (&c.error, c.compatible, c.unchanged) {
        (Some(e), _, _) => format!("Not a valid Avro schema: {e}"),
        (_, _, true) => "Same as the latest version: registering changes nothing.".to_string(),
        (_, Some(true), _) => format!("Compatible under {}.", c.level),
        (_, _, _) => format!("Incompatible under {}: it would be refused.", c.level),
    };
    let ok = c.error.is_none() && c.compatible == Some(true);
    let messages = c
        .messages
        .iter()
        .map(|m| view! { <li class="mono">{m.clone()}</li> })
        .collect_view();
    let diff = c
        .diff
        .iter()
        .map(|d| {
            view! {
                <tr data-testid="diff-row" data-change=d.change.clone()>
                    <td class="mono">{d.path.clone()}</td>
                    <td>{d.change.clone()}</td>
                    <td class="mono">{d.before.clone().unwrap_or_default()}</td>
                    <td class="mono">{d.after.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="check" data-testid="check-result">
            <p class=if ok { "ok-text" } else { "error-text" } data-testid="verdict">{headline}</p>
            <ul class="plain">{messages}</ul>
            {(!c.diff.is_empty()).then(|| view! {
                <div class="table-wrap">
                    <table class="table">
                        <thead><tr><th>"Field"</th><th>"Change"</th><th>"Before"</th><th>"After"</th></tr></thead>
                        <tbody>{diff}</tbody>
                    </table>
                </div>
            })}
        </div>
    }
}

/// Puts the chosen file's text into `text` (in the browser only).
fn read_file(ev: leptos::ev::Event, text: RwSignal<String>) {
    use leptos::wasm_bindgen::JsCast;
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    let promise = file.text();
    leptos::task::spawn_local(async move {
        if let Ok(value) = wasm_bindgen_futures::JsFuture::from(promise).await {
            text.set(value.as_string().unwrap_or_default());
        }
    });
}
