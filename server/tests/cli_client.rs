//! The client commands of the `switchboard` binary against a real portal: a
//! seeded Switchboard served on a loopback port, the binary run as its own
//! process with `SWITCHBOARD_URL` and `SWITCHBOARD_TOKEN`, as in a CI job.

mod common;

use std::path::Path;
use std::time::Duration;

use common::app::{admin_config, TestApp};
use common::TestDb;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");
const SOFIA: &str = "sofia.martins"; // crm-customer-data
const ZOE: &str = "zoe.williams"; // customer-insights
const CRM: &str = "crm-customer-data";
const ALL_SCOPES: &[&str] = &["read", "request", "decide", "registry:write"];

/// A seeded portal listening on a loopback port.
struct Portal {
    app: TestApp,
    url: String,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _db: TestDb,
}

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self) -> Run {
        assert_eq!(self.code, Some(0), "should succeed: {self:#?}");
        assert!(self.stderr.is_empty(), "{self:#?}");
        self
    }

    /// Failed with `code`; every stderr line is one `error: …`.
    fn failed(self, code: i32) -> Run {
        assert_eq!(self.code, Some(code), "{self:#?}");
        assert!(!self.stderr.contains("panicked"), "{self:#?}");
        assert!(
            self.stderr.lines().all(|l| l.starts_with("error: ")),
            "{self:#?}"
        );
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

impl Portal {
    async fn start() -> Portal {
        let db = TestDb::sqlite().await;
        let app = TestApp::seeded(db.db.clone(), admin_config()).await;
        // As at a server's start: the event schemas go into the registry.
        app.state
            .schemas
            .reconcile()
            .await
            .expect("schemas registered");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let router = switchboard::http::router(app.state.clone());
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        Portal {
            app,
            url,
            server,
            _db: db,
        }
    }

    /// A personal token of `user` with `scopes`: the `Authorization` bearer.
    async fn token(&self, user: &str, scopes: &[&str]) -> String {
        let body = json!({"name": "cli", "scopes": scopes, "expires_in_days": 7});
        let made = self
            .app
            .as_user(user)
            .post_json("/api/v1/tokens", &body)
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        made.json()["bearer"].as_str().expect("bearer").to_string()
    }

    /// Runs `switchboard ARGS` with the token (none when empty).
    async fn run(&self, token: &str, args: &[&str]) -> Run {
        let mut command = tokio::process::Command::new(BIN);
        command
            .args(args)
            .env("SWITCHBOARD_URL", &self.url)
            .env_remove("SWITCHBOARD_TOKEN")
            .env_remove("SWITCHBOARD_CONFIG")
            .env_remove("DATABASE_URL");
        if !token.is_empty() {
            command.env("SWITCHBOARD_TOKEN", token);
        }
        let out = tokio::time::timeout(Duration::from_secs(60), command.output())
            .await
            .unwrap_or_else(|_| panic!("switchboard {args:?} did not finish within a minute"))
            .expect("the binary runs");
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        // Shown with the test's output when it fails.
        println!("$ switchboard {}\n{run:#?}", args.join(" "));
        // The secret never shows, whatever happened.
        if let Some((_, secret)) = token.split_once('.') {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "the token's secret was printed: {run:#?}"
            );
        }
        run
    }

    async fn event(&self, name: &str) -> Value {
        let answer = self
            .app
            .anonymous()
            .get(&format!("/api/v1/events/{name}"))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()
    }

    async fn new_event_requests(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM requests WHERE kind = 'new_event'")
            .fetch_one(self.app.db.pool())
            .await
            .expect("count")
    }

    fn stop(self) {
        self.server.abort();
    }
}

/// The schema file with one more field appended to its record.
fn with_field(schema: &str, field: Value) -> String {
    let mut schema: Value = serde_json::from_str(schema).expect("schema JSON");
    schema["fields"]
        .as_array_mut()
        .expect("a record")
        .push(field);
    serde_json::to_string_pretty(&schema).expect("JSON")
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

#[tokio::test]
async fn events_schemas_requests_and_approvals_from_the_command_line() {
    let portal = Portal::start().await;
    let sofia = portal.token(SOFIA, ALL_SCOPES).await;
    let zoe = portal.token(ZOE, &["read", "request"]).await;
    let zoe_read_only = portal.token(ZOE, &["read"]).await;
    let dir = tempfile::tempdir().expect("dir");

    // asyncapi export: the portal's document, on stdout or into a file.
    let exported = portal
        .run(&zoe, &["asyncapi", "export", "customer.updated"])
        .await
        .ok();
    assert!(
        exported.stdout.starts_with("asyncapi: 3.0.0\n"),
        "{}",
        exported.stdout
    );
    assert!(
        exported.stdout.contains("crm.customer.updated.v1"),
        "{}",
        exported.stdout
    );
    let file = dir.path().join("customer.updated.asyncapi.yaml");
    let to_file = portal
        .run(
            &zoe,
            &[
                "asyncapi",
                "export",
                "customer.updated",
                "--out",
                file.to_str().unwrap(),
            ],
        )
        .await;
    assert_eq!(to_file.code, Some(0), "{to_file:#?}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("written"),
        exported.stdout
    );
    let missing = portal
        .run(&zoe, &["asyncapi", "export", "no.such.event"])
        .await
        .failed(3);
    assert!(
        missing.stderr.contains("(404 Not Found)"),
        "{}",
        missing.stderr
    );

    // A reader that goes away (`| head`) ends the command as SIGPIPE
    // would (141), without a panic.
    let mut piped = std::process::Command::new(BIN)
        .args(["events", "search", "customer"])
        .env("SWITCHBOARD_URL", &portal.url)
        .env("SWITCHBOARD_TOKEN", &zoe)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(piped.stdout.take());
    let closed = tokio::task::spawn_blocking(move || piped.wait_with_output())
        .await
        .expect("joined")
        .expect("waited");
    let stderr = String::from_utf8_lossy(&closed.stderr);
    assert_eq!(closed.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // events search: a table, and the portal's JSON.
    let found = portal
        .run(&zoe, &["events", "search", "customer", "--team", CRM])
        .await
        .ok();
    let header = found.stdout.lines().next().unwrap_or_default();
    assert!(header.starts_with("NAME"), "{}", found.stdout);
    assert!(header.contains("LIFECYCLE"), "{}", found.stdout);
    assert!(
        found.stdout.contains("customer.created"),
        "{}",
        found.stdout
    );
    let page = portal
        .run(
            &zoe,
            &["events", "search", "--per-page", "5", "--output", "json"],
        )
        .await
        .ok()
        .json();
    assert_eq!(page["hits"].as_array().expect("hits").len(), 5, "{page}");
    assert!(page["total"].as_u64().expect("total") > 5, "{page}");

    // events show: ownership, tags and fields with their tags.
    let shown = portal
        .run(&zoe, &["events", "show", "customer.created"])
        .await
        .ok();
    assert!(
        shown.stdout.contains("team:") && shown.stdout.contains(CRM),
        "{}",
        shown.stdout
    );
    assert!(shown.stdout.contains("VALUE FIELD"), "{}", shown.stdout);
    let email = shown
        .stdout
        .lines()
        .find(|l| l.starts_with("customer.email "))
        .unwrap_or_else(|| panic!("no email field: {}", shown.stdout));
    assert!(email.contains("pii"), "{email}");
    let as_json = portal
        .run(&zoe, &["events", "show", "customer.created", "-o", "json"])
        .await
        .ok()
        .json();
    assert_eq!(as_json["team_id"], CRM);
    let missing = portal
        .run(&zoe, &["events", "show", "no.such.event"])
        .await
        .failed(3);
    assert_eq!(
        missing.stderr.trim(),
        "error: there is no event named `no.such.event` (404 Not Found)"
    );

    // schemas check: a compatible change (exit 0) and an incompatible one
    // (exit 1), each with its field diff.
    let current = as_json["value_schema"].as_str().expect("value schema");
    let compatible = dir.path().join("compatible.avsc");
    write(
        &compatible,
        &with_field(
            current,
            json!({"name": "nickname", "type": ["null", "string"], "default": null}),
        ),
    );
    let check = portal
        .run(
            &sofia,
            &["schemas", "check", "customer.created", arg(&compatible)],
        )
        .await
        .ok();
    assert!(check.stdout.contains("  + nickname: "), "{}", check.stdout);
    assert!(
        check.stdout.contains("compatible value schema"),
        "{}",
        check.stdout
    );
    let incompatible = dir.path().join("incompatible.avsc");
    write(
        &incompatible,
        &with_field(current, json!({"name": "loyalty_tier", "type": "string"})),
    );
    let refused = portal
        .run(
            &sofia,
            &["schemas", "check", "customer.created", arg(&incompatible)],
        )
        .await
        .failed(1);
    assert!(
        refused.stdout.contains("  + loyalty_tier: string"),
        "{}",
        refused.stdout
    );
    assert!(
        refused.stdout.contains("incompatible value schema"),
        "{}",
        refused.stdout
    );
    assert!(
        refused.stderr.contains("incompatible.avsc is incompatible"),
        "{}",
        refused.stderr
    );
    let as_json = portal
        .run(
            &sofia,
            &[
                "schemas",
                "check",
                "customer.created",
                arg(&incompatible),
                "--output",
                "json",
            ],
        )
        .await
        .failed(1)
        .json();
    assert_eq!(as_json["check"]["compatible"], false, "{as_json}");
    // Not Avro: refused before any call, naming the file.
    let not_avro = dir.path().join("not-avro.avsc");
    write(&not_avro, "{\"type\": \"record\", \"name\": \"X\"}");
    let bad = portal
        .run(
            &sofia,
            &["schemas", "check", "customer.created", arg(&not_avro)],
        )
        .await
        .failed(1);
    assert!(
        bad.stderr
            .contains("not-avro.avsc: not a valid Avro schema"),
        "{}",
        bad.stderr
    );
    // schemas register: the compatible version becomes version 2.
    let registered = portal
        .run(
            &sofia,
            &["schemas", "register", "customer.created", arg(&compatible)],
        )
        .await
        .ok();
    assert!(
        registered
            .stdout
            .contains("registered crm.customer.created.v1-value version 2"),
        "{}",
        registered.stdout
    );
    let not_registered = portal
        .run(
            &sofia,
            &[
                "schemas",
                "register",
                "customer.created",
                arg(&incompatible),
            ],
        )
        .await
        .failed(1);
    assert!(
        not_registered.stderr.contains("not registered"),
        "{}",
        not_registered.stderr
    );

    // request consume, by application name; a read-only token is refused
    // naming the scope, and nothing is stored.
    portal
        .app
        .register_app(ZOE, "customer-insights", "churn", &["aws"])
        .await;
    let consume = [
        "request",
        "consume",
        "account.closed",
        "--application",
        "churn",
        "--cluster",
        "aws",
        "--group",
        "insights.churn",
        "--purpose",
        "churn model features",
    ];
    let before = portal.app.count("requests").await;
    let refused = portal.run(&zoe_read_only, &consume).await.failed(3);
    assert!(
        refused.stderr.contains("lacks the `request` scope") && refused.stderr.contains("(403"),
        "{}",
        refused.stderr
    );
    assert_eq!(portal.app.count("requests").await, before);
    let submitted = portal.run(&zoe, &consume).await.ok();
    let first = submitted.stdout.lines().next().unwrap_or_default();
    let id = first
        .strip_prefix("request ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no request id: {}", submitted.stdout))
        .to_string();
    assert!(
        first.ends_with("submitted: consume account.closed on aws"),
        "{first}"
    );
    assert!(
        submitted
            .stdout
            .contains("waiting for: owner (crm-customer-data)"),
        "{}",
        submitted.stdout
    );

    // approvals: the owner's inbox, then the decision.
    let inbox = portal.run(&sofia, &["approvals", "list"]).await.ok();
    let row = inbox
        .stdout
        .lines()
        .find(|l| l.starts_with(&format!("{id} ")))
        .unwrap_or_else(|| panic!("request {id} not in the inbox: {}", inbox.stdout));
    assert!(row.contains("account.closed"), "{row}");
    let inbox = portal
        .run(
            &sofia,
            &["approvals", "list", "--kind", "consume", "-o", "json"],
        )
        .await
        .ok()
        .json();
    assert!(
        inbox
            .as_array()
            .expect("list")
            .iter()
            .any(|r| r["id"] == id.as_str()),
        "{inbox}"
    );
    // Deciding takes `decide`: Zoe's token has not got it.
    let refused = portal
        .run(&zoe, &["approvals", "approve", &id, "-m", "fine"])
        .await
        .failed(3);
    assert!(
        refused.stderr.contains("lacks the `decide` scope"),
        "{}",
        refused.stderr
    );
    let approved = portal
        .run(
            &sofia,
            &[
                "approvals",
                "approve",
                &id,
                "--comment",
                "for the churn model",
            ],
        )
        .await
        .ok();
    // The one step decided, the grant's jobs are queued at once.
    assert_eq!(
        approved.stdout.trim(),
        format!("request {id} approved: state: provisioning")
    );

    // grants: the application's new grant.
    let grants = portal.run(&zoe, &["grants", "list"]).await.ok();
    assert!(grants.stdout.starts_with("GRANT"), "{}", grants.stdout);
    assert!(
        grants
            .stdout
            .lines()
            .any(|l| l.contains("account.closed") && l.contains("aws")),
        "{}",
        grants.stdout
    );

    // Without a token: reads of public data work, the inbox says how to sign in.
    portal
        .run("", &["events", "show", "account.closed"])
        .await
        .ok();
    let anonymous = portal.run("", &["approvals", "list"]).await.failed(3);
    assert!(
        anonymous.stderr.contains("SWITCHBOARD_TOKEN") && anonymous.stderr.contains("(401"),
        "{}",
        anonymous.stderr
    );
    // A wrong token: 401, one line.
    let last = if sofia.ends_with('A') { 'B' } else { 'A' };
    let wrong = format!("{}{last}", &sofia[..sofia.len() - 1]);
    let refused = portal.run(&wrong, &["approvals", "list"]).await.failed(3);
    assert!(refused.stderr.contains("(401"), "{}", refused.stderr);
    // Nobody listening.
    let out = tokio::process::Command::new(BIN)
        .args(["--url", "http://127.0.0.1:1", "events", "show", "x.y.z"])
        .env_remove("SWITCHBOARD_TOKEN")
        .output()
        .await
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot reach http://127.0.0.1:1"),
        "{stderr}"
    );
    portal.stop();
}

/// Export, plan (no changes), edit a title, change a schema, add an event,
/// plan (all three), apply, apply again (nothing), prune.
#[tokio::test]
async fn the_catalogue_as_code_round_trips_and_applies_idempotently() {
    let portal = Portal::start().await;
    let sofia = portal.token(SOFIA, ALL_SCOPES).await;
    let dir = tempfile::tempdir().expect("dir");
    let cat = dir.path().join("catalogue");

    let exported = portal
        .run(&sofia, &["catalogue", "export", arg(&cat), "--team", CRM])
        .await
        .ok();
    assert!(
        exported.stdout.starts_with("wrote 9 events"),
        "{}",
        exported.stdout
    );
    let created = read(&cat.join("customer.created.yaml"));
    assert!(
        created.contains("schema: customer.created.avsc"),
        "{created}"
    );
    assert!(cat.join("customer.created.key.avsc").exists());
    assert!(created.contains("customer.email:\n  - pii"), "{created}");
    // Multi-line Markdown stays readable: a block, not an escaped string.
    assert!(created.contains("description: |"), "{created}");

    let plan = portal
        .run(&sofia, &["catalogue", "plan", arg(&cat)])
        .await
        .ok();
    assert_eq!(plan.stdout.trim(), "No changes: 9 events match the portal.");

    // A title edit, a compatible schema change and a new event.
    let updated = cat.join("customer.updated.yaml");
    let text = read(&updated);
    let old_title = text
        .lines()
        .find_map(|l| l.strip_prefix("title: "))
        .expect("title line")
        .to_string();
    write(
        &updated,
        &text.replace(
            &format!("title: {old_title}"),
            "title: Customer profile updated",
        ),
    );
    let avsc = cat.join("customer.created.avsc");
    write(
        &avsc,
        &with_field(
            &read(&avsc),
            json!({"name": "nickname", "type": ["null", "string"], "default": null}),
        ),
    );
    let new_schema = json!({"type": "record", "name": "LoyaltyChanged", "namespace": "com.telco.crm",
        "fields": [{"name": "customer_id", "type": "string"}, {"name": "tier", "type": "string"}]});
    write(
        &cat.join("crm.loyalty.changed.avsc"),
        &new_schema.to_string(),
    );
    write(
        &cat.join("crm.loyalty.changed.yaml"),
        "name: crm.loyalty.changed\n\
         title: Loyalty tier changed\n\
         team: crm-customer-data\n\
         domain: crm\n\
         lifecycle: draft\n\
         home_cluster: aws\n\
         topic: crm.loyalty.changed.v1\n\
         template: standard\n\
         schema: crm.loyalty.changed.avsc\n\
         tags: [internal]\n\
         contacts: [crm-data@example.com]\n\
         description: |\n  A customer's loyalty tier changed.\n",
    );

    let plan = portal
        .run(&sofia, &["catalogue", "plan", arg(&cat)])
        .await
        .ok();
    assert!(
        plan.stdout
            .contains(&format!("~ customer.updated  ({})", updated.display())),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(&format!(
            "    title: \"{old_title}\" → \"Customer profile updated\""
        )),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("+ crm.loyalty.changed  new-event request"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("~ customer.created"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("+ nickname: "), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("compatible value schema"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(
            "Plan: 1 new-event request, 1 edit, 1 schema version, 0 retirements; 7 unchanged"
        ),
        "{}",
        plan.stdout
    );
    let as_json = portal
        .run(&sofia, &["catalogue", "plan", arg(&cat), "-o", "json"])
        .await
        .ok()
        .json();
    let actions: Vec<(&str, &str)> = as_json["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["event"].as_str().unwrap_or_default(),
                s["action"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("crm.loyalty.changed", "new_event"),
            ("customer.created", "update"),
            ("customer.updated", "update"),
        ]
    );
    // The plan wrote nothing.
    assert_eq!(portal.new_event_requests().await, 0);
    assert_eq!(
        portal.event("customer.updated").await["title"],
        old_title.as_str()
    );

    let applied = portal
        .run(&sofia, &["catalogue", "apply", arg(&cat)])
        .await
        .ok();
    for line in [
        "submitted new-event request ",
        "registered crm.customer.created.v1-value version 2 for customer.created",
        "updated customer.updated",
    ] {
        assert!(applied.stdout.contains(line), "{line}: {}", applied.stdout);
    }
    assert_eq!(
        portal.event("customer.updated").await["title"],
        "Customer profile updated"
    );
    assert_eq!(portal.new_event_requests().await, 1);
    let schema = portal.event("customer.created").await;
    assert!(
        schema["value_schema"]
            .as_str()
            .unwrap_or_default()
            .contains("nickname"),
        "{schema}"
    );

    // Again: nothing to do, nothing proposed twice.
    let again = portal
        .run(&sofia, &["catalogue", "apply", arg(&cat)])
        .await
        .ok();
    assert!(
        again
            .stdout
            .contains("= crm.loyalty.changed  new-event request"),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains("No changes: 9 events match the portal; 1 waiting for approval."),
        "{}",
        again.stdout
    );
    assert_eq!(portal.new_event_requests().await, 1);

    // --prune retires (never deletes) the team's events missing from the folder.
    std::fs::remove_file(cat.join("account.closed.yaml")).expect("remove");
    let plan = portal
        .run(&sofia, &["catalogue", "plan", arg(&cat), "--prune"])
        .await
        .ok();
    assert!(
        plan.stdout
            .contains("- account.closed  retired: not in the folder"),
        "{}",
        plan.stdout
    );
    let without = portal
        .run(&sofia, &["catalogue", "apply", arg(&cat)])
        .await
        .ok();
    assert!(without.stdout.contains("No changes"), "{}", without.stdout);
    assert_eq!(
        portal.event("account.closed").await["lifecycle"],
        "published"
    );
    portal
        .run(&sofia, &["catalogue", "apply", arg(&cat), "--prune"])
        .await
        .ok();
    assert_eq!(portal.event("account.closed").await["lifecycle"], "retired");
    let again = portal
        .run(&sofia, &["catalogue", "apply", arg(&cat), "--prune"])
        .await
        .ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    portal.stop();
}

/// Malformed YAML, an unknown key, a schema that is not Avro, a token without
/// the scope, another team's token: each named (file and line, or scope),
/// exit status 1, and nothing applied, not even the valid edits beside them.
#[tokio::test]
async fn bad_catalogue_input_is_named_and_nothing_is_applied() {
    let portal = Portal::start().await;
    let sofia = portal.token(SOFIA, ALL_SCOPES).await;
    let dir = tempfile::tempdir().expect("dir");
    let cat = dir.path().join("catalogue");
    portal
        .run(&sofia, &["catalogue", "export", arg(&cat), "--team", CRM])
        .await
        .ok();
    let title_of = |name: &'static str| {
        let portal = &portal;
        async move {
            portal.event(name).await["title"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
    };
    let original = title_of("customer.updated").await;
    // A valid edit, which must not be applied while other files are wrong.
    let updated = cat.join("customer.updated.yaml");
    write(
        &updated,
        &read(&updated).replace(
            &format!("title: {original}"),
            "title: Customer profile updated",
        ),
    );

    // Malformed YAML.
    write(
        &cat.join("broken.yaml"),
        "name: crm.broken.thing\ntitle: [not closed\nteam: x\n",
    );
    // An unknown key, on the last line of an exported file.
    let erased = cat.join("customer.erased.yaml");
    let text = read(&erased);
    let line = text.lines().count() + 1;
    write(&erased, &format!("{text}colour: red\n"));
    // A schema file that is not Avro (no fields).
    write(
        &cat.join("crm.bad.schema.avsc"),
        "{\"type\": \"record\", \"name\": \"Bad\"}",
    );
    write(
        &cat.join("crm.bad.schema.yaml"),
        "name: crm.bad.schema\ntitle: Bad\nteam: crm-customer-data\ndomain: crm\n\
         lifecycle: draft\nhome_cluster: aws\ntopic: crm.bad.schema.v1\n\
         template: standard\nschema: crm.bad.schema.avsc\n",
    );

    for command in ["plan", "apply"] {
        let run = portal
            .run(&sofia, &["catalogue", command, arg(&cat)])
            .await
            .failed(1);
        let broken = cat.join("broken.yaml");
        assert!(
            run.stderr
                .contains(&format!("error: {}:2:", broken.display())),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!(
                "error: {}:{line}:1: unknown field `colour`",
                erased.display()
            )),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!(
                "error: {}: not a valid Avro schema",
                cat.join("crm.bad.schema.avsc").display()
            )),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!(
                "(named at {}:9)",
                cat.join("crm.bad.schema.yaml").display()
            )),
            "{}",
            run.stderr
        );
        if command == "apply" {
            assert!(
                run.stderr
                    .trim_end()
                    .ends_with("error: nothing applied: 3 problems to fix first"),
                "{}",
                run.stderr
            );
        }
    }
    assert_eq!(title_of("customer.updated").await, original);
    assert_eq!(portal.new_event_requests().await, 0);

    // With the files fixed, a token without `decide` is refused by name
    // before anything is written.
    for name in ["broken.yaml", "crm.bad.schema.yaml"] {
        std::fs::remove_file(cat.join(name)).expect("remove");
    }
    write(&erased, &text);
    let no_decide = portal.token(SOFIA, &["read", "request"]).await;
    // A plan says so without failing: a pull request's plan-only token.
    let plan = portal
        .run(&no_decide, &["catalogue", "plan", arg(&cat)])
        .await
        .ok();
    assert!(
        plan.stdout
            .contains("lacks the `decide` scope needed for editing customer.updated"),
        "{}",
        plan.stdout
    );
    let refused = portal
        .run(&no_decide, &["catalogue", "apply", arg(&cat)])
        .await
        .failed(1);
    assert!(
        refused
            .stderr
            .contains("lacks the `decide` scope needed for editing customer.updated"),
        "{}",
        refused.stderr
    );
    assert_eq!(title_of("customer.updated").await, original);

    // Another team's token may not edit the events.
    let zoe = portal.token(ZOE, ALL_SCOPES).await;
    let refused = portal
        .run(&zoe, &["catalogue", "apply", arg(&cat)])
        .await
        .failed(1);
    assert!(
        refused.stderr.contains(&format!(
            "error: {}:3: event `customer.updated` belongs to team `crm-customer-data`: edits need that team's token",
            updated.display()
        )),
        "{}",
        refused.stderr
    );
    assert_eq!(title_of("customer.updated").await, original);

    // The owners' token applies it.
    portal
        .run(&sofia, &["catalogue", "apply", arg(&cat)])
        .await
        .ok();
    assert_eq!(
        title_of("customer.updated").await,
        "Customer profile updated"
    );
    portal.stop();
}

/// The REST calls added for the CLI keep the portal's rules: who may check
/// and register an event's schema, what a bad body gets, and `GET /me`
/// naming a token's scopes.
#[tokio::test]
async fn the_schema_endpoints_keep_the_portal_rules() {
    let portal = Portal::start().await;
    let app = &portal.app;
    let event: Value = portal.event("customer.created").await;
    let current = event["value_schema"].as_str().expect("schema");
    let breaking = with_field(current, json!({"name": "tier", "type": "string"}));
    let check = "/api/v1/events/customer.created/schemas/check";
    let body = json!({ "schema": breaking });

    let (status, _) = app
        .anonymous()
        .call("POST", check, Some(&body.to_string()))
        .await;
    assert_eq!(status, 401);
    let (status, answer) = app
        .as_user(ZOE)
        .call("POST", check, Some(&body.to_string()))
        .await;
    assert_eq!(status, 403, "{answer}");
    let (status, answer) = app.as_user(SOFIA).call("POST", check, Some("{}")).await;
    assert_eq!(status, 400, "{answer}");
    let answer = app.as_user(SOFIA).post_json(check, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let verdict = answer.json();
    assert_eq!(verdict["compatible"], false, "{verdict}");
    assert_eq!(verdict["diff"][0]["path"], "tier", "{verdict}");

    // Registering it is refused (409) and stores nothing.
    let versions = app.count("registry_versions").await;
    let propose = "/api/v1/events/customer.created/schemas";
    let answer = app.as_user(SOFIA).post_json(propose, &body).await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert_eq!(app.count("registry_versions").await, versions);
    // A first key schema for an event without one.
    let key = json!({"role": "key", "schema": "\"string\""});
    let answer = app
        .as_user(SOFIA)
        .post_json("/api/v1/events/account.closed/schemas", &key)
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.json()["subject"], "crm.account.closed.v1-key");

    // `GET /me` with a token names it and its scopes; with a session, not.
    let token = portal.token(SOFIA, &["read"]).await;
    let me = reqwest::Client::new()
        .get(format!("{}/api/v1/me", portal.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me");
    let me: Value = me.json().await.expect("JSON");
    assert_eq!(me["user_id"], SOFIA, "{me}");
    assert_eq!(me["token"]["scopes"], json!(["read"]), "{me}");
    assert!(token.starts_with(me["token"]["id"].as_str().expect("id")));
    let session = app.as_user(SOFIA).get("/api/v1/me").await.json();
    assert!(session.get("token").is_none(), "{session}");
    portal.stop();
}
