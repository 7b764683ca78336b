//! The signed-in user's notifications, newest first: mark one or all read.
//! The forms work without JavaScript too (server function POSTs).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::bell::announce_change;
use crate::components::errors::{ErrorTemplate, Loading};
use crate::notify::{Notification, NotificationPage};
use crate::notify_api::{list_notifications, MarkAllNotificationsRead, MarkNotificationRead};
use crate::pages::audit::when;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let query = use_query_map();
    let before = Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse().ok())));
    let mark = ServerAction::<MarkNotificationRead>::new();
    let mark_all = ServerAction::<MarkAllNotificationsRead>::new();
    let page = Resource::new(
        move || (before.get(), mark.version().get(), mark_all.version().get()),
        |(before, _, _)| list_notifications(before),
    );
    Effect::new(move |_| {
        if mark.version().get() + mark_all.version().get() > 0 {
            announce_change();
        }
    });
    view! {
        <Title text="Notifications"/>
        <h1>"Notifications"</h1>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    page.await.map(|p| view! { <List page=p mark mark_all/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn List(
    page: NotificationPage,
    mark: ServerAction<MarkNotificationRead>,
    mark_all: ServerAction<MarkAllNotificationsRead>,
) -> impl IntoView {
    let unread = page.unread;
    let empty = page.items.is_empty();
    let older = page
        .next_before
        .map(|b| view! { <nav class="pager"><a href=format!("/notifications?before={b}")>"Older →"</a></nav> });
    let items = page
        .items
        .into_iter()
        .map(|n| view! { <Item n mark/> })
        .collect_view();
    view! {
        <div class="panel-head">
            <p data-testid="unread-count">{format!("{unread} unread")}</p>
            {(unread > 0).then(|| view! {
                <ActionForm action=mark_all>
                    <button class="button" type="submit" data-testid="mark-all-read">"Mark all read"</button>
                </ActionForm>
            })}
        </div>
        {empty.then(|| view! { <p class="empty" data-testid="no-notifications">"Nothing yet. Requests you make or decide will show up here."</p> })}
        <ul class="plain notifications">{items}</ul>
        {older}
    }
}

#[component]
fn Item(n: Notification, mark: ServerAction<MarkNotificationRead>) -> impl IntoView {
    let unread = n.read_at.is_none();
    let kind = n.kind.clone();
    view! {
        <li class="notification" class:unread=unread data-testid="notification" data-kind=kind data-unread=unread.to_string()>
            <a href=n.link>{n.title}</a>
            <span class="muted"><time datetime=n.created_at.clone()>{when(&n.created_at)}</time>" · "{n.kind}</span>
            {unread.then(|| view! {
                <ActionForm action=mark attr:class="inline">
                    <input type="hidden" name="id" value=n.id.to_string()/>
                    <button class="linkish" type="submit" data-testid="mark-read">"Mark read"</button>
                </ActionForm>
            })}
        </li>
    }
}
