//! Behaviour of the whole module through its public API, on small indexes.

use super::*;

fn field(path: &str, doc: &str) -> FieldDoc {
    FieldDoc {
        path: path.into(),
        doc: doc.into(),
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn catalogue() -> Vec<EventDoc> {
    vec![
        EventDoc {
            name: "crm.customer.changed".into(),
            title: "Customer changed".into(),
            description: "CDC feed of **customer** master data from the CRM. \
                          <script>alert(1)</script>"
                .into(),
            team: "crm".into(),
            domain: "customer".into(),
            lifecycle: "active".into(),
            tags: strings(&["pii", "cdc"]),
            classification: Some("pii".into()),
            clusters: strings(&["onprem-dc1", "aws-eu-west-1"]),
            fields: vec![
                field("customerId", "Unique id of the customer"),
                field("contact.emailAddress", "Primary e-mail"),
            ],
            updated_at: 300,
        },
        EventDoc {
            name: "network.alarm.raised".into(),
            title: "Network alarm raised".into(),
            description: "Raised when network equipment reports a fault. \
                          Feeds incident management."
                .into(),
            team: "network-ops".into(),
            domain: "network".into(),
            lifecycle: "active".into(),
            tags: strings(&["operational"]),
            classification: None,
            clusters: strings(&["onprem-dc1"]),
            fields: vec![field("deviceId", ""), field("severity", "How bad")],
            updated_at: 500,
        },
        EventDoc {
            name: "orders.order.placed".into(),
            title: "Order placed".into(),
            description: "An order was placed by a customer in a shop or online.".into(),
            team: "orders".into(),
            domain: "commerce".into(),
            lifecycle: "active".into(),
            tags: strings(&["business"]),
            classification: None,
            clusters: strings(&["aws-eu-west-1", "gcp-europe-west4"]),
            fields: vec![field("orderId", ""), field("lineItems.productCode", "")],
            updated_at: 100,
        },
        EventDoc {
            name: "field.job.dispatched".into(),
            title: "Field job dispatched".into(),
            description: "A field engineer was dispatched to a job at a customer site.".into(),
            team: "field-service".into(),
            domain: "workforce".into(),
            lifecycle: "deprecated".into(),
            tags: strings(&["operational"]),
            classification: None,
            clusters: strings(&["gcp-europe-west4"]),
            fields: vec![field("jobId", ""), field("engineerId", "")],
            updated_at: 400,
        },
    ]
}

fn index() -> SearchIndex {
    let index = SearchIndex::in_memory().expect("in-memory index");
    index.rebuild(catalogue()).expect("rebuild");
    index
}

fn run(index: &SearchIndex, query: &SearchQuery) -> SearchResults {
    index.search(query).expect("search")
}

fn names(index: &SearchIndex, query: &SearchQuery) -> Vec<String> {
    run(index, query).hits.into_iter().map(|h| h.name).collect()
}

fn found(index: &SearchIndex, text: &str) -> Vec<String> {
    names(index, &SearchQuery::text(text))
}

fn sorted_found(index: &SearchIndex, text: &str) -> Vec<String> {
    let mut found = found(index, text);
    found.sort();
    found
}

#[test]
fn every_indexed_field_is_searchable() {
    let index = index();
    assert_eq!(found(&index, "alarm"), ["network.alarm.raised"]); // title, name
    assert_eq!(found(&index, "incident"), ["network.alarm.raised"]); // description
    assert_eq!(found(&index, "ops"), ["network.alarm.raised"]); // team
    assert_eq!(found(&index, "workforce"), ["field.job.dispatched"]); // domain
    assert_eq!(found(&index, "cdc"), ["crm.customer.changed"]); // tag
    assert_eq!(
        sorted_found(&index, "gcp"),
        ["field.job.dispatched", "orders.order.placed"]
    ); // cluster
    assert!(found(&index, "nothingmatcheshere").is_empty());
}

#[test]
fn schema_field_names_split_camel_case_and_docs_are_searchable() {
    let index = index();
    assert_eq!(found(&index, "customerId")[0], "crm.customer.changed");
    assert_eq!(found(&index, "emailAddress"), ["crm.customer.changed"]);
    assert_eq!(found(&index, "email"), ["crm.customer.changed"]);
    assert_eq!(found(&index, "productCode"), ["orders.order.placed"]);
    assert_eq!(found(&index, "product"), ["orders.order.placed"]);
    assert_eq!(found(&index, "lineItems"), ["orders.order.placed"]);
    assert_eq!(found(&index, "device"), ["network.alarm.raised"]);
    assert_eq!(found(&index, "e-mail"), ["crm.customer.changed"]); // field doc
}

#[test]
fn typos_are_forgiven_by_length() {
    let index = index();
    assert!(found(&index, "custmer").contains(&"crm.customer.changed".to_owned()));
    assert_eq!(found(&index, "netwrk alarm"), ["network.alarm.raised"]);
    assert_eq!(found(&index, "dispatchd"), ["field.job.dispatched"]); // 2 edits
    assert!(found(&index, "jab").is_empty(), "3-letter words are exact");
}

#[test]
fn typos_and_prefixes_match_names_titles_and_fields_but_not_prose() {
    let index = index();
    assert_eq!(found(&index, "equipment"), ["network.alarm.raised"]);
    assert!(found(&index, "equipmnt").is_empty(), "typo in prose only");
    assert!(found(&index, "equip").is_empty(), "prefix in prose only");
    // `engineerId` is a schema field: its words forgive typos.
    assert_eq!(found(&index, "enginer"), ["field.job.dispatched"]);
}

#[test]
fn last_word_matches_as_a_prefix_only() {
    let index = index();
    assert_eq!(found(&index, "dispa"), ["field.job.dispatched"]);
    assert_eq!(found(&index, "field dispa"), ["field.job.dispatched"]);
    assert!(found(&index, "dispa field").is_empty());
    assert!(found(&index, "custo").contains(&"crm.customer.changed".to_owned()));
}

#[test]
fn quoted_phrases_need_adjacent_words() {
    let index = index();
    assert_eq!(
        found(&index, "\"network equipment\""),
        ["network.alarm.raised"]
    );
    assert!(found(&index, "\"equipment network\"").is_empty());
    assert_eq!(
        found(&index, "\"reports a fault\""),
        ["network.alarm.raised"]
    );
}

#[test]
fn names_and_titles_outrank_descriptions() {
    let index = SearchIndex::in_memory().expect("index");
    let doc = |name: &str, title: &str, description: &str| EventDoc {
        name: name.into(),
        title: title.into(),
        description: description.into(),
        ..EventDoc::default()
    };
    index
        .rebuild([
            doc(
                "ledger.run",
                "Ledger",
                "Settlement settlement, each settlement run",
            ),
            doc("billing.report", "Settlement report", "Monthly numbers."),
        ])
        .expect("rebuild");
    assert_eq!(
        found(&index, "settlement"),
        ["billing.report", "ledger.run"]
    );
    assert_eq!(found(&index, "ledger"), ["ledger.run"]);
}

#[test]
fn facet_filters_or_within_and_across_facets() {
    let index = index();
    let query = |team: &[&str], tag: &[&str]| SearchQuery {
        team: strings(team),
        tag: strings(tag),
        sort: Sort::Name,
        ..SearchQuery::default()
    };
    assert_eq!(
        names(&index, &query(&[], &["operational"])),
        ["field.job.dispatched", "network.alarm.raised"]
    );
    assert_eq!(
        names(&index, &query(&["network-ops"], &["operational"])),
        ["network.alarm.raised"]
    );
    assert_eq!(
        names(&index, &query(&["orders", "crm"], &[])),
        ["crm.customer.changed", "orders.order.placed"]
    );
    assert!(
        names(&index, &query(&["Orders"], &[])).is_empty(),
        "exact values"
    );
    let by_cluster = SearchQuery {
        cluster: strings(&["onprem-dc1"]),
        classification: strings(&["pii"]),
        lifecycle: strings(&["active"]),
        domain: strings(&["customer"]),
        ..SearchQuery::default()
    };
    assert_eq!(names(&index, &by_cluster), ["crm.customer.changed"]);
}

#[test]
fn facet_counts_apply_the_text_and_the_other_facets_filters() {
    let index = index();
    let results = run(
        &index,
        &SearchQuery {
            tag: strings(&["operational"]),
            ..SearchQuery::default()
        },
    );
    assert_eq!(results.total, 2);
    let counts = |pairs: &[(&str, u64)]| -> Vec<(String, u64)> {
        pairs.iter().map(|(v, n)| ((*v).to_owned(), *n)).collect()
    };
    // The tag facet ignores its own filter, so other tags stay selectable.
    assert_eq!(
        results.facets.tag,
        counts(&[("operational", 2), ("business", 1), ("cdc", 1), ("pii", 1)])
    );
    assert_eq!(
        results.facets.team,
        counts(&[("field-service", 1), ("network-ops", 1)])
    );
    assert_eq!(
        results.facets.lifecycle,
        counts(&[("active", 1), ("deprecated", 1)])
    );
    assert!(results.facets.classification.is_empty());

    let results = run(&index, &SearchQuery::text("network"));
    assert_eq!(results.facets.team, counts(&[("network-ops", 1)]));
    assert_eq!(results.facets.cluster, counts(&[("onprem-dc1", 1)]));
}

#[test]
fn sorts_by_relevance_name_and_update_time() {
    let index = index();
    let all = |sort| SearchQuery {
        sort,
        ..SearchQuery::default()
    };
    let by_name = [
        "crm.customer.changed",
        "field.job.dispatched",
        "network.alarm.raised",
        "orders.order.placed",
    ];
    assert_eq!(names(&index, &all(Sort::Relevance)), by_name);
    assert_eq!(names(&index, &all(Sort::Name)), by_name);
    assert_eq!(
        names(&index, &all(Sort::Updated)),
        [
            "network.alarm.raised",
            "field.job.dispatched",
            "crm.customer.changed",
            "orders.order.placed",
        ]
    );
    let customer = |sort| SearchQuery {
        sort,
        ..SearchQuery::text("customer")
    };
    assert_eq!(
        names(&index, &customer(Sort::Relevance))[0],
        "crm.customer.changed"
    );
    assert_eq!(
        names(&index, &customer(Sort::Name)),
        [
            "crm.customer.changed",
            "field.job.dispatched",
            "orders.order.placed"
        ]
    );
    assert_eq!(
        names(&index, &customer(Sort::Updated)),
        [
            "field.job.dispatched",
            "crm.customer.changed",
            "orders.order.placed"
        ]
    );
}

#[test]
fn pages_are_cut_and_per_page_capped() {
    let index = SearchIndex::in_memory().expect("index");
    let docs = (0..150).map(|i| EventDoc {
        name: format!("ev.{i:03}"),
        title: "Generated event".into(),
        ..EventDoc::default()
    });
    index.rebuild(docs).expect("rebuild");
    let page = |page, per_page| SearchQuery {
        page,
        per_page,
        ..SearchQuery::text("generated")
    };
    let first = run(&index, &page(1, 2));
    assert_eq!(first.total, 150);
    assert_eq!(
        first
            .hits
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["ev.000", "ev.001"]
    );
    assert_eq!(names(&index, &page(2, 2)), ["ev.002", "ev.003"]);
    assert_eq!(names(&index, &page(0, 2)), ["ev.000", "ev.001"]);
    assert_eq!(names(&index, &page(1, 1000)).len(), MAX_PER_PAGE);
    assert_eq!(names(&index, &page(2, 100)).len(), 50);
    assert!(names(&index, &page(3, 100)).is_empty());
    assert!(names(&index, &page(usize::MAX, usize::MAX)).is_empty());
}

#[test]
fn snippets_mark_matches_and_escape_html() {
    let index = index();
    let snippet = |text: &str, name: &str| {
        run(&index, &SearchQuery::text(text))
            .hits
            .into_iter()
            .find(|h| h.name == name)
            .map(|h| h.snippet_html)
            .expect("hit")
    };
    let html = snippet("customer", "crm.customer.changed");
    assert!(html.contains("<mark>customer</mark> master"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    let html = snippet("custmer", "crm.customer.changed");
    assert!(
        html.contains("<mark>customer</mark>"),
        "typo highlighted: {html}"
    );
    // No match in the description: the title is highlighted instead.
    assert_eq!(
        snippet("alarm", "network.alarm.raised"),
        "Network <mark>alarm</mark> raised"
    );
    // Nothing to highlight: the description's start, escaped.
    let html = snippet("", "crm.customer.changed");
    assert!(html.starts_with("CDC feed of customer"), "{html}");
    assert!(!html.contains("<script"), "{html}");
}

#[test]
fn bad_input_never_errors() {
    let index = index();
    let long = "customer ".repeat(2000);
    let inputs = [
        "",
        "   ",
        "\"",
        "\"unbalanced",
        "net\"work",
        "AND",
        "OR NOT",
        "+",
        "-",
        ":",
        "(",
        ")",
        "team:crm",
        "customer AND (order OR",
        "***",
        "\\",
        "[a TO b]",
        "~2^3",
        "🙂",
        "\u{0}",
        "a\"b\"c\"d",
        &long,
    ];
    for text in inputs {
        let results = index.search(&SearchQuery::text(text));
        assert!(results.is_ok(), "{text:?}: {results:?}");
    }
    assert_eq!(run(&index, &SearchQuery::text("")).total, 4);
    assert_eq!(run(&index, &SearchQuery::text("")).notice, None);
    let shortened = run(&index, &SearchQuery::text(long));
    assert!(shortened.notice.is_some_and(|n| n.contains("shortened")));
    assert_eq!(shortened.hits[0].name, "crm.customer.changed");
    assert_eq!(
        found(&index, "customer AND (order OR"),
        ["orders.order.placed"]
    );
    let no_words = run(&index, &SearchQuery::text("+ - ( )"));
    assert_eq!(no_words.total, 4);
    assert!(no_words.notice.is_some());
}

#[test]
fn rebuild_replaces_all_documents() {
    let index = index();
    let only = EventDoc {
        name: "new.only".into(),
        title: "Only event".into(),
        ..EventDoc::default()
    };
    index.rebuild([only]).expect("rebuild");
    assert_eq!(found(&index, ""), ["new.only"]);
    assert!(found(&index, "customer").is_empty());
}

#[test]
fn upsert_replaces_by_name_and_delete_removes() {
    let index = index();
    let mut changed = catalogue().remove(0);
    changed.title = "Client changed".into();
    changed.team = "clients".into();
    index.upsert(changed).expect("upsert");
    let all = run(&index, &SearchQuery::default());
    assert_eq!(all.total, 4, "no duplicate");
    assert_eq!(found(&index, "client"), ["crm.customer.changed"]);
    assert!(!all.facets.team.iter().any(|(team, _)| team == "crm"));

    let new = EventDoc {
        name: "brand.new".into(),
        title: "Brand new".into(),
        ..EventDoc::default()
    };
    index.upsert(new).expect("upsert new");
    assert_eq!(found(&index, "brand"), ["brand.new"]);

    index.delete("crm.customer.changed").expect("delete");
    index.delete("no.such.event").expect("delete missing");
    assert!(found(&index, "client").is_empty());
    assert_eq!(run(&index, &SearchQuery::default()).total, 4);
}

#[test]
fn open_reports_when_a_rebuild_is_needed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("index");

    let (index, needs_rebuild) = SearchIndex::open(&path).expect("open new");
    assert!(needs_rebuild, "missing index");
    index.rebuild(catalogue()).expect("rebuild");
    drop(index);

    let (index, needs_rebuild) = SearchIndex::open(&path).expect("open current");
    assert!(!needs_rebuild, "current layout");
    assert_eq!(run(&index, &SearchQuery::default()).total, 4);
    drop(index);

    let marker = path.join("switchboard-layout");
    std::fs::write(&marker, format!("{}\n", LAYOUT_VERSION - 1)).expect("old marker");
    let (index, needs_rebuild) = SearchIndex::open(&path).expect("open old");
    assert!(needs_rebuild, "older layout");
    assert_eq!(run(&index, &SearchQuery::default()).total, 0, "wiped");
    index.rebuild(catalogue()).expect("rebuild");
    drop(index);

    std::fs::remove_file(path.join("meta.json")).expect("break the index");
    let (index, needs_rebuild) = SearchIndex::open(&path).expect("open broken");
    assert!(needs_rebuild, "unreadable index");
    assert_eq!(run(&index, &SearchQuery::default()).total, 0);
}

#[test]
fn open_never_wipes_an_index_in_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (live, _) = SearchIndex::open(dir.path()).expect("open");
    live.rebuild(catalogue()).expect("rebuild");
    assert!(matches!(
        SearchIndex::open(dir.path()),
        Err(SearchError::Locked)
    ));
    std::fs::write(dir.path().join("switchboard-layout"), "0").expect("old marker");
    assert!(matches!(
        SearchIndex::open(dir.path()),
        Err(SearchError::Locked)
    ));
    assert!(dir.path().join("meta.json").exists(), "not wiped");
    assert_eq!(run(&live, &SearchQuery::default()).total, 4);
}

#[test]
fn index_is_shareable_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<SearchIndex>();
    let index = std::sync::Arc::new(index());
    let reader = std::sync::Arc::clone(&index);
    let handle = std::thread::spawn(move || reader.search(&SearchQuery::text("alarm")).is_ok());
    index.delete("orders.order.placed").expect("delete");
    assert!(handle.join().expect("thread"));
}
