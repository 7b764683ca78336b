//! Curation on both databases: owners and admins edit, everyone else gets
//! 401/403 and nothing changes; bad input changes nothing; search follows.

mod common;

use switchboard::catalogue::{repo, seed};
use switchboard::config::Config;
use switchboard::db::Db;

use common::app::TestApp;
use common::json;

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
    let app = TestApp::over(db.clone(), config()).await;
    let uri = format!("/api/v1/events/{EVENT}");
    let before = title(&db).await;

    assert_eq!(
        app.anonymous()
            .call("PATCH", &uri, Some(&patch("Hijacked", "retired")))
            .await
            .0,
        401
    );
    let stranger = app.as_user(&other);
    let (status, _) = stranger
        .call("PATCH", &uri, Some(&patch("Hijacked", "retired")))
        .await;
    assert_eq!(status, 403);
    assert_eq!(title(&db).await, before);
    let (_, body) = stranger.call("GET", &uri, None).await;
    assert_eq!(json(&body)["can_edit"], false);

    let owner_client = app.as_user(&owner);
    let (_, body) = owner_client.call("GET", &uri, None).await;
    assert_eq!(json(&body)["can_edit"], true);
    let (status, body) = owner_client
        .call(
            "PATCH",
            &uri,
            Some(&patch("Customer record changed", "deprecated")),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let e = json(&body);
    assert_eq!(e["title"], "Customer record changed");
    assert_eq!(e["lifecycle"], "deprecated");
    assert_eq!(e["history"][0]["action"], "event.updated");
    assert_eq!(e["history"][0]["actor"], owner.as_str());

    // The next search sees the change (the same app: the edit updated its index).
    let (_, body) = app
        .anonymous()
        .call("GET", "/api/v1/events?q=record+changed", None)
        .await;
    assert_eq!(json(&body)["hits"][0]["name"], EVENT);

    let admin = app.as_user("root.admin");
    let (status, _) = admin
        .call("PATCH", &uri, Some(&patch("By the admin", "published")))
        .await;
    assert_eq!(status, 200);
    assert_eq!(title(&db).await, "By the admin");
}

async fn invalid_patches_change_nothing(db: Db) {
    let (owner, _) = seeded(&db).await;
    let app = TestApp::over(db.clone(), config()).await;
    let uri = format!("/api/v1/events/{EVENT}");
    let client = app.as_user(&owner);
    let before = repo::get_event(&db, EVENT).await.expect("q").expect("e");
    for body in [
        patch("", "published"),
        patch("ok", "vanished"),
        patch("ok", "published").replace("\"cdc\"", "\"no-such-tag\""),
        patch("ok", "published")
            .replace("\"field_tags\":{}", "\"field_tags\":{\"nope\":[\"pii\"]}"),
        "{not json".to_string(),
    ] {
        let (status, text) = client.call("PATCH", &uri, Some(&body)).await;
        assert_eq!(status, 400, "{body}: {text}");
        assert_eq!(json(&text)["error"]["code"], "invalid_input");
    }
    assert_eq!(
        repo::get_event(&db, EVENT).await.expect("q").expect("e"),
        before
    );
    let (status, _) = client
        .call(
            "PATCH",
            "/api/v1/events/no.such.event",
            Some(&patch("x", "draft")),
        )
        .await;
    assert_eq!(status, 404);
}

async fn only_admins_manage_tags_and_teams(db: Db) {
    let (owner, _) = seeded(&db).await;
    let app = TestApp::over(db, config()).await;
    let tag = r##"{"name":"gdpr-art9","description":"Special category data","colour":"#aa0000","classification":false}"##;
    let team = r#"{"id":"payments","name":"Payments","description":"","members":["new.person"]}"#;
    let member = app.as_user(&owner);
    let anonymous = app.anonymous();
    assert_eq!(member.call("POST", "/api/v1/tags", Some(tag)).await.0, 403);
    assert_eq!(
        member.call("POST", "/api/v1/teams", Some(team)).await.0,
        403
    );
    assert_eq!(
        anonymous.call("POST", "/api/v1/tags", Some(tag)).await.0,
        401
    );
    let admin = app.as_user("root.admin");
    let bad = tag.replace("#aa0000", "red");
    assert_eq!(admin.call("POST", "/api/v1/tags", Some(&bad)).await.0, 400);
    assert!(!anonymous
        .call("GET", "/api/v1/tags", None)
        .await
        .1
        .contains("gdpr-art9"));
    assert_eq!(admin.call("POST", "/api/v1/tags", Some(tag)).await.0, 204);
    assert_eq!(admin.call("POST", "/api/v1/teams", Some(team)).await.0, 204);
    assert!(anonymous
        .call("GET", "/api/v1/tags", None)
        .await
        .1
        .contains("gdpr-art9"));
    assert!(admin
        .call("GET", "/api/v1/teams", None)
        .await
        .1
        .contains("new.person"));
}
