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

/// The HTTP status of a page whose main resource may be missing: on the
/// server, a missing one (`not_found`) answers 404 rather than 200. Taken
/// when the page is created; the page must render whole before sending
/// (`SsrMode::Async`) for the status to reach the response.
#[derive(Clone, Default)]
pub struct PageStatus {
    #[cfg(feature = "ssr")]
    response: Option<leptos_axum::ResponseOptions>,
}

impl PageStatus {
    pub fn current() -> Self {
        Self {
            #[cfg(feature = "ssr")]
            response: use_context::<leptos_axum::ResponseOptions>(),
        }
    }

    /// Sets 404 when `result` says the resource is missing.
    pub fn check<T>(&self, result: &Result<T, crate::error::AppError>) {
        #[cfg(feature = "ssr")]
        if let (Some(response), Err(e)) = (&self.response, result) {
            if e.code == crate::error::ErrorCode::NotFound {
                response.set_status(http::StatusCode::NOT_FOUND);
            }
        }
        #[cfg(not(feature = "ssr"))]
        let _ = result;
    }
}
