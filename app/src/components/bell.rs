//! The bell in the top bar: a link to `/notifications` with the signed-in
//! user's unread count. It re-reads the count on every navigation and when a
//! page announces a change (`announce_change`, e.g. after "mark read").

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::notify_api::unread_notifications;

/// The window event that makes the bell re-read its count.
const CHANGED: &str = "switchboard:notifications";

/// Tells the bell that notifications changed (browser only; no-op on the server).
pub fn announce_change() {
    #[cfg(feature = "hydrate")]
    if let Ok(event) = leptos::web_sys::Event::new(CHANGED) {
        let _ = window().dispatch_event(&event);
    }
}

#[component]
pub fn Bell() -> impl IntoView {
    let location = use_location();
    let changes = RwSignal::new(0u32);
    let listener = window_event_listener_untyped(CHANGED, move |_| changes.update(|n| *n += 1));
    on_cleanup(move || listener.remove());
    let count = Resource::new(
        move || (location.pathname.get(), changes.get()),
        |_| unread_notifications(),
    );
    view! {
        <Transition>
            {move || Suspend::new(async move {
                count.await.ok().flatten().map(|n| {
                    let label = format!("Notifications, {n} unread");
                    view! {
                        <a href="/notifications" class="bell" data-testid="bell" data-unread=n.to_string() aria-label=label.clone() title=label>
                            <span aria-hidden="true">"🔔"</span>
                            {(n > 0).then(|| view! { <span class="bell-count" data-testid="bell-count">{n.to_string()}</span> })}
                        </a>
                    }
                })
            })}
        </Transition>
    }
}
