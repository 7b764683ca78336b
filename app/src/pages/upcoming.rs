//! Sections whose capability is not built yet say so plainly instead of faking data.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Upcoming(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <section class="panel empty" data-testid="upcoming">
            <p>{what}</p>
            <p class="muted">"This part of Switchboard is not built yet."</p>
        </section>
    }
}
