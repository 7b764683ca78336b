//! `/requests/new-event`: a team proposes an event it will publish. Naming
//! and template policy are checked by the server as the form is filled; a
//! platform admin approves; the event then appears as a draft.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::widgets::action_error;
use crate::access::NewEventForm;
use crate::access_api::{check_new_event, get_access_policy, SubmitNewEvent};
use crate::api::{current_caller, list_clusters};
use crate::components::errors::{ErrorTemplate, Loading};

#[component]
pub fn NewEventPage() -> impl IntoView {
    let context = Resource::new(
        || (),
        |_| async move {
            let caller = current_caller().await?;
            let clusters = list_clusters().await?;
            let policy = get_access_policy().await?;
            Ok::<_, crate::error::AppError>((caller, clusters, policy))
        },
    );
    view! {
        <Title text="Propose a new event"/>
        <h1>"Propose a new event"</h1>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    context.await.map(|(caller, clusters, policy)| {
                        let teams = caller.map(|c| c.teams).unwrap_or_default();
                        let clusters: Vec<String> = clusters.into_iter().map(|c| c.id).collect();
                        let templates: Vec<String> = policy.templates.into_iter().map(|t| t.name).collect();
                        view! { <Proposal teams clusters templates/> }
                    })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn Proposal(teams: Vec<String>, clusters: Vec<String>, templates: Vec<String>) -> impl IntoView {
    let submit = ServerAction::<SubmitNewEvent>::new();
    let field = |v: Option<&String>| RwSignal::new(v.cloned().unwrap_or_default());
    let (team, cluster, template) = (
        field(teams.first()),
        field(clusters.first()),
        field(templates.first()),
    );
    let (name, title, topic, schema, description) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let form = move || NewEventForm {
        team: team.get(),
        name: name.get(),
        title: title.get(),
        home_cluster: cluster.get(),
        topic: topic.get(),
        template: template.get(),
        value_schema: schema.get(),
        description: description.get(),
        tags: Vec::new(),
    };
    // Re-checked on every change: the server's naming and template policy.
    let problems = Resource::new(form, |f| async move {
        if f.name.is_empty() && f.topic.is_empty() {
            return Ok(Vec::new());
        }
        check_new_event(f).await
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(r)) = submit.value().get() {
            navigate(&format!("/requests/{}", r.id), Default::default());
        }
    });
    let options = |list: &[String]| {
        list.iter()
            .map(|v| view! { <option value=v.clone()>{v.clone()}</option> })
            .collect_view()
    };
    let (teams, clusters, templates) = (options(&teams), options(&clusters), options(&templates));
    let text = |signal: RwSignal<String>, testid: &'static str| {
        view! { <input type="text" data-testid=testid prop:value=signal on:input=move |ev| signal.set(event_target_value(&ev))/> }
    };
    view! {
        {action_error(move || submit.value().get())}
        <form class="panel stacked" data-testid="new-event-form" on:submit=move |ev| {
            ev.prevent_default();
            submit.dispatch(SubmitNewEvent { form: form() });
        }>
            <label>"Team" <select data-testid="ne-team" on:change=move |ev| team.set(event_target_value(&ev))>{teams}</select></label>
            <label>"Event name" {text(name, "ne-name")}</label>
            <label>"Title" {text(title, "ne-title")}</label>
            <label>"Home cluster" <select data-testid="ne-cluster" on:change=move |ev| cluster.set(event_target_value(&ev))>{clusters}</select></label>
            <label>"Topic" {text(topic, "ne-topic")}</label>
            <label>"Topic template" <select data-testid="ne-template" on:change=move |ev| template.set(event_target_value(&ev))>{templates}</select></label>
            <label>"Description (Markdown)"
                <textarea rows="4" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            </label>
            <label>"Value schema (Avro JSON)"
                <textarea rows="10" class="code" data-testid="ne-schema" prop:value=schema
                    on:input=move |ev| schema.set(event_target_value(&ev))></textarea>
            </label>
            <Transition>
                {move || Suspend::new(async move {
                    match problems.await {
                        Ok(list) if list.is_empty() => view! { <p class="ok-text" data-testid="ne-ok">"No policy problems."</p> }.into_any(),
                        Ok(list) => {
                            let items = list.into_iter().map(|p| view! { <li>{p}</li> }).collect_view();
                            view! { <ul class="error-text" data-testid="ne-problems">{items}</ul> }.into_any()
                        }
                        Err(e) => view! { <p class="error-text">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            <button class="button primary" type="submit" data-testid="ne-submit">"Submit for approval"</button>
        </form>
    }
}
