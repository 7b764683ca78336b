//! Page frame: top bar with navigation, main area, footer.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::current_caller;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"⇄"</span>
                "Switchboard"
            </a>
            <nav class="mainnav" aria-label="Main">
                <A href="/" exact=true>"Catalogue"</A>
                <A href="/requests">"Requests"</A>
                <A href="/approvals">"Approvals" <ApprovalCount/></A>
                <A href="/clusters">"Clusters"</A>
                <A href="/alerts">"Alerts"</A>
                <A href="/admin">"Admin"</A>
            </nav>
            <crate::components::bell::Bell/>
            <Account/>
        </header>
        <main id="main" class="content">{children()}</main>
        <footer class="footer muted">"Switchboard · the event mesh portal · "
            <a href="/api/docs" rel="external">"REST API"</a></footer>
    }
}

/// How many requests wait for the caller's decision (nothing when none or signed out).
#[component]
fn ApprovalCount() -> impl IntoView {
    let count = Resource::new(|| (), |_| crate::access_api::approval_count());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                count.await.ok().filter(|n| *n > 0).map(|n| view! {
                    <span class="count" data-testid="approval-count">{n}</span>
                })
            })}
        </Suspense>
    }
}

/// The signed-in user with a sign-out button, or a sign-in link.
#[component]
fn Account() -> impl IntoView {
    let caller = Resource::new(|| (), |_| current_caller());
    view! {
        <div class="account">
            <Suspense>
                {move || Suspend::new(async move {
                    match caller.await.ok().flatten() {
                        Some(c) => view! {
                            <form method="post" action="/auth/logout">
                                <span data-testid="signed-in-as">{c.user_id}</span>
                                <a href="/tokens" data-testid="tokens-link">"Tokens"</a>
                                {c.admin.then(|| view! { <span class="badge">"admin"</span> })}
                                <button class="linkish" type="submit">"Sign out"</button>
                            </form>
                        }
                        .into_any(),
                        None => view! { <a href="/signin" data-testid="sign-in">"Sign in"</a> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
