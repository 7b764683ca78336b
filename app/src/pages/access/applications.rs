//! `/applications`: the applications of the caller's teams, and registering
//! one with its Kafka principal per cluster.

use leptos::prelude::*;
use leptos_meta::Title;

use super::widgets::action_error;
use crate::access::{NewApplication, Principal};
use crate::access_api::{list_applications, RegisterApplication};
use crate::api::{current_caller, list_clusters};
use crate::components::errors::{ErrorTemplate, Loading};

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let register = ServerAction::<RegisterApplication>::new();
    let apps = Resource::new(move || register.version().get(), |_| list_applications());
    let context = Resource::new(
        || (),
        |_| async move {
            let caller = current_caller().await?;
            let clusters = list_clusters().await?;
            Ok::<_, crate::error::AppError>((caller, clusters))
        },
    );
    view! {
        <Title text="Applications"/>
        <h1>"Applications"</h1>
        <p class="muted">"Access is granted to applications, not people. Each application names the Kafka principal it uses on each cluster."</p>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let list = apps.await?;
                    let rows = list
                        .into_iter()
                        .map(|a| {
                            let principals: Vec<String> = a
                                .principals
                                .iter()
                                .map(|p| format!("{}: {}", p.cluster, p.principal))
                                .collect();
                            let document = format!("/api/v1/applications/{}/asyncapi.yaml", a.id);
                            let file = format!("application-{}-{}.asyncapi.yaml", a.id, a.name);
                            view! {
                                <tr data-testid="application" data-name=a.name.clone()>
                                    <td>{a.name.clone()}</td>
                                    <td class="mono">{a.team.clone()}</td>
                                    <td>{a.description.clone()}</td>
                                    <td class="mono">{principals.join(" · ")}</td>
                                    <td><a href=document download=file data-testid="app-asyncapi-link">"AsyncAPI"</a></td>
                                </tr>
                            }
                        })
                        .collect_view();
                    Ok::<_, crate::error::AppError>(view! {
                        <div class="table-wrap"><table class="table">
                            <thead><tr><th>"Name"</th><th>"Team"</th><th>"Description"</th><th>"Principals"</th><th>"Document"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table></div>
                    })
                })}
            </Transition>
        </ErrorBoundary>
        {action_error(move || register.value().get())}
        <Suspense>
            {move || Suspend::new(async move {
                let (caller, clusters) = context.await.unwrap_or_default();
                let teams = caller.map(|c| c.teams).unwrap_or_default();
                let clusters: Vec<String> = clusters.into_iter().map(|c| c.id).collect();
                (!teams.is_empty()).then(|| view! { <RegisterForm teams clusters register/> })
            })}
        </Suspense>
    }
}

#[component]
fn RegisterForm(
    teams: Vec<String>,
    clusters: Vec<String>,
    register: ServerAction<RegisterApplication>,
) -> impl IntoView {
    let team = RwSignal::new(teams.first().cloned().unwrap_or_default());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let principals: Vec<(String, RwSignal<String>)> = clusters
        .into_iter()
        .map(|c| (c, RwSignal::new(String::new())))
        .collect();
    let inputs = principals
        .iter()
        .map(|(cluster, value)| {
            let value = *value;
            view! {
                <label>{format!("Principal on {cluster}")}
                    <input type="text" placeholder="User:svc-name (leave empty if not used there)"
                        data-cluster=cluster.clone() prop:value=value
                        on:input=move |ev| value.set(event_target_value(&ev))/>
                </label>
            }
        })
        .collect_view();
    let team_options = teams
        .iter()
        .map(|t| view! { <option value=t.clone()>{t.clone()}</option> })
        .collect_view();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let principals = principals
            .iter()
            .filter(|(_, v)| !v.get_untracked().trim().is_empty())
            .map(|(cluster, v)| Principal {
                cluster: cluster.clone(),
                principal: v.get_untracked().trim().to_string(),
            })
            .collect();
        register.dispatch(RegisterApplication {
            app: NewApplication {
                team: team.get_untracked(),
                name: name.get_untracked(),
                description: description.get_untracked(),
                principals,
            },
        });
    };
    view! {
        <form class="panel stacked" data-testid="register-application" on:submit=submit>
            <h2>"Register an application"</h2>
            <label>"Team" <select data-testid="app-team" on:change=move |ev| team.set(event_target_value(&ev))>{team_options}</select></label>
            <label>"Name" <input type="text" data-testid="app-name" required=true prop:value=name
                on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <label>"Description" <input type="text" prop:value=description
                on:input=move |ev| description.set(event_target_value(&ev))/></label>
            {inputs}
            <button class="button primary" type="submit" data-testid="app-submit">"Register"</button>
        </form>
    }
}
