//! The `servers` of a document (one per cluster) and the security schemes
//! they refer to.

use serde_json::{json, Map, Value};

use super::facts::ServerFacts;

/// The version of the AsyncAPI Kafka bindings the documents use.
pub const KAFKA_BINDING: &str = "0.5.0";

/// The server variable standing in for bootstrap servers the caller may not see.
const HIDDEN_HOST: &str = "bootstrap_servers";

/// Servers of `ids` (in that order) and the security schemes they use. A
/// cluster the portal no longer knows still gets an entry, so references hold.
pub fn servers(ids: &[&str], known: &[ServerFacts]) -> (Map<String, Value>, Map<String, Value>) {
    let mut servers = Map::new();
    let mut schemes = Map::new();
    for id in ids {
        if servers.contains_key(*id) {
            continue;
        }
        let value = match known.iter().find(|s| s.id == *id) {
            Some(facts) => server(facts, &mut schemes),
            None => hidden(
                json!({ "title": id, "protocol": "kafka" }),
                "This cluster is no longer registered in Switchboard.",
            ),
        };
        servers.insert((*id).to_string(), value);
    }
    (servers, schemes)
}

pub fn server_ref(id: &str) -> Value {
    json!({ "$ref": format!("#/servers/{id}") })
}

fn server(c: &ServerFacts, schemes: &mut Map<String, Value>) -> Value {
    // Anonymous callers see neither addresses nor security settings, so
    // nothing tells them whether the cluster uses TLS either.
    let tls = c
        .security
        .as_ref()
        .is_some_and(|s| s.protocol.ends_with("SSL"));
    let mut s = json!({
        "protocol": if tls { "kafka-secure" } else { "kafka" },
        "title": c.name,
        "summary": c.summary,
    });
    let Some(host) = &c.bootstrap_servers else {
        return hidden(
            s,
            "Sign in to Switchboard to see this cluster's bootstrap servers and security settings.",
        );
    };
    s["host"] = json!(host);
    let mechanism = c
        .security
        .as_ref()
        .and_then(|s| s.sasl_mechanism.as_deref());
    if let Some(mechanism) = mechanism {
        let (key, scheme) = sasl_scheme(mechanism);
        s["security"] = json!([{ "$ref": format!("#/components/securitySchemes/{key}") }]);
        schemes.insert(key, scheme);
    }
    if let Some(url) = &c.registry_url {
        s["bindings"] = json!({ "kafka": {
            "schemaRegistryUrl": url,
            "schemaRegistryVendor": "confluent",
            "bindingVersion": KAFKA_BINDING,
        }});
    }
    s
}

/// A server whose host the caller does not learn: a variable that says why.
fn hidden(mut server: Value, why: &str) -> Value {
    server["host"] = json!(format!("{{{HIDDEN_HOST}}}"));
    server["description"] = json!(why);
    server["variables"] = json!({ HIDDEN_HOST: { "description": why } });
    server
}

/// The AsyncAPI scheme of a SASL mechanism (the portal allows PLAIN and the
/// two SCRAM ones); its description never names the portal's own user.
fn sasl_scheme(mechanism: &str) -> (String, Value) {
    let (key, kind) = match mechanism {
        "PLAIN" => ("saslPlain", "plain"),
        "SCRAM-SHA-256" => ("saslScramSha256", "scramSha256"),
        "SCRAM-SHA-512" => ("saslScramSha512", "scramSha512"),
        _ => ("saslUserPassword", "userPassword"),
    };
    let scheme = json!({
        "type": kind,
        "description": format!(
            "SASL/{mechanism} with the user name and password of your application's \
             principal on the cluster (registered with the application in Switchboard)."
        ),
    });
    (key.to_string(), scheme)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::clusters::SecurityView;

    fn cluster(id: &str, security: Option<SecurityView>, host: Option<&str>) -> ServerFacts {
        ServerFacts {
            id: id.into(),
            name: format!("{id} cluster"),
            summary: "AWS, eu-west-1 (Apache Kafka)".into(),
            bootstrap_servers: host.map(str::to_string),
            security,
            registry_url: None,
        }
    }

    #[test]
    fn sasl_over_tls_is_kafka_secure_with_its_scheme() {
        let secure = SecurityView {
            protocol: "SASL_SSL".into(),
            sasl_mechanism: Some("SCRAM-SHA-512".into()),
            sasl_username: Some("switchboard".into()),
            sasl_password_env: Some("KAFKA_PASSWORD".into()),
            ssl_ca_location: None,
        };
        let plain = SecurityView {
            protocol: "PLAINTEXT".into(),
            ..SecurityView::default()
        };
        let known = [
            cluster("aws", Some(secure), Some("b1:9093,b2:9093")),
            cluster("onprem", Some(plain), Some("127.0.0.1:19092")),
        ];
        let (servers, schemes) = servers(&["aws", "onprem", "aws"], &known);
        assert_eq!(servers.len(), 2);
        assert_eq!(servers["aws"]["protocol"], "kafka-secure");
        assert_eq!(servers["aws"]["host"], "b1:9093,b2:9093");
        assert_eq!(
            servers["aws"]["security"][0]["$ref"],
            "#/components/securitySchemes/saslScramSha512"
        );
        assert_eq!(schemes["saslScramSha512"]["type"], "scramSha512");
        assert_eq!(servers["onprem"]["protocol"], "kafka");
        assert!(servers["onprem"].get("security").is_none());
        let text = Value::Object(schemes).to_string();
        assert!(!text.contains("switchboard") && !text.contains("KAFKA_PASSWORD"));
    }

    #[test]
    fn hidden_and_unknown_clusters_have_a_host_variable() {
        let (servers, schemes) = servers(&["gcp", "gone"], &[cluster("gcp", None, None)]);
        for id in ["gcp", "gone"] {
            assert_eq!(servers[id]["host"], "{bootstrap_servers}");
            assert!(servers[id]["variables"]["bootstrap_servers"]["description"].is_string());
        }
        assert!(schemes.is_empty());
    }
}
