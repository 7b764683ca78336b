//! Catalogue search, the home page: results update as you type once the page
//! has hydrated, and the same form works as a plain GET without JavaScript.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use leptos_router::NavigateOptions;

use crate::api::search_events;
use crate::catalogue::{EventHit, FacetGroup, SearchParams, SearchResponse, FACETS};
use crate::components::errors::{ErrorTemplate, Loading};
use crate::components::tags::TagChips;

fn params_from(map: &ParamsMap) -> SearchParams {
    let get = |k: &str| map.get(k).filter(|v| !v.is_empty());
    SearchParams {
        q: get("q").unwrap_or_default(),
        team: get("team"),
        domain: get("domain"),
        tag: get("tag"),
        classification: get("classification"),
        cluster: get("cluster"),
        lifecycle: get("lifecycle"),
        sort: get("sort"),
        page: get("page").and_then(|p| p.parse().ok()),
        per_page: None,
    }
}

fn href(p: &SearchParams) -> String {
    let q = p.to_query();
    if q.is_empty() {
        "/".to_string()
    } else {
        format!("/?{q}")
    }
}

#[component]
pub fn CataloguePage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| params_from(&query.get()));
    let results = Resource::new(move || params.get(), search_events);
    let navigate = use_navigate();
    let pending = StoredValue::new(None::<TimeoutHandle>);

    let go = move |next: SearchParams| {
        navigate(
            &href(&next),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let go_typed = go.clone();
    let on_input = move |ev| {
        let text = event_target_value(&ev);
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        let go = go_typed.clone();
        let handle = set_timeout_with_handle(
            move || {
                let mut next = params.get_untracked();
                next.q = text;
                next.page = None;
                go(next);
            },
            Duration::from_millis(250),
        )
        .ok();
        pending.set_value(handle);
    };
    let on_sort = move |ev| {
        let mut next = params.get_untracked();
        next.sort = Some(event_target_value(&ev)).filter(|s| s != "relevance");
        next.page = None;
        go(next);
    };
    let initial = params.get_untracked();
    let sort = initial.sort.clone().unwrap_or_else(|| "relevance".into());

    view! {
        <Title text="Catalogue"/>
        <h1>"Event catalogue"</h1>
        <form class="searchbar" method="get" action="/" role="search">
            <input
                type="search"
                name="q"
                aria-label="Search events"
                placeholder="Search events, fields, teams… (try customer, pii, alarm)"
                autocomplete="off"
                value=initial.q.clone()
                on:input=on_input
                data-testid="search-input"
            />
            {FACETS
                .iter()
                .filter_map(|(key, _)| {
                    initial.facet(key).map(|v| view! { <input type="hidden" name=*key value=v.clone()/> })
                })
                .collect_view()}
            <select name="sort" aria-label="Sort by" on:change=on_sort data-testid="sort">
                <option value="relevance" selected=sort == "relevance">"Relevance"</option>
                <option value="name" selected=sort == "name">"Name"</option>
                <option value="updated" selected=sort == "updated">"Recently updated"</option>
            </select>
            <button class="button" type="submit">"Search"</button>
        </form>
        <ErrorBoundary fallback=|errors| view! { <ErrorTemplate errors/> }>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let p = params.get();
                    results.await.map(|r| view! { <Results response=r params=p/> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

#[component]
fn Results(response: SearchResponse, params: SearchParams) -> impl IntoView {
    let pages = response.total.div_ceil(response.per_page.max(1)).max(1);
    let page = response.page;
    let prev = (page > 1).then(|| {
        href(&SearchParams {
            page: Some(page - 1),
            ..params.clone()
        })
    });
    let next = (page < pages).then(|| {
        href(&SearchParams {
            page: Some(page + 1),
            ..params.clone()
        })
    });
    let facets = response
        .facets
        .into_iter()
        .map(|g| view! { <Facet group=g params=params.clone()/> })
        .collect_view();
    let hits = response
        .hits
        .into_iter()
        .map(|h| view! { <HitCard hit=h/> })
        .collect_view();
    view! {
        {response.notice.map(|n| view! { <p class="notice" data-testid="notice">{n}</p> })}
        <div class="catalogue">
            <aside class="facets" aria-label="Filters">{facets}</aside>
            <section class="results">
                <p class="muted" data-testid="total">
                    {format!("{} event{}", response.total, if response.total == 1 { "" } else { "s" })}
                </p>
                {if response.total == 0 {
                    Some(view! { <p class="empty">"No event matches. Try fewer words or remove a filter."</p> })
                } else {
                    None
                }}
                {hits}
                <nav class="pager" aria-label="Pages">
                    {prev.map(|h| view! { <a href=h rel="prev">"← Previous"</a> })}
                    <span class="muted">{format!("Page {page} of {pages}")}</span>
                    {next.map(|h| view! { <a href=h rel="next" data-testid="next-page">"Next →"</a> })}
                </nav>
            </section>
        </div>
    }
}

#[component]
fn Facet(group: FacetGroup, params: SearchParams) -> impl IntoView {
    if group.values.is_empty() {
        return ().into_any();
    }
    let key = group.key.clone();
    let values = group
        .values
        .into_iter()
        .map(|v| {
            let target = if v.selected {
                params.with_facet(&key, None)
            } else {
                params.with_facet(&key, Some(v.value.clone()))
            };
            let value = v.value.clone();
            view! {
                <li>
                    <a
                        href=href(&target)
                        class:selected=v.selected
                        data-facet=key.clone()
                        data-value=value
                    >
                        <span>{v.value}</span>
                        <span class="count">{v.count}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="facet">
            <h3>{group.label}</h3>
            <ul>{values}</ul>
        </section>
    }
    .into_any()
}

#[component]
fn HitCard(hit: EventHit) -> impl IntoView {
    let link = format!("/events/{}", hit.name);
    let name = hit.name.clone();
    view! {
        <article class="card" data-testid="result" data-event=name>
            <div class="card-head">
                <a class="card-title" href=link>{hit.title}</a>
                <span class=format!("badge lifecycle-{}", hit.lifecycle)>{hit.lifecycle.clone()}</span>
            </div>
            <div class="muted mono">{hit.name}</div>
            <p class="snippet" inner_html=hit.snippet_html></p>
            <div class="card-foot">
                <TagChips tags=hit.tags/>
                <span class="muted">
                    {format!("{} · {} · home: {}", hit.team, hit.domain, hit.home_cluster)}
                </span>
            </div>
        </article>
    }
}
