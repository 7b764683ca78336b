//! The access workflow on both databases: each request kind end to end,
//! routing (owner, data protection, platform), rejection, cancellation,
//! duplicates, end-date policy, smuggled fields, revocation, expiry, the
//! inbox per role and bulk decisions. The state machine's own table of
//! transitions is unit-tested in `server/src/access/state.rs`.

mod common;

use app::access::{
    Decision, InboxFilter, NewApplication, NewEventForm, Principal, ProduceForm, RequestKind,
    RequestState, RequestView,
};
use app::auth::Caller;
use app::error::ErrorCode;
use serde_json::Value;
use sqlx::Row;
use switchboard::db::Db;

use common::app::{admin_config, consume_form, TestApp, ADMIN};
use common::json;

backend_suite!(
    consume_pii_event_on_another_cluster_end_to_end,
    produce_on_the_home_cluster_end_to_end,
    new_event_end_to_end,
    new_event_check_lists_problems_and_stores_nothing,
    rejection_frees_the_slot_and_cancel_is_the_requesters,
    nobody_approves_their_own_request_and_comments_are_required,
    duplicate_open_request_is_409_with_its_id,
    end_dates_in_the_past_or_beyond_policy_are_refused,
    smuggled_team_and_role_are_ignored,
    revoke_enqueues_delete_jobs_for_exactly_the_bindings,
    revoke_keeps_the_bindings_another_grant_holds,
    expiry_sweep_announces_once_then_expires,
    inbox_and_count_per_role,
    bulk_approval_with_one_failing_item,
    admins_reassign_the_owner_step,
    applications_are_registered_by_their_team,
    principals_outside_kafka_syntax_are_refused,
);

// customer-insights
const ZOE: &str = "zoe.williams";
const ARJUN: &str = "arjun.mehta";
// crm-customer-data: owns customer.updated (PII, home aws)
const SOFIA: &str = "sofia.martins";
const MEI: &str = "mei.chen";
// data-protection
const MARGARET: &str = "margaret.oduya";
const THOMAS: &str = "thomas.weber";
// field-service: owns fieldservice.job.assigned (internal, home onprem)
const GARETH: &str = "gareth.evans";
const NADIA: &str = "nadia.rahman";
// service-desk
const KATE: &str = "kate.morgan";

const PII_EVENT: &str = "customer.updated";
const PII_TOPIC: &str = "crm.customer.updated.v1";
const PLAIN_EVENT: &str = "fieldservice.job.assigned";

async fn env(db: Db) -> TestApp {
    TestApp::seeded(db, admin_config()).await
}

fn decision(id: &str, approve: bool, comment: &str) -> Decision {
    Decision {
        request: id.into(),
        approve,
        comment: comment.into(),
    }
}

fn new_event_form(team: &str, name: &str, topic: &str) -> NewEventForm {
    NewEventForm {
        team: team.into(),
        name: name.into(),
        title: "Spare part ordered".into(),
        home_cluster: "onprem".into(),
        topic: topic.into(),
        template: "standard".into(),
        value_schema: r#"{"type":"record","name":"PartOrdered","namespace":"fieldservice","fields":[{"name":"part","type":"string","doc":"Part number"}]}"#.into(),
        description: "An engineer ordered a spare part.".into(),
        tags: vec!["internal".into()],
    }
}

async fn jobs_of(db: &Db, request: &str) -> Vec<(String, String, String, Value)> {
    sqlx::query(
        "SELECT kind, cluster_id, state, payload_json FROM provisioning_jobs \
         WHERE request_id = $1 ORDER BY id",
    )
    .bind(request.parse::<i64>().expect("id"))
    .fetch_all(db.pool())
    .await
    .expect("jobs")
    .iter()
    .map(|r| {
        let payload: String = r.get("payload_json");
        (
            r.get("kind"),
            r.get("cluster_id"),
            r.get("state"),
            json(&payload),
        )
    })
    .collect()
}

fn actions(entries: &[(String, Value)]) -> Vec<&str> {
    entries.iter().map(|(a, _)| a.as_str()).collect()
}

async fn consume_pii_event_on_another_cluster_end_to_end(db: Db) {
    let env = env(db).await;
    let app = env
        .register_app(ZOE, "customer-insights", "churn-model", &["gcp"])
        .await;
    let r = env.consume(ZOE, &app, PII_EVENT, "gcp").await;
    assert_eq!(r.state, RequestState::Submitted);
    assert_eq!(r.team, "customer-insights");
    let roles: Vec<(&str, &str)> = r
        .approvals
        .iter()
        .map(|s| (s.role.as_str(), s.team.as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("owner", "crm-customer-data"),
            ("data_protection", "data-protection")
        ]
    );
    assert!(!r.can_decide, "the requester cannot decide");
    assert!(r.can_cancel);

    let after_owner = env.decide(SOFIA, &r.id, true).await;
    assert_eq!(after_owner.state, RequestState::Submitted);
    assert_eq!(env.count("grants").await, 0);
    assert_eq!(env.count("provisioning_jobs").await, 0);

    let done = env.decide(MARGARET, &r.id, true).await;
    assert_eq!(done.state, RequestState::Provisioning);
    let grant = done.grant.as_ref().expect("grant");
    assert_eq!(grant.cluster, "gcp");
    assert_eq!(grant.application, "churn-model");
    assert_eq!(grant.state, "pending");
    assert_eq!(
        grant.operations,
        [
            format!("READ topic:{PII_TOPIC}"),
            format!("DESCRIBE topic:{PII_TOPIC}"),
            "READ group:insights.churn".to_string(),
        ]
    );
    let end = done.end_date.clone().expect("end date");
    assert_eq!(grant.expires_at, format!("{end}T23:59:59Z"));

    // Grant and jobs were written with the final approval.
    let jobs = jobs_of(&env.db, &r.id).await;
    let kinds: Vec<(&str, &str, &str)> = jobs
        .iter()
        .map(|(k, c, s, _)| (k.as_str(), c.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("create_mirror_link", "gcp", "queued"),
            ("create_acls", "gcp", "queued")
        ]
    );
    assert_eq!(jobs[0].3["source_cluster"], "aws");
    assert_eq!(jobs[0].3["target_topic"], PII_TOPIC);
    let bindings = jobs[1].3["bindings"].as_array().expect("bindings");
    assert_eq!(bindings.len(), 3);
    assert!(bindings
        .iter()
        .all(|b| b["principal"] == "User:svc-churn-model" && b["permission"] == "ALLOW"));
    let row = sqlx::query("SELECT state, expires_at FROM grants")
        .fetch_one(env.db.pool())
        .await
        .expect("grant row");
    assert_eq!(row.get::<String, _>("state"), "pending");

    let audit = env.audit_of(&format!("request:{}", r.id)).await;
    assert_eq!(
        actions(&audit),
        [
            "request.submitted",
            "request.step_approved",
            "request.approved",
            "request.provisioning"
        ]
    );
    let submitted = &audit[0].1;
    for key in [
        "id",
        "kind",
        "state",
        "requester",
        "team",
        "event",
        "cluster",
        "pending_teams",
    ] {
        assert!(submitted.get(key).is_some(), "{key} in {submitted}");
    }
    assert_eq!(
        submitted["pending_teams"],
        serde_json::json!(["crm-customer-data", "data-protection"])
    );
    assert_eq!(
        audit[1].1["pending_teams"],
        serde_json::json!(["data-protection"])
    );
    assert_eq!(audit[1].1["comment"], "looks right");
    assert_eq!(audit[3].1["state"], "provisioning");

    // Admins see the queued jobs; others may not.
    let admin_jobs =
        switchboard::provision::admin::unfinished_jobs(&env.db, env.caller(ADMIN).await)
            .await
            .expect("jobs");
    assert_eq!(admin_jobs.len(), 2);
    let err = switchboard::provision::admin::unfinished_jobs(&env.db, env.caller(ZOE).await)
        .await
        .expect_err("not admin");
    assert_eq!(app::error::AppError::from(err).code, ErrorCode::Forbidden);

    // The requester sees it among their requests, and the page.
    let mine = env
        .state
        .access
        .my_requests(env.caller(ARJUN).await)
        .await
        .expect("mine");
    assert!(mine.iter().any(|m| m.id == r.id), "team mates see it");
    let shown = env
        .state
        .access
        .request(env.caller(ZOE).await, &r.id)
        .await
        .expect("shown");
    assert_eq!(shown.jobs.len(), 2);
    assert!(shown.can_revoke);
}

async fn produce_on_the_home_cluster_end_to_end(db: Db) {
    let env = env(db).await;
    let wrong = env
        .register_app(KATE, "service-desk", "desk-aws", &["aws"])
        .await;
    let err = env
        .state
        .access
        .submit_produce(
            env.caller(KATE).await,
            ProduceForm {
                event: PLAIN_EVENT.into(),
                application: wrong,
                purpose: "job updates".into(),
                end_date: None,
            },
        )
        .await
        .expect_err("no principal on the home cluster");
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("onprem"), "{}", err.to_string());

    let app = env
        .register_app(KATE, "service-desk", "desk-sync", &["onprem"])
        .await;
    let r = env
        .state
        .access
        .submit_produce(
            env.caller(KATE).await,
            ProduceForm {
                event: PLAIN_EVENT.into(),
                application: app,
                purpose: "job updates from the desk".into(),
                end_date: None,
            },
        )
        .await
        .expect("produce submitted");
    assert_eq!(r.kind, RequestKind::Produce);
    assert_eq!(r.cluster, "onprem");
    assert_eq!(r.approvals.len(), 1, "internal event: owner only");
    let done = env.decide(GARETH, &r.id, true).await;
    assert_eq!(done.state, RequestState::Provisioning);
    let grant = done.grant.expect("grant");
    assert_eq!(
        grant.operations,
        [
            "WRITE topic:fieldservice.job.assigned.v1",
            "DESCRIBE topic:fieldservice.job.assigned.v1"
        ]
    );
    let jobs = jobs_of(&env.db, &r.id).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].0.as_str(), jobs[0].1.as_str()),
        ("create_acls", "onprem")
    );
    let audit = env.audit_of(&format!("request:{}", r.id)).await;
    assert_eq!(
        actions(&audit),
        [
            "request.submitted",
            "request.approved",
            "request.provisioning"
        ]
    );
}

async fn new_event_end_to_end(db: Db) {
    let env = env(db).await;
    let form = new_event_form(
        "field-service",
        "fieldservice.part.ordered",
        "fieldservice.part.ordered.v1",
    );
    let r = env
        .state
        .access
        .submit_new_event(env.caller(GARETH).await, form.clone())
        .await
        .expect("proposal submitted");
    assert_eq!(r.kind, RequestKind::NewEvent);
    assert_eq!(r.approvals.len(), 1);
    assert_eq!(r.approvals[0].role, "platform");
    // A team mate is not an admin: the platform step is the admins'.
    let err = env
        .state
        .access
        .decide(env.caller(NADIA).await, decision(&r.id, true, "ok"))
        .await
        .expect_err("not admin");
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert!(
        !switchboard::catalogue::repo::event_exists(&env.db, &form.name)
            .await
            .expect("q")
    );

    let done = env.decide(ADMIN, &r.id, true).await;
    assert_eq!(done.state, RequestState::Provisioning);
    assert!(done.grant.is_none());
    let stored = switchboard::catalogue::repo::get_event(&env.db, &form.name)
        .await
        .expect("q")
        .expect("draft event created");
    assert_eq!(stored.spec.lifecycle.as_str(), "draft");
    assert_eq!(stored.spec.team, "field-service");
    assert_eq!(stored.spec.topic, "fieldservice.part.ordered.v1");
    assert_eq!(stored.spec.partitions, Some(6));
    let jobs = jobs_of(&env.db, &r.id).await;
    let kinds: Vec<&str> = jobs.iter().map(|j| j.0.as_str()).collect();
    assert_eq!(kinds, ["create_topic", "register_schema"]);
    assert_eq!(jobs[0].3["partitions"], 6);
    assert_eq!(jobs[0].3["cleanup_policy"], "delete");
    assert_eq!(jobs[1].3["subject"], "fieldservice.part.ordered.v1-value");
    // Search sees the draft.
    let hits = app::services::Catalogue::search(
        &*env.state.catalogue,
        app::catalogue::SearchParams {
            q: "spare part ordered".into(),
            ..Default::default()
        },
    )
    .await
    .expect("search");
    assert!(
        hits.hits.iter().any(|h| h.name == form.name),
        "search finds the draft"
    );
    // A second proposal of the same name is refused, with a link to the first.
    let err = env
        .state
        .access
        .submit_new_event(env.caller(GARETH).await, form)
        .await
        .expect_err("exists");
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(
        err.to_string().contains(&format!("/requests/{}", r.id)),
        "{}",
        err.to_string()
    );
}

async fn new_event_check_lists_problems_and_stores_nothing(db: Db) {
    let env = env(db).await;
    let before = env.count("requests").await;
    let ok = new_event_form(
        "field-service",
        "fieldservice.part.ordered",
        "fieldservice.part.ordered.v1",
    );
    let problems = env
        .state
        .access
        .check_new_event(env.caller(GARETH).await, ok.clone())
        .await
        .expect("checked");
    assert!(problems.is_empty(), "{problems:?}");

    let mut bad = ok.clone();
    bad.name = "PartOrdered".into();
    bad.topic = "fieldservice.job.assigned.v1".into();
    bad.template = "gigantic".into();
    bad.value_schema =
        r#"{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}"#.into();
    bad.tags = vec!["pii".into(), "confidential".into(), "no-such-tag".into()];
    let problems = env
        .state
        .access
        .check_new_event(env.caller(GARETH).await, bad)
        .await
        .expect("checked");
    let all = problems.join("\n");
    for needle in [
        "<domain>.<entity>.<action>",
        "already the topic of event `fieldservice.job.assigned`",
        "template `gigantic`",
        "not valid Avro",
        "no tag `no-such-tag`",
        "at most one classification",
    ] {
        assert!(all.contains(needle), "{needle} missing in:\n{all}");
    }
    let mut unversioned = ok.clone();
    unversioned.topic = "fieldservice.part.ordered".into();
    let problems = env
        .state
        .access
        .check_new_event(env.caller(GARETH).await, unversioned)
        .await
        .expect("checked");
    assert!(
        problems.iter().any(|p| p.contains("version suffix")),
        "{problems:?}"
    );
    // Another team's member hears it as a problem; submitting is a 403.
    let problems = env
        .state
        .access
        .check_new_event(env.caller(KATE).await, ok.clone())
        .await
        .expect("checked");
    assert!(
        problems.iter().any(|p| p.contains("not a member")),
        "{problems:?}"
    );
    let err = env
        .state
        .access
        .submit_new_event(env.caller(KATE).await, ok)
        .await
        .expect_err("not a member");
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(env.count("requests").await, before);

    // Over REST, and anonymous is a 401.
    let body = serde_json::to_string(&new_event_form(
        "field-service",
        "fieldservice.part.ordered",
        "x",
    ))
    .expect("json");
    let cookie = env.as_user(GARETH);
    let (status, text) = cookie
        .call("POST", "/api/v1/requests/new-event/check", Some(&body))
        .await;
    assert_eq!(status, 200, "{text}");
    assert!(json(&text)["problems"][0]
        .as_str()
        .expect("a problem")
        .contains("version suffix"));
    let (status, _) = env
        .anonymous()
        .call("POST", "/api/v1/requests/new-event/check", Some(&body))
        .await;
    assert_eq!(status, 401);
    assert_eq!(env.count("requests").await, before);
}

async fn rejection_frees_the_slot_and_cancel_is_the_requesters(db: Db) {
    let env = env(db).await;
    let app = env
        .register_app(ZOE, "customer-insights", "churn-model", &["gcp", "onprem"])
        .await;
    let r = env.consume(ZOE, &app, PII_EVENT, "gcp").await;
    let rejected = env.decide(MARGARET, &r.id, false).await;
    assert_eq!(rejected.state, RequestState::Rejected);
    assert_eq!(rejected.approvals[1].decision.as_deref(), Some("rejected"));
    assert_eq!(env.count("grants").await, 0);
    assert_eq!(env.count("provisioning_jobs").await, 0);
    let audit = env.audit_of(&format!("request:{}", r.id)).await;
    assert_eq!(actions(&audit), ["request.submitted", "request.rejected"]);
    assert_eq!(audit[1].1["pending_teams"], serde_json::json!([]));
    // Decided: the owner has nothing left to decide.
    let err = env
        .state
        .access
        .decide(env.caller(SOFIA).await, decision(&r.id, true, "ok"))
        .await
        .expect_err("decided");
    assert_eq!(err.code(), ErrorCode::Conflict);

    // A rejected request is closed: asking again is allowed.
    let again = env.consume(ZOE, &app, PII_EVENT, "gcp").await;
    // Only the requester cancels, before the decision.
    let err = env
        .state
        .access
        .cancel(env.caller(ARJUN).await, &again.id)
        .await
        .expect_err("not the requester");
    assert_eq!(err.code(), ErrorCode::Forbidden);
    let cancelled = env
        .state
        .access
        .cancel(env.caller(ZOE).await, &again.id)
        .await
        .expect("cancelled");
    assert_eq!(cancelled.state, RequestState::Cancelled);
    let audit = env.audit_of(&format!("request:{}", again.id)).await;
    assert_eq!(actions(&audit), ["request.submitted", "request.cancelled"]);
    // After the decision, cancel is refused.
    let plain = env.consume(ZOE, &app, PLAIN_EVENT, "onprem").await;
    env.decide(GARETH, &plain.id, true).await;
    let err = env
        .state
        .access
        .cancel(env.caller(ZOE).await, &plain.id)
        .await
        .expect_err("decided");
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(
        err.to_string().contains("provisioning"),
        "{}",
        err.to_string()
    );
}

async fn nobody_approves_their_own_request_and_comments_are_required(db: Db) {
    let env = env(db).await;
    // A CRM member asks for the CRM team's own PII event.
    let app = env
        .register_app(SOFIA, "crm-customer-data", "crm-reporting", &["aws"])
        .await;
    let r = env.consume(SOFIA, &app, PII_EVENT, "aws").await;
    let err = env
        .state
        .access
        .decide(env.caller(SOFIA).await, decision(&r.id, true, "mine"))
        .await
        .expect_err("own request");
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert!(
        err.to_string().contains("own request"),
        "{}",
        err.to_string()
    );
    // Over REST too, and the request is unchanged.
    let cookie = env.as_user(SOFIA);
    let (status, _) = cookie
        .call(
            "POST",
            &format!("/api/v1/requests/{}/decision", r.id),
            Some(r#"{"approve": true, "comment": "mine"}"#),
        )
        .await;
    assert_eq!(status, 403);

    // Comments are required.
    for blank in ["", "   "] {
        let err = env
            .state
            .access
            .decide(env.caller(MEI).await, decision(&r.id, true, blank))
            .await
            .expect_err("no comment");
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().contains("comment"));
    }
    let shown = env
        .state
        .access
        .request(env.caller(SOFIA).await, &r.id)
        .await
        .expect("shown");
    assert!(shown.approvals.iter().all(|s| s.decision.is_none()));
    // A team mate decides the owner step; one person decides one step only.
    env.decide(MEI, &r.id, true).await;
    let err = env
        .state
        .access
        .decide(env.caller(MEI).await, decision(&r.id, true, "again"))
        .await
        .expect_err("second step by the same person");
    assert_eq!(err.code(), ErrorCode::Forbidden);
    let done = env.decide(THOMAS, &r.id, true).await;
    assert_eq!(done.state, RequestState::Provisioning);
}

async fn duplicate_open_request_is_409_with_its_id(db: Db) {
    let env = env(db).await;
    let app = env
        .register_app(ZOE, "customer-insights", "churn-model", &["gcp"])
        .await;
    let first = env.consume(ZOE, &app, PII_EVENT, "gcp").await;
    let cookie = env.as_user(ARJUN);
    let body = serde_json::to_string(&consume_form(&app, PII_EVENT, "gcp")).expect("json");
    let before = env.count("requests").await;
    let (status, text) = cookie
        .call("POST", "/api/v1/requests/consume", Some(&body))
        .await;
    assert_eq!(status, 409, "{text}");
    let message = json(&text)["error"]["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        message.contains(&format!("/requests/{}", first.id)),
        "{message}"
    );
    assert_eq!(env.count("requests").await, before);
    // Still open once approved (provisioning): still a duplicate.
    env.decide(SOFIA, &first.id, true).await;
    env.decide(MARGARET, &first.id, true).await;
    let (status, _) = cookie
        .call("POST", "/api/v1/requests/consume", Some(&body))
        .await;
    assert_eq!(status, 409);
    // Another cluster is another request.
    let other = env
        .register_app(ZOE, "customer-insights", "churn-aws", &["aws"])
        .await;
    let r = env.consume(ZOE, &other, PII_EVENT, "aws").await;
    assert_eq!(r.state, RequestState::Submitted);
}

async fn end_dates_in_the_past_or_beyond_policy_are_refused(db: Db) {
    let env = env(db).await;
    let app = env
        .register_app(ZOE, "customer-insights", "churn-model", &["gcp"])
        .await;
    let cookie = env.as_user(ZOE);
    let today = time::OffsetDateTime::now_utc().date();
    let fmt = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    let before = env.count("requests").await;
    for (end, needle) in [
        (fmt(today - time::Duration::days(1)), "not in the future"),
        (fmt(today), "not in the future"),
        (
            fmt(today + time::Duration::days(800)),
            "maximum of 24 months",
        ),
        ("31/12/2030".to_string(), "YYYY-MM-DD"),
    ] {
        let mut form = consume_form(&app, PII_EVENT, "gcp");
        form.end_date = Some(end.clone());
        let (status, text) = cookie
            .call(
                "POST",
                "/api/v1/requests/consume",
                Some(&serde_json::to_string(&form).expect("json")),
            )
            .await;
        assert_eq!(status, 400, "{end}: {text}");
        assert!(text.contains(needle), "{end}: {text}");
    }
    assert_eq!(env.count("requests").await, before);
    // No date: the policy default, 12 months.
    let (status, text) = cookie
        .call(
            "POST",
            "/api/v1/requests/consume",
            Some(&serde_json::to_string(&consume_form(&app, PII_EVENT, "gcp")).expect("json")),
        )
        .await;
    assert_eq!(status, 201, "{text}");
    let end = json(&text)["end_date"].as_str().expect("end").to_string();
    let expected = switchboard::access::policy::add_months(today, 12);
    assert_eq!(end, fmt(expected));
    let policy: Value = json(
        &env.anonymous()
            .call("GET", "/api/v1/access/policy", None)
            .await
            .1,
    );
    assert_eq!(policy["default_months"], 12);
    assert_eq!(policy["max_months"], 24);
    assert_eq!(policy["templates"].as_array().expect("templates").len(), 3);
}

async fn smuggled_team_and_role_are_ignored(db: Db) {
    let env = env(db).await;
    let app = env
        .register_app(ZOE, "customer-insights", "churn-model", &["gcp"])
        .await;
    let cookie = env.as_user(ZOE);
    let mut body = serde_json::to_value(consume_form(&app, PII_EVENT, "gcp")).expect("json");
    body["team"] = "crm-customer-data".into();
    body["requester"] = SOFIA.into();
    body["admin"] = true.into();
    body["role"] = "admin".into();
    body["state"] = "approved".into();
    let (status, text) = cookie
        .call("POST", "/api/v1/requests/consume", Some(&body.to_string()))
        .await;
    assert_eq!(status, 201, "{text}");
    let r = json(&text);
    assert_eq!(r["team"], "customer-insights");
    assert_eq!(r["requester"], ZOE);
    assert_eq!(r["state"], "submitted");
    assert_eq!(r["approvals"].as_array().expect("steps").len(), 2);

    // Another team's application cannot be used, whatever the form says.
    let crm_app = env
        .register_app(SOFIA, "crm-customer-data", "crm-reporting", &["gcp"])
        .await;
    let mut body = serde_json::to_value(consume_form(&crm_app, PLAIN_EVENT, "gcp")).expect("json");
    body["team"] = "crm-customer-data".into();
    let before = env.count("requests").await;
    let (status, _) = cookie
        .call("POST", "/api/v1/requests/consume", Some(&body.to_string()))
        .await;
    assert_eq!(status, 403);
    assert_eq!(env.count("requests").await, before);
}

async fn revoke_enqueues_delete_jobs_for_exactly_the_bindings(db: Db) {
    let env = env(db).await;
    let app = env
        .register_app(ZOE, "customer-insights", "churn-model", &["gcp"])
        .await;
    let mut form = consume_form(&app, PII_EVENT, "gcp");
    form.group = "insights-".into();
    form.group_is_prefix = true;
    let r = env
        .state
        .access
        .submit_consume(env.caller(ZOE).await, form)
        .await
        .expect("submitted");
    env.decide(SOFIA, &r.id, true).await;
    env.decide(MARGARET, &r.id, true).await;

    // To strangers the request is as unknown as a missing one; a reason is required.
    let err = env
        .state
        .access
        .revoke(env.caller(KATE).await, &r.id, "no")
        .await
        .expect_err("stranger");
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = env
        .state
        .access
        .revoke(env.caller(ARJUN).await, &r.id, " ")
        .await
        .expect_err("no reason");
    assert_eq!(err.code(), ErrorCode::InvalidInput);

    let revoked = env
        .state
        .access
        .revoke(env.caller(ARJUN).await, &r.id, "model retired")
        .await
        .expect("revoked by a team mate");
    assert_eq!(revoked.state, RequestState::Revoked);
    let grant = revoked.grant.expect("grant");
    assert_eq!(grant.state, "revoked");
    assert!(grant
        .operations
        .contains(&"READ group-prefix:insights-".to_string()));
    let jobs = jobs_of(&env.db, &r.id).await;
    let create = jobs
        .iter()
        .find(|j| j.0 == "create_acls")
        .expect("create job");
    let deletes: Vec<_> = jobs.iter().filter(|j| j.0 == "delete_acls").collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].1, "gcp");
    assert_eq!(deletes[0].3["bindings"], create.3["bindings"]);
    let stored: String = sqlx::query_scalar("SELECT bindings_json FROM grants")
        .fetch_one(env.db.pool())
        .await
        .expect("grant");
    assert_eq!(deletes[0].3["bindings"], json(&stored));
    let audit = env.audit_of(&format!("request:{}", r.id)).await;
    let last = audit.last().expect("entry");
    assert_eq!(last.0, "request.revoked");
    assert_eq!(last.1["reason"], "model retired");
    assert_eq!(last.1["state"], "revoked");
    // Revoked is final.
    let err = env
        .state
        .access
        .revoke(env.caller(ADMIN).await, &r.id, "again")
        .await
        .expect_err("final");
    assert_eq!(err.code(), ErrorCode::Conflict);
    // A submitted request is not revoked (it is cancelled).
    let pending = env.consume(ZOE, &app, PLAIN_EVENT, "gcp").await;
    let err = env
        .state
        .access
        .revoke(env.caller(ZOE).await, &pending.id, "why")
        .await
        .expect_err("not granted");
    assert_eq!(err.code(), ErrorCode::Conflict);
}

/// Two applications of two teams share one principal (principals are not
/// unique); their consume grants share the topic bindings, not the group.
async fn revoke_keeps_the_bindings_another_grant_holds(db: Db) {
    let env = env(db).await;
    let register = |user: &'static str, team: &'static str, name: &'static str| {
        let env = &env;
        async move {
            let new = NewApplication {
                team: team.into(),
                name: name.into(),
                description: "an application".into(),
                principals: vec![Principal {
                    cluster: "onprem".into(),
                    principal: "User:svc-shared".into(),
                }],
            };
            env.state
                .access
                .register_application(env.caller(user).await, new)
                .await
                .expect("application registered")
                .id
        }
    };
    let insights = register(ZOE, "customer-insights", "churn-model").await;
    let desk = register(KATE, "service-desk", "desk-board").await;
    let first = env.consume(ZOE, &insights, PLAIN_EVENT, "onprem").await;
    let mut form = consume_form(&desk, PLAIN_EVENT, "onprem");
    form.group = "desk.board".into();
    let second = env
        .state
        .access
        .submit_consume(env.caller(KATE).await, form)
        .await
        .expect("submitted");
    for r in [&first, &second] {
        env.decide(GARETH, &r.id, true).await;
        env.state
            .access
            .mark_provisioned(&r.id)
            .await
            .expect("worker: done");
    }
    let bindings_of = |r: &RequestView| {
        let db = env.db.clone();
        let id: i64 = r.id.parse().expect("id");
        async move {
            let (state, stored): (String, String) =
                sqlx::query_as("SELECT state, bindings_json FROM grants WHERE request_id = $1")
                    .bind(id)
                    .fetch_one(db.pool())
                    .await
                    .expect("grant");
            (state, json(&stored))
        }
    };
    let labels = |bindings: &Value| -> Vec<String> {
        let mut l: Vec<String> = bindings
            .as_array()
            .expect("bindings")
            .iter()
            .map(|b| {
                let text = |k: &str| b[k].as_str().expect("text").to_string();
                format!(
                    "{} {}:{}",
                    text("operation"),
                    text("resource_type"),
                    text("resource_name")
                )
            })
            .collect();
        l.sort();
        l
    };
    let topic = "fieldservice.job.assigned.v1";
    let (_, second_bindings) = bindings_of(&second).await;
    assert_eq!(
        labels(&second_bindings),
        [
            format!("DESCRIBE topic:{topic}"),
            "READ group:desk.board".to_string(),
            format!("READ topic:{topic}"),
        ]
    );

    // The first goes: only its group binding is deleted, the topic bindings
    // the second grant holds stay.
    env.state
        .access
        .revoke(env.caller(ZOE).await, &first.id, "model retired")
        .await
        .expect("revoked");
    let deletes: Vec<_> = jobs_of(&env.db, &first.id)
        .await
        .into_iter()
        .filter(|j| j.0 == "delete_acls")
        .collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(
        labels(&deletes[0].3["bindings"]),
        ["READ group:insights.churn"]
    );
    let (state, kept) = bindings_of(&second).await;
    assert_eq!(state, "active");
    assert_eq!(
        kept, second_bindings,
        "the second grant's bindings stay recorded"
    );
    assert!(jobs_of(&env.db, &second.id)
        .await
        .iter()
        .all(|j| j.0 != "delete_acls"));

    // The second goes too: now every one of its bindings is deleted.
    env.state
        .access
        .revoke(env.caller(KATE).await, &second.id, "board retired")
        .await
        .expect("revoked");
    let deletes: Vec<_> = jobs_of(&env.db, &second.id)
        .await
        .into_iter()
        .filter(|j| j.0 == "delete_acls")
        .collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].3["bindings"], second_bindings);
    assert_eq!(bindings_of(&second).await.0, "revoked");
}

async fn expiry_sweep_announces_once_then_expires(db: Db) {
    let env = env(db).await;
    let app = env
        .register_app(ZOE, "customer-insights", "churn-model", &["onprem"])
        .await;
    let tomorrow = time::OffsetDateTime::now_utc().date() + time::Duration::days(1);
    let mut form = consume_form(&app, PLAIN_EVENT, "onprem");
    form.end_date = Some(format!(
        "{:04}-{:02}-{:02}",
        tomorrow.year(),
        u8::from(tomorrow.month()),
        tomorrow.day()
    ));
    let r = env
        .state
        .access
        .submit_consume(env.caller(ZOE).await, form)
        .await
        .expect("submitted");
    // A long grant on the side, not due for anything.
    let long = env
        .consume(ZOE, &app, "fieldservice.engineer.on-site", "onprem")
        .await;
    env.decide(GARETH, &r.id, true).await;
    env.decide(GARETH, &long.id, true).await;
    let access = env.state.access.clone();
    access.mark_provisioned(&r.id).await.expect("worker: done");
    access
        .mark_provisioned(&long.id)
        .await
        .expect("worker: done");
    let shown = access
        .request(env.caller(ZOE).await, &r.id)
        .await
        .expect("shown");
    assert_eq!(shown.state, RequestState::Active);
    assert_eq!(shown.grant.as_ref().expect("grant").state, "active");

    let now = time::OffsetDateTime::now_utc();
    let first = access.sweep(now).await.expect("sweep");
    assert_eq!(first.expiring_soon, vec![r.id.clone()]);
    assert!(first.expired.is_empty());
    let second = access.sweep(now).await.expect("sweep");
    assert!(second.expiring_soon.is_empty(), "announced once");
    let announced = env
        .audit_of(&format!("request:{}", r.id))
        .await
        .into_iter()
        .filter(|(a, _)| a == "grant.expiring_soon")
        .count();
    assert_eq!(announced, 1);

    let later = access
        .sweep(now + time::Duration::days(3))
        .await
        .expect("sweep");
    assert_eq!(later.expired, vec![r.id.clone()]);
    let expired = access
        .request(env.caller(ZOE).await, &r.id)
        .await
        .expect("shown");
    assert_eq!(expired.state, RequestState::Expired);
    assert_eq!(expired.grant.expect("grant").state, "expired");
    let jobs = jobs_of(&env.db, &r.id).await;
    assert_eq!(jobs.last().expect("job").0, "delete_acls");
    let audit = env.audit_of(&format!("request:{}", r.id)).await;
    assert_eq!(audit.last().expect("entry").0, "request.expired");
    // The long grant is untouched.
    let untouched = access
        .request(env.caller(ZOE).await, &long.id)
        .await
        .expect("shown");
    assert_eq!(untouched.state, RequestState::Active);
    assert!(jobs_of(&env.db, &long.id)
        .await
        .iter()
        .all(|j| j.0 != "delete_acls"));
    // Nothing more to do.
    let again = access
        .sweep(now + time::Duration::days(3))
        .await
        .expect("sweep");
    assert!(again.expired.is_empty());
}

async fn inbox_and_count_per_role(db: Db) {
    let env = env(db).await;
    let app = env
        .register_app(ZOE, "customer-insights", "churn-model", &["gcp", "onprem"])
        .await;
    let pii = env.consume(ZOE, &app, PII_EVENT, "gcp").await;
    let plain = env.consume(ZOE, &app, PLAIN_EVENT, "onprem").await;
    let proposal = env
        .state
        .access
        .submit_new_event(
            env.caller(GARETH).await,
            new_event_form(
                "field-service",
                "fieldservice.part.ordered",
                "fieldservice.part.ordered.v1",
            ),
        )
        .await
        .expect("proposal");
    let access = env.state.access.clone();
    let ids = |v: Vec<RequestView>| -> Vec<String> { v.into_iter().map(|r| r.id).collect() };
    let inbox = |user: &'static str| {
        let access = access.clone();
        let env = &env;
        async move {
            ids(access
                .inbox(env.caller(user).await, InboxFilter::default())
                .await
                .expect("inbox"))
        }
    };
    assert_eq!(inbox(SOFIA).await, vec![pii.id.clone()]);
    assert_eq!(inbox(MARGARET).await, vec![pii.id.clone()]);
    // Gareth owns the plain event, and proposed the new one (not his to decide).
    assert_eq!(inbox(NADIA).await, vec![plain.id.clone()]);
    assert_eq!(inbox(GARETH).await, vec![plain.id.clone()]);
    assert_eq!(inbox(ZOE).await, Vec::<String>::new());
    assert_eq!(inbox(KATE).await, Vec::<String>::new());
    assert_eq!(
        inbox(ADMIN).await,
        [pii.id.clone(), plain.id.clone(), proposal.id.clone()]
    );
    let staff = Some(Caller {
        user_id: "staff.member".into(),
        admin: false,
        teams: vec![],
    });
    assert_eq!(access.inbox_count(staff).await.expect("count"), 0);
    for (user, n) in [(SOFIA, 1), (MARGARET, 1), (GARETH, 1), (ZOE, 0), (ADMIN, 3)] {
        assert_eq!(
            access
                .inbox_count(env.caller(user).await)
                .await
                .expect("count"),
            n,
            "{user}"
        );
    }
    // Filters.
    let only = access
        .inbox(
            env.caller(ADMIN).await,
            InboxFilter {
                kind: Some(RequestKind::NewEvent),
                ..Default::default()
            },
        )
        .await
        .expect("inbox");
    assert_eq!(ids(only), vec![proposal.id.clone()]);
    let by_event = access
        .inbox(
            env.caller(ADMIN).await,
            InboxFilter {
                event: Some(PII_EVENT.into()),
                team: Some("customer-insights".into()),
                ..Default::default()
            },
        )
        .await
        .expect("inbox");
    assert_eq!(ids(by_event), vec![pii.id.clone()]);
    // Once the owner decided, it leaves the owner's inbox but not data protection's.
    env.decide(SOFIA, &pii.id, true).await;
    assert_eq!(inbox(SOFIA).await, Vec::<String>::new());
    assert_eq!(inbox(MARGARET).await, vec![pii.id.clone()]);
    // Over REST, with the count.
    let cookie = env.as_user(MARGARET);
    let (status, text) = cookie.call("GET", "/api/v1/approvals/count", None).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(json(&text)["count"], 1);
    let (status, text) = cookie
        .call("GET", "/api/v1/approvals?kind=consume", None)
        .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(json(&text)[0]["id"], pii.id.as_str());
    assert_eq!(json(&text)[0]["can_decide"], true);
    let (status, _) = env
        .anonymous()
        .call("GET", "/api/v1/approvals/count", None)
        .await;
    assert_eq!(status, 401);
}

async fn bulk_approval_with_one_failing_item(db: Db) {
    let env = env(db).await;
    let app = env
        .register_app(ZOE, "customer-insights", "churn-model", &["gcp"])
        .await;
    let a = env.consume(ZOE, &app, PII_EVENT, "gcp").await;
    let b = env.consume(ZOE, &app, "customer.created", "gcp").await;
    let c = env.consume(ZOE, &app, "account.updated", "gcp").await;
    let cookie = env.as_user(MARGARET);
    let body = serde_json::json!([
        {"request": a.id, "approve": true, "comment": "fine"},
        {"request": b.id, "approve": true, "comment": ""},
        {"request": "999999", "approve": true, "comment": "fine"},
        {"request": c.id, "approve": false, "comment": "not needed"},
    ])
    .to_string();
    let (status, text) = cookie
        .call("POST", "/api/v1/approvals/bulk", Some(&body))
        .await;
    assert_eq!(status, 200, "{text}");
    let outcomes = json(&text);
    let ok: Vec<bool> = outcomes
        .as_array()
        .expect("list")
        .iter()
        .map(|o| o["ok"].as_bool().expect("ok"))
        .collect();
    assert_eq!(ok, [true, false, false, true]);
    assert!(outcomes[1]["message"]
        .as_str()
        .expect("message")
        .contains("comment"));
    let state_of = |id: &str| {
        let id = id.to_string();
        let env = &env;
        async move {
            env.state
                .access
                .request(env.caller(ZOE).await, &id)
                .await
                .expect("shown")
        }
    };
    let a_now = state_of(&a.id).await;
    assert_eq!(
        a_now.state,
        RequestState::Submitted,
        "owner still to decide"
    );
    assert_eq!(a_now.approvals[1].decision.as_deref(), Some("approved"));
    assert!(state_of(&b.id)
        .await
        .approvals
        .iter()
        .all(|s| s.decision.is_none()));
    assert_eq!(state_of(&c.id).await.state, RequestState::Rejected);
    let (status, _) = env
        .anonymous()
        .call("POST", "/api/v1/approvals/bulk", Some(&body))
        .await;
    assert_eq!(status, 401);
}

async fn admins_reassign_the_owner_step(db: Db) {
    let env = env(db).await;
    let app = env
        .register_app(ZOE, "customer-insights", "churn-model", &["onprem"])
        .await;
    let r = env.consume(ZOE, &app, PLAIN_EVENT, "onprem").await;
    let err = env
        .state
        .access
        .reassign(env.caller(GARETH).await, &r.id, "service-desk")
        .await
        .expect_err("not admin");
    assert_eq!(err.code(), ErrorCode::Forbidden);
    let err = env
        .state
        .access
        .reassign(env.caller(ADMIN).await, &r.id, "no-such-team")
        .await
        .expect_err("unknown team");
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let moved = env
        .state
        .access
        .reassign(env.caller(ADMIN).await, &r.id, "service-desk")
        .await
        .expect("reassigned");
    assert_eq!(moved.approvals[0].team, "service-desk");
    let audit = env.audit_of(&format!("request:{}", r.id)).await;
    let last = audit.last().expect("entry");
    assert_eq!(last.0, "request.reassigned");
    assert_eq!(last.1["owner_step_team"], "service-desk");
    assert_eq!(last.1["pending_teams"], serde_json::json!(["service-desk"]));
    // The old owners no longer decide; the new team does.
    let err = env
        .state
        .access
        .decide(env.caller(GARETH).await, decision(&r.id, true, "ok"))
        .await
        .expect_err("moved away");
    assert_eq!(err.code(), ErrorCode::Forbidden);
    let done = env.decide(KATE, &r.id, true).await;
    assert_eq!(done.state, RequestState::Provisioning);
}

async fn applications_are_registered_by_their_team(db: Db) {
    let env = env(db).await;
    let cookie = env.as_user(ZOE);
    let new = |team: &str, name: &str, principal: &str| {
        serde_json::json!({
            "team": team, "name": name, "description": "d",
            "principals": [{"cluster": "gcp", "principal": principal}]
        })
        .to_string()
    };
    let (status, text) = cookie
        .call(
            "POST",
            "/api/v1/applications",
            Some(&new("customer-insights", "churn-model", "User:svc-churn")),
        )
        .await;
    assert_eq!(status, 201, "{text}");
    let id = json(&text)["id"].as_str().expect("id").to_string();
    let audit = env.audit_of(&format!("application:{id}")).await;
    assert_eq!(actions(&audit), ["application.registered"]);
    for (body, code) in [
        (new("customer-insights", "churn-model", "User:svc-x"), 409),
        (new("customer-insights", "Bad Name", "User:svc-x"), 400),
        (new("customer-insights", "other", "svc-x"), 400),
        (new("customer-insights", "other", "User:*"), 400),
        (new("crm-customer-data", "sneaky", "User:svc-x"), 403),
    ] {
        let (status, text) = cookie
            .call("POST", "/api/v1/applications", Some(&body))
            .await;
        assert_eq!(status, code, "{body}: {text}");
    }
    let (_, text) = cookie.call("GET", "/api/v1/applications", None).await;
    let list = json(&text);
    assert_eq!(list.as_array().expect("list").len(), 1);
    assert_eq!(list[0]["principals"][0]["principal"], "User:svc-churn");
    let other = env.as_user(KATE);
    let (_, text) = other.call("GET", "/api/v1/applications", None).await;
    assert_eq!(json(&text).as_array().expect("list").len(), 0);
    let admin = env.as_user(ADMIN);
    let (_, text) = admin.call("GET", "/api/v1/applications", None).await;
    assert_eq!(json(&text).as_array().expect("list").len(), 1);
}

/// A principal is pasted into client settings: one that could break out of
/// a quoted string there is refused with a 400, and nothing is stored.
async fn principals_outside_kafka_syntax_are_refused(db: Db) {
    let env = env(db).await;
    let cookie = env.as_user(ZOE);
    let tables = ["applications", "application_principals", "audit_log"];
    let mut before = Vec::new();
    for t in tables {
        before.push(env.count(t).await);
    }
    for principal in [
        r#"User:svc"x"#,
        r#"User:svc\" password="stolen"#,
        "User:svc x",
        "User:svc'x",
        "User:svc\\x",
        "User:svc\nsasl.mechanism=PLAIN",
    ] {
        let body = serde_json::json!({
            "team": "customer-insights", "name": "quoted", "description": "d",
            "principals": [{"cluster": "gcp", "principal": principal}]
        })
        .to_string();
        let (status, text) = cookie
            .call("POST", "/api/v1/applications", Some(&body))
            .await;
        assert_eq!(status, 400, "{principal:?}: {text}");
        assert!(
            json(&text)["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("may hold only")),
            "{principal:?}: {text}"
        );
    }
    for (t, n) in tables.iter().zip(before) {
        assert_eq!(env.count(t).await, n, "{t}");
    }
}
