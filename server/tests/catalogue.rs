//! Catalogue on both databases: demo seed, search through the REST API,
//! event detail, and refusals that change nothing.

mod common;

use switchboard::catalogue::model::EventSpec;
use switchboard::catalogue::{repo, seed};
use switchboard::db::Db;

use common::{json, test_config};

backend_suite!(
    demo_seed_is_complete_and_idempotent,
    search_finds_fields_filters_and_pages,
    malformed_queries_never_fail,
    huge_queries_do_not_grow_the_search_cache,
    event_detail_has_schema_tree_with_pii_flags,
    duplicate_and_invalid_events_change_nothing,
);

async fn seeded(db: &Db) {
    switchboard::serve::register_clusters(db, switchboard::demo::demo_clusters(19092))
        .await
        .expect("clusters");
    seed::seed_database(db).await.expect("seed");
}

async fn get(db: &Db, uri: &str) -> serde_json::Value {
    let (status, body) = common::call(db, &test_config(), "GET", uri).await;
    assert_eq!(status, 200, "{uri}: {body}");
    json(&body)
}

async fn demo_seed_is_complete_and_idempotent(db: Db) {
    seeded(&db).await;
    let events = repo::list_events(&db).await.expect("list");
    assert!(events.len() >= 40);
    assert_eq!(seed::seed_database(&db).await.expect("again"), 0);
    assert_eq!(
        repo::list_events(&db).await.expect("list").len(),
        events.len()
    );
    assert!(repo::list_teams(&db).await.expect("teams").len() >= 6);
}

async fn search_finds_fields_filters_and_pages(db: Db) {
    seeded(&db).await;
    let all = get(&db, "/api/v1/events").await;
    let total = all["total"].as_u64().expect("total");
    assert!(total >= 40);
    assert_eq!(all["hits"].as_array().expect("hits").len(), 20);

    // A schema field name finds the events that carry it.
    let by_field = get(&db, "/api/v1/events?q=msisdn").await;
    assert!(by_field["total"].as_u64().expect("total") > 0);
    let camel = get(&db, "/api/v1/events?q=customerId").await;
    assert!(
        camel["total"].as_u64().expect("total") > 0,
        "customerId finds customer_id fields"
    );

    // A typo still finds; a facet narrows, and every hit carries it.
    let typo = get(&db, "/api/v1/events?q=custmer").await;
    assert!(typo["total"].as_u64().expect("total") > 0);
    let pii = get(&db, "/api/v1/events?q=customer&classification=pii").await;
    let hits = pii["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    for h in hits {
        assert!(
            h["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .any(|t| t["name"] == "pii"),
            "{h}"
        );
    }
    let facets = pii["facets"].as_array().expect("facets");
    let classification = facets
        .iter()
        .find(|f| f["key"] == "classification")
        .expect("facet");
    assert!(classification["values"]
        .as_array()
        .expect("values")
        .iter()
        .any(|v| v["value"] == "pii" && v["selected"] == true));

    // Paging and sorting by name.
    let p2 = get(&db, "/api/v1/events?sort=name&page=2&per_page=10").await;
    let names: Vec<&str> = p2["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["name"].as_str().expect("name"))
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 10);
    assert_eq!(p2["page"], 2);
}

async fn malformed_queries_never_fail(db: Db) {
    seeded(&db).await;
    let long = "x".repeat(3000);
    for q in [
        "%22unbalanced",
        "AND",
        "%2B-%3A(",
        "*",
        "OR%20OR",
        long.as_str(),
    ] {
        get(&db, &format!("/api/v1/events?q={q}")).await;
    }
    let (status, body) =
        common::call(&db, &test_config(), "GET", "/api/v1/events?page=notanumber").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(json(&body)["error"]["code"], "invalid_input");
}

/// 40 distinct 1.5 MB queries through one server (by the portal's search
/// server function: a URL cannot be that long): the search cache holds
/// their answers, not their queries.
async fn huge_queries_do_not_grow_the_search_cache(db: Db) {
    use tower::ServiceExt;
    seeded(&db).await;
    let index = std::sync::Arc::new(switchboard::search::SearchIndex::in_memory().expect("index"));
    let state = switchboard::serve::app_state(db.clone(), &test_config(), index, None);
    state.catalogue.reindex().await.expect("index");
    let catalogue = state.catalogue.clone();
    let router = switchboard::http::router(state);
    let search = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .find(|path| path.starts_with("/api/search_events"))
        .expect("search server function");
    let huge = "x".repeat(1_500_000);
    let filter = "y".repeat(100_000);
    for i in 0..40 {
        let body = format!("params[q]={i}{huge}&params[team]={filter}{i}&params[tag]={filter}");
        let request = axum::http::Request::post(search)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body))
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("answer");
        assert_eq!(response.status(), 200);
    }
    let (entries, bytes) = catalogue.search_cache_footprint();
    assert_eq!(entries, 40, "every answer is kept");
    assert!(bytes < 2 * 1024 * 1024, "{bytes} bytes for 40 answers");
}

async fn event_detail_has_schema_tree_with_pii_flags(db: Db) {
    seeded(&db).await;
    let pii = get(&db, "/api/v1/events?classification=pii&per_page=1").await;
    let name = pii["hits"][0]["name"]
        .as_str()
        .expect("a pii event")
        .to_string();
    let e = get(&db, &format!("/api/v1/events/{name}")).await;
    assert_eq!(e["name"], name.as_str());
    let fields = e["value_fields"].as_array().expect("fields");
    assert!(fields.len() >= 3);
    assert!(fields.iter().any(|f| f["pii"] == true), "{e}");
    assert!(!e["availability"]
        .as_array()
        .expect("availability")
        .is_empty());
    assert!(e["history"][0]["action"] == "event.created");
    let (status, _) =
        common::call(&db, &test_config(), "GET", "/api/v1/events/no.such.event").await;
    assert_eq!(status, 404);
}

async fn duplicate_and_invalid_events_change_nothing(db: Db) {
    seeded(&db).await;
    let before = repo::list_events(&db).await.expect("list").len();
    let existing = repo::list_events(&db).await.expect("list")[0].spec.clone();
    let err = repo::insert_event(&db, &existing, "test")
        .await
        .expect_err("duplicate");
    assert!(matches!(err, switchboard::db::DbError::Conflict), "{err:?}");

    let bad_topic = EventSpec {
        name: "brand.new.event".into(),
        topic: "has space".into(),
        ..existing.clone()
    };
    let msg = bad_topic.check().expect_err("invalid topic").0;
    assert!(msg.contains("letters, digits"), "{msg}");
    assert_eq!(repo::list_events(&db).await.expect("list").len(), before);

    // Markdown with script is neutralised on the way out.
    let xss = EventSpec {
        name: "xss.test.event".into(),
        topic: "xss.test.event".into(),
        description: "<script>alert(1)</script>\n\nSee [x](javascript:alert(1)).".into(),
        ..existing
    };
    repo::insert_event(&db, &xss, "test").await.expect("insert");
    let e = get(&db, "/api/v1/events/xss.test.event").await;
    let html = e["description_html"].as_str().expect("html");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("<a href=\"#\">x</a>"), "{html}");
}
