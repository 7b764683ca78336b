//! The error template shown inside every page's `ErrorBoundary`.

use leptos::prelude::*;

#[component]
pub fn ErrorTemplate(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| e.to_string())
            .collect::<Vec<_>>()
    };
    view! {
        <section class="error-panel" role="alert" data-testid="error">
            <h2>"Something did not work"</h2>
            <ul>
                {move || messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
            <p class="muted">"Try again in a moment. If it keeps happening, tell the platform team."</p>
        </section>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="muted loading" aria-busy="true">"Loading…"</p> }
}
