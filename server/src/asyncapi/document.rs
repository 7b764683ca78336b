//! The two documents: an event's (every cluster it is on, receive anywhere,
//! send at home) and an application's (what its live grants let it receive
//! and send, with their consumer groups).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::facts::{ApplicationFacts, EventFacts, Place, ServerFacts, UseFacts};
use super::message::{key_schema_key, message, message_key, tags};
use super::servers::{server_ref, servers, KAFKA_BINDING};

pub const ASYNCAPI_VERSION: &str = "3.0.0";

/// The document of one event.
pub fn event_document(e: &EventFacts, known: &[ServerFacts]) -> Value {
    let ids: Vec<&str> = e.places().map(|p| p.cluster.as_str()).collect();
    let (servers, schemes) = servers(&ids, known);
    let mut channels = Map::new();
    let mut operations = Map::new();
    for place in e.places() {
        let home = place == &e.home;
        let description = if home {
            "The event's home topic, where it is produced.".to_string()
        } else {
            format!(
                "A mirror of `{}` on `{}`, kept in step by a mesh link.",
                e.home.topic, e.home.cluster
            )
        };
        let key = place.cluster.clone();
        let partitions = if home { e.partitions } else { None };
        channels.insert(
            key.clone(),
            channel(place, &[&e.name], &description, partitions),
        );
        let receive = operation(
            "receive",
            &key,
            &e.name,
            format!("Consume `{}` on `{}`", e.name, place.cluster),
        );
        operations.insert(format!("receive-{}", place.cluster), receive);
    }
    let send = operation(
        "send",
        &e.home.cluster,
        &e.name,
        format!(
            "Produce `{}` on its home cluster `{}`",
            e.name, e.home.cluster
        ),
    );
    operations.insert(format!("send-{}", e.home.cluster), send);
    let mut info = json!({
        "title": e.title,
        "version": e.version.map_or_else(|| "1".to_string(), |v| v.to_string()),
        "description": event_description(e),
        "contact": contact(&e.team_name, &e.contacts),
    });
    if !e.tags.is_empty() {
        info["tags"] = tags(e);
    }
    json!({
        "asyncapi": ASYNCAPI_VERSION,
        "id": format!("urn:switchboard:event:{}", e.name),
        "info": info,
        "servers": servers,
        "channels": channels,
        "operations": operations,
        "components": components(&[e], schemes),
    })
}

/// The document of an application: one channel per (cluster, topic) it was
/// granted, a `receive` per consume grant (with its group), a `send` per
/// produce grant. `events` are the events of its grants that still exist.
pub fn application_document(
    a: &ApplicationFacts,
    events: &[EventFacts],
    known: &[ServerFacts],
) -> Value {
    let ids: Vec<&str> = a.uses.iter().map(|u| u.place.cluster.as_str()).collect();
    let (servers, schemes) = servers(&ids, known);
    let mut channels = Map::new();
    let mut operations = Map::new();
    for u in &a.uses {
        let key = format!("{}.{}", u.place.cluster, u.place.topic);
        let event = events.iter().find(|e| e.name == u.event);
        let entry = channels.entry(key.clone()).or_insert_with(|| {
            let home = event.is_some_and(|e| e.home == u.place);
            let description = if home {
                "The event's home topic."
            } else {
                "A mirror of the event's home topic, kept in step by a mesh link."
            };
            let partitions = event.filter(|_| home).and_then(|e| e.partitions);
            channel(&u.place, &[], description, partitions)
        });
        entry["messages"][message_key(&u.event)] = message_ref(&u.event);
        let (action, verb) = match u.consumer_group {
            Some(_) => ("receive", "Consume"),
            None => ("send", "Produce"),
        };
        let mut op = operation(
            action,
            &key,
            &u.event,
            format!("{verb} `{}` on `{}`", u.event, u.place.cluster),
        );
        op["description"] = json!(use_description(u));
        if let Some(group) = &u.consumer_group {
            op["bindings"] = json!({ "kafka": {
                "groupId": group_schema(&group.name, group.is_prefix),
                "bindingVersion": KAFKA_BINDING,
            }});
        }
        let wanted = format!("{action}-{}-{}", u.event, u.place.cluster);
        let op_key = if operations.contains_key(&wanted) {
            format!("{wanted}-{}", u.request_id)
        } else {
            wanted
        };
        operations.insert(op_key, op);
    }
    let used: BTreeSet<&str> = a.uses.iter().map(|u| u.event.as_str()).collect();
    let found: Vec<&EventFacts> = events
        .iter()
        .filter(|e| used.contains(e.name.as_str()))
        .collect();
    let mut components = components(&found, schemes);
    // A grant's event that left the catalogue still needs a message to refer to.
    for name in used {
        if !found.iter().any(|e| e.name == name) {
            components["messages"][message_key(name)] = json!({
                "name": name,
                "summary": "This event is no longer in the catalogue.",
            });
        }
    }
    json!({
        "asyncapi": ASYNCAPI_VERSION,
        "id": format!("urn:switchboard:application:{}", a.id),
        "info": {
            "title": a.name,
            "version": "1",
            "description": application_description(a),
            "contact": contact(&a.team_name, &[]),
        },
        "servers": servers,
        "channels": channels,
        "operations": operations,
        "components": components,
    })
}

fn channel(place: &Place, events: &[&str], description: &str, partitions: Option<i64>) -> Value {
    let messages: Map<String, Value> = events
        .iter()
        .map(|e| (message_key(e).to_string(), message_ref(e)))
        .collect();
    let mut binding = json!({ "topic": place.topic, "bindingVersion": KAFKA_BINDING });
    if let Some(p) = partitions.filter(|p| *p >= 1) {
        binding["partitions"] = json!(p);
    }
    json!({
        "address": place.topic,
        "title": format!("{} on {}", place.topic, place.cluster),
        "description": description,
        "servers": [server_ref(&place.cluster)],
        "messages": messages,
        "bindings": { "kafka": binding },
    })
}

fn message_ref(event: &str) -> Value {
    json!({ "$ref": format!("#/components/messages/{}", message_key(event)) })
}

/// An operation on channel `channel` with the event's message (as the
/// channel holds it: AsyncAPI 3 requires operations to use the channel's).
fn operation(action: &str, channel: &str, event: &str, title: String) -> Value {
    json!({
        "action": action,
        "channel": { "$ref": format!("#/channels/{channel}") },
        "messages": [{ "$ref": format!("#/channels/{channel}/messages/{}", message_key(event)) }],
        "title": title,
    })
}

fn components(events: &[&EventFacts], schemes: Map<String, Value>) -> Value {
    let mut messages = Map::new();
    let mut schemas = Map::new();
    for e in events {
        let (m, key) = message(e);
        messages.insert(message_key(&e.name).to_string(), m);
        if let Some(key) = key {
            schemas.insert(key_schema_key(&e.name), key);
        }
    }
    let mut c = json!({ "messages": messages });
    if !schemas.is_empty() {
        c["schemas"] = Value::Object(schemas);
    }
    if !schemes.is_empty() {
        c["securitySchemes"] = Value::Object(schemes);
    }
    c
}

/// The owning team, with the first contact that is an email address.
fn contact(team: &str, contacts: &[String]) -> Value {
    let mut c = json!({ "name": team });
    let email = contacts
        .iter()
        .map(|c| c.trim())
        .find(|c| looks_like_email(c));
    if let Some(email) = email {
        c["email"] = json!(email);
    }
    c
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
                && !domain.contains('@')
        }
        None => false,
    }
}

fn event_description(e: &EventFacts) -> String {
    let mut lines = vec![
        format!(
            "- **Event:** `{}` (domain `{}`, lifecycle {})",
            e.name, e.domain, e.lifecycle
        ),
        format!("- **Owner:** {} (`{}`)", e.team_name, e.team_id),
    ];
    if !e.contacts.is_empty() {
        lines.push(format!("- **Contacts:** {}", e.contacts.join(", ")));
    }
    lines.push(format!(
        "- **Home:** `{}` on `{}`",
        e.home.topic, e.home.cluster
    ));
    if !e.mirrors.is_empty() {
        let mirrors: Vec<String> = e
            .mirrors
            .iter()
            .map(|m| format!("`{}` on `{}`", m.topic, m.cluster))
            .collect();
        lines.push(format!("- **Mirrors:** {}", mirrors.join(", ")));
    }
    if e.is_pii() {
        let mut fields: Vec<String> = e
            .pii_value_fields
            .iter()
            .map(|f| format!("`{f}`"))
            .collect();
        fields.extend(e.pii_key_fields.iter().map(|f| format!("`{f}` (key)")));
        let which = if fields.is_empty() {
            "the event as a whole".to_string()
        } else {
            fields.join(", ")
        };
        lines.push(format!(
            "- **Personal data (PII):** {which}. Access needs the data protection office's approval."
        ));
    }
    lines.push(
        "- **Access:** ask for it on the event's page in Switchboard (a consume or produce request)."
            .to_string(),
    );
    join_description(&e.description, &lines)
}

fn application_description(a: &ApplicationFacts) -> String {
    let mut lines = vec![format!(
        "- **Application** {} of {} (`{}`)",
        a.id, a.team_name, a.team_id
    )];
    if !a.principals.is_empty() {
        let principals: Vec<String> = a
            .principals
            .iter()
            .map(|(cluster, p)| format!("`{p}` on `{cluster}`"))
            .collect();
        lines.push(format!("- **Principals:** {}", principals.join(", ")));
    }
    let consumes = a.uses.iter().filter(|u| u.consumer_group.is_some()).count();
    lines.push(format!(
        "- **Grants:** {consumes} to consume, {} to produce (active or being provisioned)",
        a.uses.len() - consumes
    ));
    join_description(&a.description, &lines)
}

fn join_description(text: &str, facts: &[String]) -> String {
    let facts = facts.join("\n");
    if text.trim().is_empty() {
        facts
    } else {
        format!("{}\n\n---\n\n{facts}", text.trim_end())
    }
}

fn use_description(u: &UseFacts) -> String {
    let state = if u.state == "active" {
        "active"
    } else {
        "being provisioned"
    };
    let mut d = format!(
        "As `{}`, granted by request {} until {} ({state}).",
        u.principal, u.request_id, u.expires_at
    );
    if let Some(g) = &u.consumer_group {
        if g.is_prefix {
            d.push_str(&format!(
                " Any consumer group whose id starts with `{}`.",
                g.name
            ));
        } else {
            d.push_str(&format!(" Consumer group `{}`.", g.name));
        }
    }
    d
}

/// The Kafka binding's `groupId`: the group, or every group of the prefix.
fn group_schema(name: &str, is_prefix: bool) -> Value {
    if is_prefix {
        json!({
            "type": "string",
            "pattern": format!("^{}", regex_escape(name)),
            "description": format!("A prefixed grant: any group id starting with `{name}`."),
        })
    } else {
        json!({ "type": "string", "enum": [name] })
    }
}

/// Group names hold letters, digits, `.`, `_` and `-` (access policy): only
/// the dot means something in a pattern.
fn regex_escape(s: &str) -> String {
    s.replace('.', "\\.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asyncapi::facts::fixtures::event;
    use crate::asyncapi::facts::Group;

    fn mirrored() -> EventFacts {
        let mut e = event();
        e.mirrors.push(Place {
            cluster: "gcp".into(),
            topic: "crm.customer.updated.v1".into(),
        });
        e
    }

    #[test]
    fn an_event_has_a_server_channel_and_receive_per_cluster_and_sends_at_home() {
        let doc = event_document(&mirrored(), &[]);
        assert_eq!(doc["asyncapi"], "3.0.0");
        assert_eq!(doc["info"]["version"], "3");
        assert_eq!(doc["info"]["contact"]["name"], "CRM");
        assert_eq!(doc["info"]["contact"]["email"], "crm@example.com");
        let servers: Vec<&String> = doc["servers"].as_object().unwrap().keys().collect();
        assert_eq!(servers, ["aws", "gcp"]);
        assert_eq!(doc["channels"]["gcp"]["address"], "crm.customer.updated.v1");
        assert_eq!(doc["channels"]["aws"]["bindings"]["kafka"]["partitions"], 6);
        assert!(doc["channels"]["gcp"]["bindings"]["kafka"]
            .get("partitions")
            .is_none());
        let ops: Vec<&String> = doc["operations"].as_object().unwrap().keys().collect();
        assert_eq!(ops, ["receive-aws", "receive-gcp", "send-aws"]);
        assert_eq!(
            doc["operations"]["receive-gcp"]["messages"][0]["$ref"],
            "#/channels/gcp/messages/customer.updated"
        );
        assert_eq!(
            doc["channels"]["gcp"]["messages"]["customer.updated"]["$ref"],
            "#/components/messages/customer.updated"
        );
        assert!(doc["components"]["schemas"]["customer.updated.key"].is_object());
        let description = doc["info"]["description"].as_str().unwrap();
        assert!(description.contains("`email`"), "{description}");
    }

    #[test]
    fn an_application_receives_with_its_group_and_sends() {
        let e = event();
        let consume = UseFacts {
            event: e.name.clone(),
            place: Place {
                cluster: "gcp".into(),
                topic: e.home.topic.clone(),
            },
            consumer_group: Some(Group {
                name: "insights.churn".into(),
                is_prefix: true,
            }),
            principal: "User:svc-churn".into(),
            request_id: 7,
            state: "pending".into(),
            expires_at: "2027-01-31T23:59:59Z".into(),
        };
        let produce = UseFacts {
            place: e.home.clone(),
            consumer_group: None,
            request_id: 8,
            state: "active".into(),
            ..consume.clone()
        };
        let app = ApplicationFacts {
            id: "3".into(),
            name: "churn".into(),
            description: String::new(),
            team_id: "insights".into(),
            team_name: "Insights".into(),
            principals: vec![("gcp".into(), "User:svc-churn".into())],
            uses: vec![consume.clone(), produce, consume],
        };
        let doc = application_document(&app, &[e], &[]);
        let ops = doc["operations"].as_object().unwrap();
        let keys: Vec<&String> = ops.keys().collect();
        assert_eq!(
            keys,
            [
                "receive-customer.updated-gcp",
                "receive-customer.updated-gcp-7",
                "send-customer.updated-aws"
            ]
        );
        let receive = &ops["receive-customer.updated-gcp"];
        assert_eq!(
            receive["bindings"]["kafka"]["groupId"]["pattern"],
            "^insights\\.churn"
        );
        assert_eq!(
            receive["channel"]["$ref"],
            "#/channels/gcp.crm.customer.updated.v1"
        );
        assert_eq!(ops["send-customer.updated-aws"]["action"], "send");
        assert!(ops["send-customer.updated-aws"].get("bindings").is_none());
        assert_eq!(doc["channels"].as_object().unwrap().len(), 2);
        assert!(doc["components"]["messages"]["customer.updated"]["payload"].is_object());
    }

    #[test]
    fn an_exact_group_is_an_enum() {
        assert_eq!(
            group_schema("billing", false),
            json!({"type": "string", "enum": ["billing"]})
        );
    }

    #[test]
    fn only_addresses_become_the_contact_email() {
        let c = contact("T", &["Jo Bloggs".into(), " jo@example.com ".into()]);
        assert_eq!(c, json!({"name": "T", "email": "jo@example.com"}));
        assert_eq!(contact("T", &["a@b".into()]), json!({"name": "T"}));
    }
}
