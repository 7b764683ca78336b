//! Admin: the tag taxonomy and the teams (the server allows admins only).

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::{list_tags, list_team_defs, SaveTag, SaveTeam};
use crate::components::errors::{ErrorTemplate, Loading};

#[component]
pub fn TagsPanel() -> impl IntoView {
    let save = ServerAction::<SaveTag>::new();
    let tags = Resource::new(move || save.version().get(), |_| list_tags());
    view! {
        <section class="panel" data-testid="tags-admin">
            <h2>"Tag taxonomy"</h2>
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        tags.await.map(|list| {
                            list.into_iter()
                                .map(|t| view! {
                                    <span class="chip" style=format!("--chip: {}", t.colour) title=t.description>
                                        {t.name}{t.classification.then_some(" ◆")}
                                    </span>
                                })
                                .collect_view()
                        })
                    })}
                </Transition>
            </ErrorBoundary>
            <ActionForm action=save attr:class="inline-form">
                <input type="text" name="name" placeholder="name" aria-label="Tag name" required/>
                <input type="text" name="description" placeholder="description" aria-label="Description"/>
                <input type="text" name="colour" value="#5b6470" aria-label="Colour" required/>
                <label><input type="checkbox" name="classification"/>" classification"</label>
                <button class="button" type="submit">"Save tag"</button>
            </ActionForm>
            <ActionResult result=Signal::derive(move || save.value().get().map(|r| r.map(|_| "Saved.".to_string())))/>
        </section>
    }
}

#[component]
pub fn TeamsPanel() -> impl IntoView {
    let save = ServerAction::<SaveTeam>::new();
    let teams = Resource::new(move || save.version().get(), |_| list_team_defs());
    view! {
        <section class="panel" data-testid="teams-admin">
            <h2>"Teams"</h2>
            <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        teams.await.map(|list| {
                            let rows = list
                                .into_iter()
                                .map(|t| view! {
                                    <tr>
                                        <td class="mono">{t.id}</td>
                                        <td>{t.name}</td>
                                        <td class="mono">{t.members.join(", ")}</td>
                                    </tr>
                                })
                                .collect_view();
                            view! {
                                <div class="table-wrap">
                                    <table class="table">
                                        <thead><tr><th>"Id"</th><th>"Name"</th><th>"Members"</th></tr></thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                            }
                        })
                    })}
                </Transition>
            </ErrorBoundary>
            <ActionForm action=save attr:class="inline-form">
                <input type="text" name="id" placeholder="id" aria-label="Team id" required/>
                <input type="text" name="name" placeholder="name" aria-label="Team name" required/>
                <input type="text" name="description" placeholder="description" aria-label="Description"/>
                <input type="text" name="members" placeholder="members, comma separated" aria-label="Members"/>
                <button class="button" type="submit">"Save team"</button>
            </ActionForm>
            <ActionResult result=Signal::derive(move || save.value().get().map(|r| r.map(|_| "Saved.".to_string())))/>
        </section>
    }
}

#[component]
fn ActionResult(result: Signal<Option<Result<String, crate::error::AppError>>>) -> impl IntoView {
    move || {
        result.get().map(|r| match r {
            Ok(msg) => view! { <p class="notice">{msg}</p> }.into_any(),
            Err(e) => view! { <p class="error-panel" role="alert">{e.message}</p> }.into_any(),
        })
    }
}
