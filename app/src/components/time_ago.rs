//! A past time as "5 min ago", with the exact UTC time on hover.

use leptos::prelude::*;

use crate::format::{ago, exact, now_secs, parse_utc};

/// `<time>` reading "5 min ago"; its `title` is the exact time. Text it cannot
/// read is shown as it came.
#[component]
pub fn TimeAgo(at: String) -> impl IntoView {
    let (text, title) = match parse_utc(&at) {
        Some(t) => (ago(t, now_secs()), exact(t)),
        None => (at.clone(), at.clone()),
    };
    view! { <time datetime=at title=title>{text}</time> }
}

/// `TimeAgo`, or a dash for nothing.
#[component]
pub fn MaybeAgo(at: Option<String>) -> impl IntoView {
    match at {
        Some(at) => view! { <TimeAgo at/> }.into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}
