//! `/tokens`: the caller's API tokens and their teams' application tokens,
//! creating one (its secret shown once) and revoking.

use leptos::prelude::*;
use leptos_meta::Title;

use super::access::widgets::action_error;
use super::audit::when;
use crate::access::Application;
use crate::access_api::list_applications;
use crate::components::errors::{ErrorTemplate, Loading};
use crate::tokens::{CreatedToken, NewToken, Scope, TokenState, TokenView, MAX_DAYS};
use crate::tokens_api::{list_tokens, CreateToken, RevokeToken};

#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    let apps = Resource::new(|| (), |_| list_applications());
    view! {
        <Title text="API tokens"/>
        <h1>"API tokens"</h1>
        <p class="muted">
            "Tokens let scripts and CI call the REST API (" <code>"Authorization: Bearer <token>"</code>
            ") and the schema registry (HTTP Basic " <code>"basic.auth.user.info=<key id>:<secret>"</code>
            "). A personal token acts as you, an application token for its application's team; "
            "either way with no more rights than that, narrowed to its scopes."
        </p>
        {move || create.value().get().and_then(Result::ok).map(|c| view! { <Created created=c/> })}
        {action_error(move || create.value().get())}
        {action_error(move || revoke.value().get())}
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let list = tokens.await?;
                    Ok::<_, crate::error::AppError>(view! { <TokenTable list revoke/> })
                })}
            </Transition>
        </ErrorBoundary>
        <Suspense>
            {move || Suspend::new(async move {
                let apps = apps.await.unwrap_or_default();
                view! { <CreateForm apps create/> }
            })}
        </Suspense>
    }
}

#[component]
fn Created(created: CreatedToken) -> impl IntoView {
    view! {
        <section class="panel stacked" data-testid="token-created">
            <h2>{format!("Token “{}” created", created.token.name)}</h2>
            <p>"Copy it now: it is shown only this once, and only its hash is kept."</p>
            <label>"Bearer token (REST API)"
                <input type="text" readonly=true class="mono" data-testid="token-bearer" value=created.bearer/>
            </label>
            <label>"Registry (HTTP Basic): key id"
                <input type="text" readonly=true class="mono" data-testid="token-key" value=created.token.id/>
            </label>
            <label>"Registry (HTTP Basic): secret"
                <input type="text" readonly=true class="mono" data-testid="token-secret" value=created.secret/>
            </label>
        </section>
    }
}

#[component]
fn TokenTable(list: Vec<TokenView>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted" data-testid="no-tokens">"No tokens yet."</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|t| {
            let acts_for = match &t.application {
                Some(a) => format!("{} ({})", a.name, a.team),
                None => format!("{} (personal)", t.owner),
            };
            let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
            let used = match (&t.last_used_at, &t.last_used_from) {
                (Some(at), Some(from)) => format!("{} UTC from {from}", when(at)),
                (Some(at), None) => format!("{} UTC", when(at)),
                _ => "never".to_string(),
            };
            let id = t.id.clone();
            let active = t.state == TokenState::Active;
            view! {
                <tr data-testid="token" data-id=t.id.clone() data-state=t.state.as_str()>
                    <td>{t.name.clone()}<div class="mono muted">{t.id.clone()}</div></td>
                    <td>{acts_for}</td>
                    <td class="mono">{scopes.join(" ")}</td>
                    <td><span class=format!("badge state-{}", t.state)>{t.state.as_str()}</span></td>
                    <td>{format!("{} UTC", when(&t.expires_at))}</td>
                    <td>{used}</td>
                    <td>{active.then(|| view! {
                        <button class="button" data-testid="token-revoke"
                            on:click=move |_| { revoke.dispatch(RevokeToken { id: id.clone() }); }>
                            "Revoke"
                        </button>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap"><table class="table" data-testid="tokens">
            <thead><tr><th>"Name"</th><th>"Acts as"</th><th>"Scopes"</th><th>"State"</th>
                <th>"Expires"</th><th>"Last used"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table></div>
    }
    .into_any()
}

#[component]
fn CreateForm(apps: Vec<Application>, create: ServerAction<CreateToken>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let application = RwSignal::new(String::new());
    let days = RwSignal::new(90u32);
    let chosen: Vec<(Scope, RwSignal<bool>)> = Scope::ALL
        .iter()
        .map(|s| (*s, RwSignal::new(*s == Scope::Read)))
        .collect();
    let boxes = chosen
        .iter()
        .map(|(scope, on)| {
            let (scope, on) = (*scope, *on);
            // An application token never decides or administers.
            let barred =
                move || !application.get().is_empty() && !Scope::FOR_APPLICATIONS.contains(&scope);
            view! {
                <label class="check">
                    <input type="checkbox" data-scope=scope.as_str() prop:checked=on
                        prop:disabled=barred on:change=move |ev| on.set(event_target_checked(&ev))/>
                    <span class="mono">{scope.as_str()}</span>
                    <span class="muted">{format!(" — {}", scope.describe())}</span>
                </label>
            }
        })
        .collect_view();
    let app_options = apps
        .iter()
        .map(|a| view! { <option value=a.id.clone()>{format!("application {} ({})", a.name, a.team)}</option> })
        .collect_view();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let app = application.get_untracked();
        let scopes = chosen
            .iter()
            .filter(|(s, on)| {
                on.get_untracked() && (app.is_empty() || Scope::FOR_APPLICATIONS.contains(s))
            })
            .map(|(s, _)| *s)
            .collect();
        create.dispatch(CreateToken {
            new: NewToken {
                name: name.get_untracked(),
                application_id: (!app.is_empty()).then_some(app),
                scopes,
                expires_in_days: days.get_untracked(),
            },
        });
    };
    view! {
        <form class="panel stacked" data-testid="create-token" on:submit=submit>
            <h2>"Create a token"</h2>
            <label>"Name" <input type="text" data-testid="token-name" required=true
                placeholder="ci-pipeline" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <label>"Acts as"
                <select data-testid="token-for" on:change=move |ev| application.set(event_target_value(&ev))>
                    <option value="">"me (personal token)"</option>
                    {app_options}
                </select>
            </label>
            <fieldset><legend>"Scopes"</legend>{boxes}</fieldset>
            <label>"Expires in"
                <select data-testid="token-days" on:change=move |ev| {
                    days.set(event_target_value(&ev).parse().unwrap_or(90))
                }>
                    <option value="7">"7 days"</option>
                    <option value="30">"30 days"</option>
                    <option value="90" selected=true>"90 days"</option>
                    <option value=MAX_DAYS.to_string()>{format!("{MAX_DAYS} days")}</option>
                </select>
            </label>
            <button class="button primary" type="submit" data-testid="token-submit">"Create token"</button>
        </form>
    }
}
