//! Sign-in. Until an OpenID Connect provider is configured, only the
//! development sign-in exists, and only on a loopback address.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::dev_login_users;
use crate::components::errors::{ErrorTemplate, Loading};

#[component]
pub fn SignInPage() -> impl IntoView {
    let users = Resource::new(|| (), |_| dev_login_users());
    view! {
        <Title text="Sign in"/>
        <h1>"Sign in"</h1>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    users.await.map(|users| match users {
                        Some(users) => view! { <DevUsers users/> }.into_any(),
                        None => view! {
                            <p class="panel">"No sign-in method is available on this address."</p>
                        }.into_any(),
                    })
                })}
            </Suspense>
        </ErrorBoundary>
    }
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
