//! Page frame: top bar with navigation, main area, footer.

use leptos::prelude::*;
use leptos_router::components::A;

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
                <A href="/approvals">"Approvals"</A>
                <A href="/clusters">"Clusters"</A>
                <A href="/admin">"Admin"</A>
            </nav>
        </header>
        <main id="main" class="content">{children()}</main>
        <footer class="footer muted">"Switchboard · the event mesh portal"</footer>
    }
}
