//! The Switchboard UI: routes, pages, components, server functions and wire types.
//! No database, search or Kafka code lives here; the server provides services.

#![recursion_limit = "256"]

pub mod access;
pub mod access_api;
pub mod api;
pub mod auth;
pub mod catalogue;
pub mod clusters;
pub mod components;
pub mod discovery;
pub mod error;
pub mod format;
pub mod jobs;
pub mod mesh;
pub mod mesh_api;
pub mod monitoring;
pub mod monitoring_api;
pub mod notify;
pub mod notify_api;
pub mod pages;
pub mod schemas;
pub mod schemas_api;
#[cfg(feature = "ssr")]
pub mod services;
pub mod tokens;
pub mod tokens_api;
mod words;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use components::layout::Layout;
use pages::access::applications::ApplicationsPage;
use pages::access::approvals::ApprovalsPage;
use pages::access::detail::RequestPage;
use pages::access::list::RequestsPage;
use pages::access::new_event::NewEventPage;
use pages::access::request_form::RequestFormPage;
use pages::admin::AdminPage;
use pages::catalogue::CataloguePage;
use pages::clusters::ClustersPage;
use pages::event::EventPage;
use pages::not_found::NotFound;
use pages::signin::SignInPage;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                // No favicon yet: an empty one spares a 404 on every page.
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: tests and scripts wait for this mark.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/switchboard.css"/>
        <Title formatter=|text: String| format!("{text} · Switchboard")/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("") view=CataloguePage/>
                    // Rendered whole before sending (these two): their panels load
                    // in nested suspense, and out-of-order streaming gave their
                    // fallbacks clashing ids, which broke hydration.
                    <Route path=path!("/events/:name") view=EventPage ssr=SsrMode::Async/>
                    <Route path=path!("/clusters") view=ClustersPage/>
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/drift") view=pages::admin_drift::DriftPage ssr=SsrMode::Async/>
                    <Route path=path!("/signin") view=SignInPage/>
                    <Route path=path!("/admin/audit") view=pages::audit::AuditPage/>
                    <Route path=path!("/admin/monitoring") view=pages::monitoring::MonitoringPage/>
                    <Route path=path!("/alerts") view=pages::alerts::AlertsPage/>
                    <Route path=path!("/tokens") view=pages::tokens::TokensPage/>
                    <Route path=path!("/notifications") view=pages::notifications::NotificationsPage/>
                    <Route path=path!("/requests") view=RequestsPage/>
                    <Route path=path!("/requests/new-event") view=NewEventPage/>
                    <Route path=path!("/requests/:id") view=RequestPage ssr=SsrMode::Async/>
                    <Route path=path!("/approvals") view=ApprovalsPage/>
                    <Route path=path!("/applications") view=ApplicationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/events/:name/request") view=RequestFormPage/>
                </Routes>
            </Layout>
        </Router>
    }
}
