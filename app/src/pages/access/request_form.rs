//! `/events/:name/request`: ask to consume an event on any cluster of the
//! mesh, or to produce it on its home cluster, for one of the caller's
//! applications. The server derives the team from the application.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::widgets::action_error;
use crate::access::{ConsumeForm, ProduceForm};
use crate::access_api::{list_applications, SubmitConsume, SubmitProduce};
use crate::api::{get_event, list_clusters};
use crate::components::errors::{ErrorTemplate, Loading};

#[component]
pub fn RequestFormPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.get().get("name").unwrap_or_default());
    let data = Resource::new(
        move || name.get(),
        |name| async move {
            let event = get_event(name).await?;
            let clusters = list_clusters().await?;
            let apps = list_applications().await?;
            Ok::<_, crate::error::AppError>((event, clusters, apps))
        },
    );
    view! {
        <Title text="Request access"/>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    data.await.map(|(event, clusters, apps)| {
                        let clusters: Vec<String> = clusters.into_iter().map(|c| c.id).collect();
                        view! { <RequestForm event=event.name home=event.home_cluster clusters apps/> }
                    })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn RequestForm(
    event: String,
    home: String,
    clusters: Vec<String>,
    apps: Vec<crate::access::Application>,
) -> impl IntoView {
    let consume = ServerAction::<SubmitConsume>::new();
    let produce = ServerAction::<SubmitProduce>::new();
    let produce_mode = RwSignal::new(false);
    let cluster = RwSignal::new(home.clone());
    let application = RwSignal::new(apps.first().map(|a| a.id.clone()).unwrap_or_default());
    let group = RwSignal::new(String::new());
    let prefix = RwSignal::new(false);
    let purpose = RwSignal::new(String::new());
    let end_date = RwSignal::new(String::new());
    let navigate = use_navigate();
    Effect::new(move |_| {
        let done = consume
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| produce.value().get().and_then(Result::ok));
        if let Some(r) = done {
            navigate(&format!("/requests/{}", r.id), Default::default());
        }
    });
    let submit = {
        let (event, home) = (event.clone(), home.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let end = Some(end_date.get_untracked()).filter(|d| !d.is_empty());
            if produce_mode.get_untracked() {
                produce.dispatch(SubmitProduce {
                    form: ProduceForm {
                        event: event.clone(),
                        application: application.get_untracked(),
                        purpose: purpose.get_untracked(),
                        end_date: end,
                    },
                });
            } else {
                let _ = &home;
                consume.dispatch(SubmitConsume {
                    form: ConsumeForm {
                        event: event.clone(),
                        cluster: cluster.get_untracked(),
                        application: application.get_untracked(),
                        group: group.get_untracked(),
                        group_is_prefix: prefix.get_untracked(),
                        purpose: purpose.get_untracked(),
                        end_date: end,
                    },
                });
            }
        }
    };
    let cluster_options = clusters
        .iter()
        .map(|c| {
            let label = if *c == home {
                format!("{c} (home)")
            } else {
                c.clone()
            };
            view! { <option value=c.clone() selected=*c == home>{label}</option> }
        })
        .collect_view();
    let no_apps = apps.is_empty();
    let app_options = apps
        .iter()
        .map(|a| {
            let on: Vec<String> = a.principals.iter().map(|p| p.cluster.clone()).collect();
            view! { <option value=a.id.clone()>{format!("{} ({}; on {})", a.name, a.team, on.join(", "))}</option> }
        })
        .collect_view();
    view! {
        <h1>"Request access to "<span class="mono">{event.clone()}</span></h1>
        {no_apps.then(|| view! {
            <p class="notice">"Your teams have no application yet: "<a href="/applications">"register one"</a>" first."</p>
        })}
        {action_error(move || consume.value().get())}
        {action_error(move || produce.value().get())}
        <form class="panel stacked" data-testid="request-form" on:submit=submit>
            <fieldset class="inline-form">
                <label><input type="radio" name="kind" checked=true data-testid="kind-consume"
                    on:change=move |_| produce_mode.set(false)/>" Consume"</label>
                <label><input type="radio" name="kind" data-testid="kind-produce"
                    on:change={ let home = home.clone(); move |_| { produce_mode.set(true); cluster.set(home.clone()); } }/>" Produce (home cluster only)"</label>
            </fieldset>
            <label>"Cluster where your application runs"
                <select data-testid="cluster" disabled=move || produce_mode.get()
                    on:change=move |ev| cluster.set(event_target_value(&ev))>{cluster_options}</select>
            </label>
            <label>"Application"
                <select data-testid="application" on:change=move |ev| application.set(event_target_value(&ev))>{app_options}</select>
            </label>
            <Show when=move || !produce_mode.get()>
                <label>"Consumer group"
                    <input type="text" data-testid="group" required=true prop:value=group
                        on:input=move |ev| group.set(event_target_value(&ev))/>
                </label>
                <label><input type="checkbox" data-testid="group-prefix"
                    on:change=move |ev| prefix.set(event_target_checked(&ev))/>" Use it as a prefix"</label>
            </Show>
            <label>"Purpose"
                <textarea rows="3" data-testid="purpose" required=true prop:value=purpose
                    on:input=move |ev| purpose.set(event_target_value(&ev))></textarea>
            </label>
            <label>"Until (default: 12 months)"
                <input type="date" data-testid="end-date" prop:value=end_date
                    on:input=move |ev| end_date.set(event_target_value(&ev))/>
            </label>
            <button class="button primary" type="submit" data-testid="submit-request">"Submit request"</button>
        </form>
    }
}
