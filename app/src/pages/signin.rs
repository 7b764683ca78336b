//! Sign-in: "Sign in with <provider>" when OpenID Connect is configured, or
//! the development sign-in (pick a demo user) when `--demo` turns it on and
//! the request comes straight from this machine (the server decides). A
//! `?next=/path` query is handed to the provider sign-in, which returns there
//! afterwards (same-site paths only; the server checks).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{dev_login_users, oidc_provider};
use crate::components::errors::{ErrorTemplate, Loading};

#[component]
pub fn SignInPage() -> impl IntoView {
    let users = Resource::new(|| (), |_| dev_login_users());
    let provider = Resource::new(|| (), |_| oidc_provider());
    let query = use_query_map();
    let start = move || {
        let next = query.read().get("next").unwrap_or_default();
        if next.is_empty() {
            "/auth/oidc/start".to_string()
        } else {
            format!("/auth/oidc/start?next={}", encode(&next))
        }
    };
    view! {
        <Title text="Sign in"/>
        <h1>"Sign in"</h1>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    let provider = provider.await?;
                    let users = users.await?;
                    let none = provider.is_none() && users.is_none();
                    Ok::<_, crate::error::AppError>(view! {
                        {provider.map(|name| view! {
                            <section class="panel">
                                // rel=external: a full navigation (the server redirects to the provider),
                                // not a route of the client-side router.
                                <a class="button primary" href=start rel="external" data-testid="oidc-sign-in">
                                    {format!("Sign in with {name}")}
                                </a>
                            </section>
                        })}
                        {users.map(|users| view! { <DevUsers users/> })}
                        {none.then(|| view! {
                            <p class="panel">"No sign-in method is available on this address."</p>
                        })}
                    })
                })}
            </Suspense>
        </ErrorBoundary>
    }
}

/// Percent-encodes a query value (everything but unreserved characters and `/`).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
fn DevUsers(users: Vec<String>) -> impl IntoView {
    let buttons = users
        .into_iter()
        .map(|u| {
            let (value, data) = (u.clone(), u.clone());
            view! {
                <button class="user-pick" type="submit" name="user_id" value=value data-user=data>
                    {u}
                </button>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <p class="muted">
                "Development sign-in: pick a demo user. It is offered only while Switchboard "
                "listens on a loopback address."
            </p>
            <form method="post" action="/auth/dev-login" class="user-grid">{buttons}</form>
        </section>
    }
}
