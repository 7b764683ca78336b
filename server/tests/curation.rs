//! Curation on both databases: owners and admins edit, everyone else gets
//! 401/403 and nothing changes; bad input changes nothing; search follows.

mod common;

use switchboard::catalogue::{repo, seed};
use switchboard::config::Config;
use switchboard::db::Db;

use common::{api, json, session};

backend_suite!(
    owners_and_admins_edit_others_cannot,
    invalid_patches_change_nothing,
    only_admins_manage_tags_and_teams,
);

const EVENT: &str = "customer.updated";

fn config() -> Config {
    let mut c = common::test_config();
    c.auth.admins = vec!["root.admin".into()];
    c
}

async fn seeded(db: &Db) -> (String, String) {
    switchboard::serve::register_clusters(db, switchboard::demo::demo_clusters(19092))
        .await
        .expect("clusters");
    seed::seed_database(db).await.expect("seed");
    let e = repo::get_event(db, EVENT)
        .await
        .expect("q")
        .expect("demo event exists");
    let teams = repo::list_teams(db).await.expect("teams");
    let owner = teams
        .iter()
        .find(|t| t.id == e.spec.team)
        .expect("owner team")
        .members[0]
        .clone();
    let other = teams
        .iter()
        .find(|t| t.id != e.spec.team && !t.members.contains(&owner))
        .expect("another team")
        .members[0]
        .clone();
    (owner, other)
}

fn patch(title: &str, lifecycle: &str) -> String {
    serde_json::json!({
        "title": title, "description": "Changed **by** the owners.", "domain": "customer",
        "lifecycle": lifecycle, "tags": ["pii", "cdc"], "field_tags": {}
    })
    .to_string()
}

async fn title(db: &Db) -> String {
    repo::get_event(db, EVENT)
        .await
        .expect("q")
        .expect("event")
        .spec
        .title
}

async fn owners_and_admins_edit_others_cannot(db: Db) {
    let (owner, other) = seeded(&db).await;
    let cfg = config();
    let uri = format!("/api/v1/events/{EVENT}");
    let before = title(&db).await;

    assert_eq!(
        api(
            &db,
            &cfg,
            "PATCH",
            &uri,
            None,
            Some(&patch("Hijacked", "retired"))
        )
        .await
        .0,
        401
    );
    let stranger = session(&db, &cfg, &other).await;
    let (status, _) = api(
        &db,
        &cfg,
        "PATCH",
        &uri,
        Some(&stranger),
        Some(&patch("Hijacked", "retired")),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(title(&db).await, before);
    let (_, body) = api(&db, &cfg, "GET", &uri, Some(&stranger), None).await;
    assert_eq!(json(&body)["can_edit"], false);

    let owner_cookie = session(&db, &cfg, &owner).await;
    let (_, body) = api(&db, &cfg, "GET", &uri, Some(&owner_cookie), None).await;
    assert_eq!(json(&body)["can_edit"], true);
    let (status, body) = api(
        &db,
        &cfg,
        "PATCH",
        &uri,
        Some(&owner_cookie),
        Some(&patch("Customer record changed", "deprecated")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let e = json(&body);
    assert_eq!(e["title"], "Customer record changed");
    assert_eq!(e["lifecycle"], "deprecated");
    assert_eq!(e["history"][0]["action"], "event.updated");
    assert_eq!(e["history"][0]["actor"], owner.as_str());

    // The next search sees the change.
    let (_, body) = api(
        &db,
        &cfg,
        "GET",
        "/api/v1/events?q=record+changed",
        None,
        None,
    )
    .await;
    assert_eq!(json(&body)["hits"][0]["name"], EVENT);

    let admin = session(&db, &cfg, "root.admin").await;
    let (status, _) = api(
        &db,
        &cfg,
        "PATCH",
        &uri,
        Some(&admin),
        Some(&patch("By the admin", "published")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(title(&db).await, "By the admin");
}

async fn invalid_patches_change_nothing(db: Db) {
    let (owner, _) = seeded(&db).await;
    let cfg = config();
    let uri = format!("/api/v1/events/{EVENT}");
    let cookie = session(&db, &cfg, &owner).await;
    let before = repo::get_event(&db, EVENT).await.expect("q").expect("e");
    for body in [
        patch("", "published"),
        patch("ok", "vanished"),
        patch("ok", "published").replace("\"cdc\"", "\"no-such-tag\""),
        patch("ok", "published")
            .replace("\"field_tags\":{}", "\"field_tags\":{\"nope\":[\"pii\"]}"),
        "{not json".to_string(),
    ] {
        let (status, text) = api(&db, &cfg, "PATCH", &uri, Some(&cookie), Some(&body)).await;
        assert_eq!(status, 400, "{body}: {text}");
        assert_eq!(json(&text)["error"]["code"], "invalid_input");
    }
    assert_eq!(
        repo::get_event(&db, EVENT).await.expect("q").expect("e"),
        before
    );
    let (status, _) = api(
        &db,
        &cfg,
        "PATCH",
        "/api/v1/events/no.such.event",
        Some(&cookie),
        Some(&patch("x", "draft")),
    )
    .await;
    assert_eq!(status, 404);
}

async fn only_admins_manage_tags_and_teams(db: Db) {
    let (owner, _) = seeded(&db).await;
    let cfg = config();
    let tag = r##"{"name":"gdpr-art9","description":"Special category data","colour":"#aa0000","classification":false}"##;
    let team = r#"{"id":"payments","name":"Payments","description":"","members":["new.person"]}"#;
    let member = session(&db, &cfg, &owner).await;
    assert_eq!(
        api(&db, &cfg, "POST", "/api/v1/tags", Some(&member), Some(tag))
            .await
            .0,
        403
    );
    assert_eq!(
        api(
            &db,
            &cfg,
            "POST",
            "/api/v1/teams",
            Some(&member),
            Some(team)
        )
        .await
        .0,
        403
    );
    assert_eq!(
        api(&db, &cfg, "POST", "/api/v1/tags", None, Some(tag))
            .await
            .0,
        401
    );
    let admin = session(&db, &cfg, "root.admin").await;
    let bad = tag.replace("#aa0000", "red");
    assert_eq!(
        api(&db, &cfg, "POST", "/api/v1/tags", Some(&admin), Some(&bad))
            .await
            .0,
        400
    );
    assert!(!api(&db, &cfg, "GET", "/api/v1/tags", None, None)
        .await
        .1
        .contains("gdpr-art9"));
    assert_eq!(
        api(&db, &cfg, "POST", "/api/v1/tags", Some(&admin), Some(tag))
            .await
            .0,
        204
    );
    assert_eq!(
        api(&db, &cfg, "POST", "/api/v1/teams", Some(&admin), Some(team))
            .await
            .0,
        204
    );
    assert!(api(&db, &cfg, "GET", "/api/v1/tags", None, None)
        .await
        .1
        .contains("gdpr-art9"));
    assert!(api(&db, &cfg, "GET", "/api/v1/teams", Some(&admin), None)
        .await
        .1
        .contains("new.person"));
}
