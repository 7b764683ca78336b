//! How to connect with an active grant: the cluster's bootstrap servers, the
//! topic, group and principal, the schema registry, and client settings ready
//! to paste for Java, Python (confluent-kafka) and Rust (rdkafka), each value
//! quoted for its language.

use leptos::prelude::*;

use super::quote::{
    comment, jaas_string, java_string, properties_value, python_string, rust_string,
};
use crate::access::ConnectionInfo;

/// The principal's name as SASL knows it (`User:svc-x` → `svc-x`).
fn user_name(c: &ConnectionInfo) -> &str {
    c.principal.strip_prefix("User:").unwrap_or(&c.principal)
}

fn role(c: &ConnectionInfo) -> &'static str {
    if c.produce {
        "producer"
    } else {
        "consumer"
    }
}

/// The JAAS login module of a SASL mechanism Java clients log in with by
/// user name and password.
fn login_module(mechanism: &str) -> Option<&'static str> {
    match mechanism.to_ascii_uppercase().as_str() {
        "PLAIN" => Some("org.apache.kafka.common.security.plain.PlainLoginModule"),
        m if m.starts_with("SCRAM-") => {
            Some("org.apache.kafka.common.security.scram.ScramLoginModule")
        }
        _ => None,
    }
}

/// One `key=value` line of a `.properties` file.
fn property(key: &str, value: &str) -> String {
    format!("{key}={}\n", properties_value(value))
}

/// A Java client's `.properties` (Confluent Avro serdes). Every value is
/// quoted for `.properties` (and the JAAS user name for JAAS inside it).
pub fn java_settings(c: &ConnectionInfo, registry: &str) -> String {
    let mut s = format!("# {} of {} (Confluent Avro)\n", role(c), comment(&c.topic));
    s.push_str(&property("bootstrap.servers", &c.bootstrap_servers));
    s.push_str(&property("security.protocol", &c.security_protocol));
    if let Some(mechanism) = &c.sasl_mechanism {
        s.push_str(&property("sasl.mechanism", mechanism));
        s.push_str(&format!("# sasl.username={}\n", comment(user_name(c))));
        s.push_str("# Put the password in from your secret store; never commit it.\n");
        match login_module(mechanism) {
            Some(module) => s.push_str(&property(
                "sasl.jaas.config",
                &format!(
                    "{module} required username={} password=\"<password>\";",
                    jaas_string(user_name(c))
                ),
            )),
            None => s.push_str(&format!(
                "# sasl.jaas.config=<the login module of {} for {}>\n",
                comment(mechanism),
                comment(user_name(c))
            )),
        }
    }
    s.push_str(&property("schema.registry.url", registry));
    if c.produce {
        s.push_str("key.serializer=org.apache.kafka.common.serialization.StringSerializer\n");
        s.push_str("value.serializer=io.confluent.kafka.serializers.KafkaAvroSerializer\n");
        s.push_str(&format!(
            "# The value schema is registered as {}: use it as is.\n",
            comment(&c.value_subject)
        ));
        s.push_str("auto.register.schemas=false\n");
        s.push_str("use.latest.version=true\n");
        s.push_str("acks=all\n");
        s.push_str(&format!(
            "# producer.send(new ProducerRecord<>({}, key, value));\n",
            java_string(&c.topic)
        ));
    } else {
        s.push_str("key.deserializer=org.apache.kafka.common.serialization.StringDeserializer\n");
        s.push_str("value.deserializer=io.confluent.kafka.serializers.KafkaAvroDeserializer\n");
        if let Some(group) = &c.group {
            s.push_str(&property("group.id", group));
        }
        s.push_str("enable.auto.commit=false\n");
        s.push_str("auto.offset.reset=earliest\n");
        s.push_str(&format!(
            "# consumer.subscribe(List.of({})); commit after processing (commitSync).\n",
            java_string(&c.topic)
        ));
    }
    s
}

/// A Python client with confluent-kafka; every value a Python string literal.
pub fn python_settings(c: &ConnectionInfo, registry: &str) -> String {
    let client = if c.produce { "Producer" } else { "Consumer" };
    let serde = if c.produce {
        "AvroSerializer"
    } else {
        "AvroDeserializer"
    };
    let mut s = format!("from confluent_kafka import {client}\n");
    s.push_str("from confluent_kafka.schema_registry import SchemaRegistryClient\n");
    s.push_str(&format!(
        "from confluent_kafka.schema_registry.avro import {serde}\n"
    ));
    s.push_str("from confluent_kafka.serialization import MessageField, SerializationContext\n\n");
    s.push_str(&format!(
        "registry = SchemaRegistryClient({{\"url\": {}}})\n",
        python_string(registry)
    ));
    if c.produce {
        s.push_str(&format!(
            "# The value schema: the latest version of {}.\n",
            comment(&c.value_subject)
        ));
        s.push_str(&format!(
            "schema = registry.get_latest_version({}).schema\n",
            python_string(&c.value_subject)
        ));
        s.push_str(
            "serialize_value = AvroSerializer(registry, schema, conf={\"auto.register.schemas\": False})\n\n",
        );
    } else {
        s.push_str("deserialize_value = AvroDeserializer(registry)\n\n");
    }
    let entry = |key: &str, value: &str| format!("    \"{key}\": {},\n", python_string(value));
    s.push_str("config = {\n");
    s.push_str(&entry("bootstrap.servers", &c.bootstrap_servers));
    s.push_str(&entry("security.protocol", &c.security_protocol));
    if let Some(mechanism) = &c.sasl_mechanism {
        s.push_str(&entry("sasl.mechanism", mechanism));
        s.push_str(&entry("sasl.username", user_name(c)));
        s.push_str(
            "    \"sasl.password\": \"<password>\",  # from your secret store; never commit it\n",
        );
    }
    if c.produce {
        s.push_str("    \"acks\": \"all\",\n");
    } else {
        if let Some(group) = &c.group {
            s.push_str(&entry("group.id", group));
        }
        s.push_str("    \"enable.auto.commit\": False,\n");
        s.push_str("    \"auto.offset.reset\": \"earliest\",\n");
    }
    s.push_str("}\n");
    let topic = python_string(&c.topic);
    if c.produce {
        s.push_str("producer = Producer(config)\n");
        s.push_str(&format!(
            "# producer.produce({topic}, key=key, value=serialize_value(record, \
             SerializationContext({topic}, MessageField.VALUE)))\n"
        ));
        s.push_str("# producer.flush()\n");
    } else {
        s.push_str("consumer = Consumer(config)\n");
        s.push_str(&format!("consumer.subscribe([{topic}])\n"));
        s.push_str("# msg = consumer.poll(1.0)\n");
        s.push_str(
            "# value = deserialize_value(msg.value(), SerializationContext(msg.topic(), MessageField.VALUE))\n",
        );
        s.push_str("# consumer.commit(msg)\n");
    }
    s
}

/// A Rust client with rdkafka; every value a Rust string literal.
pub fn rust_settings(c: &ConnectionInfo, registry: &str) -> String {
    let mut s = String::from("use rdkafka::config::ClientConfig;\n");
    if c.produce {
        s.push_str("use rdkafka::producer::FutureProducer;\n\n");
        s.push_str("let producer = ClientConfig::new()\n");
    } else {
        s.push_str("use rdkafka::consumer::{Consumer, StreamConsumer};\n\n");
        s.push_str("let consumer = ClientConfig::new()\n");
    }
    let set = |key: &str, value: &str| format!("    .set(\"{key}\", {})\n", rust_string(value));
    s.push_str(&set("bootstrap.servers", &c.bootstrap_servers));
    s.push_str(&set("security.protocol", &c.security_protocol));
    if let Some(mechanism) = &c.sasl_mechanism {
        s.push_str(&set("sasl.mechanism", mechanism));
        s.push_str(&set("sasl.username", user_name(c)));
        s.push_str("    .set(\"sasl.password\", \"<password>\") // from your secret store; never commit it\n");
    }
    let topic = rust_string(&c.topic);
    if c.produce {
        s.push_str("    .set(\"acks\", \"all\")\n");
        s.push_str("    .create::<FutureProducer>()?;\n");
        s.push_str(&format!(
            "// producer.send(FutureRecord::to({topic}).key(&key).payload(&avro_bytes), Duration::from_secs(5)).await\n"
        ));
    } else {
        if let Some(group) = &c.group {
            s.push_str(&set("group.id", group));
        }
        s.push_str("    .set(\"enable.auto.commit\", \"false\")\n");
        s.push_str("    .set(\"auto.offset.reset\", \"earliest\")\n");
        s.push_str("    .create::<StreamConsumer>()?;\n");
        s.push_str(&format!("consumer.subscribe(&[{topic}])?;\n"));
    }
    s.push_str(&format!(
        "// Values are Confluent Avro (magic byte, schema id, body): the schemas are at\n\
         // {} under {} (e.g. with the schema_registry_converter crate).\n",
        comment(registry),
        comment(&c.value_subject)
    ));
    s
}

/// The connection details of an active grant, with client settings.
#[component]
pub fn ConnectionPanel(
    c: ConnectionInfo,
    /// Whether the group is a prefix (any group starting with it).
    #[prop(optional)]
    group_is_prefix: bool,
) -> impl IntoView {
    // The portal's own registry: relative on the server, absolute once the
    // page runs in the browser (the origin is known only there).
    let origin = RwSignal::new(String::new());
    if c.registry_url.is_none() {
        Effect::new(move |_| {
            if let Ok(o) = window().location().origin() {
                origin.set(o);
            }
        });
    }
    let own = c.registry_url.clone();
    let registry = Signal::derive(move || {
        own.clone()
            .unwrap_or_else(|| format!("{}/registry", origin.get()))
    });
    let group = match (&c.group, c.produce) {
        (_, true) => "producer".to_string(),
        (Some(g), false) if group_is_prefix => format!("{g}… (any group starting with it)"),
        (Some(g), false) => g.clone(),
        (None, false) => "—".to_string(),
    };
    let (c1, c2, c3) = (c.clone(), c.clone(), c.clone());
    view! {
        <section class="panel" data-testid="connection">
            <h2>"Connect"</h2>
            <div class="facts">
                <dl>
                    <dt>"Bootstrap servers"</dt><dd class="mono" data-testid="bootstrap-servers">{c.bootstrap_servers.clone()}</dd>
                    <dt>"Security"</dt>
                    <dd class="mono">{c.security_protocol.clone()}{c.sasl_mechanism.clone().map(|m| format!(" ({m})"))}</dd>
                    <dt>"Topic"</dt><dd class="mono" data-testid="connection-topic">{c.topic.clone()}</dd>
                    <dt>{if c.produce { "Role" } else { "Consumer group" }}</dt><dd class="mono">{group}</dd>
                    <dt>"Principal"</dt><dd class="mono">{c.principal.clone()}</dd>
                    <dt>"Schema registry"</dt><dd class="mono" data-testid="registry-url">{registry}</dd>
                    <dt>"Value subject"</dt><dd class="mono">{c.value_subject.clone()}</dd>
                </dl>
            </div>
            <h3>"Java ("<code>".properties"</code>")"</h3>
            <pre class="code" data-testid="snippet-java">{move || java_settings(&c1, &registry.get())}</pre>
            <h3>"Python (confluent-kafka)"</h3>
            <pre class="code" data-testid="snippet-python">{move || python_settings(&c2, &registry.get())}</pre>
            <h3>"Rust (rdkafka)"</h3>
            <pre class="code" data-testid="snippet-rust">{move || rust_settings(&c3, &registry.get())}</pre>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consumer() -> ConnectionInfo {
        ConnectionInfo {
            bootstrap_servers: "gcp-1:9092,gcp-2:9092".into(),
            security_protocol: "PLAINTEXT".into(),
            sasl_mechanism: None,
            principal: "User:svc-churn".into(),
            topic: "aws.customer.address.changed".into(),
            group: Some("churn-model".into()),
            produce: false,
            registry_url: None,
            value_subject: "customer.address.changed-value".into(),
        }
    }

    fn producer() -> ConnectionInfo {
        ConnectionInfo {
            group: None,
            produce: true,
            topic: "customer.address.changed".into(),
            security_protocol: "SASL_SSL".into(),
            sasl_mechanism: Some("SCRAM-SHA-512".into()),
            ..consumer()
        }
    }

    const REGISTRY: &str = "http://portal:3000/registry";

    #[test]
    fn java_consumer() {
        let s = java_settings(&consumer(), REGISTRY);
        assert!(s.contains("bootstrap.servers=gcp-1:9092,gcp-2:9092\n"));
        assert!(s.contains("security.protocol=PLAINTEXT\n"));
        assert!(s.contains("aws.customer.address.changed"));
        assert!(s.contains("group.id=churn-model\n"));
        assert!(s.contains("enable.auto.commit=false\n"));
        assert!(s.contains("schema.registry.url=http://portal:3000/registry\n"));
        assert!(
            s.contains("value.deserializer=io.confluent.kafka.serializers.KafkaAvroDeserializer")
        );
        assert!(!s.contains("sasl."));
        assert!(!s.contains("serializer=io.confluent.kafka.serializers.KafkaAvroSerializer"));
    }

    #[test]
    fn java_producer_with_sasl() {
        let s = java_settings(&producer(), REGISTRY);
        assert!(s.contains("value.serializer=io.confluent.kafka.serializers.KafkaAvroSerializer"));
        assert!(s.contains("security.protocol=SASL_SSL\n"));
        assert!(s.contains("sasl.mechanism=SCRAM-SHA-512\n"));
        assert!(s.contains("ScramLoginModule required username=\"svc-churn\""));
        assert!(s.contains("sasl.username=svc-churn"));
        assert!(!s.contains("User:"));
        assert!(!s.contains("group.id"));
        assert!(s.contains("\"customer.address.changed\""));
    }

    #[test]
    fn python_consumer_and_producer() {
        let s = python_settings(&consumer(), REGISTRY);
        assert!(s.contains("from confluent_kafka import Consumer\n"));
        assert!(s.contains("\"group.id\": \"churn-model\""));
        assert!(s.contains("\"enable.auto.commit\": False"));
        assert!(s.contains("consumer = Consumer(config)\n"));
        assert!(s.contains("consumer.subscribe([\"aws.customer.address.changed\"])\n"));
        assert!(s.contains("SchemaRegistryClient({\"url\": \"http://portal:3000/registry\"})"));
        assert!(!s.contains("sasl"));

        let s = python_settings(&producer(), REGISTRY);
        assert!(s.contains("producer = Producer(config)\n"));
        assert!(s.contains("\"sasl.mechanism\": \"SCRAM-SHA-512\""));
        assert!(s.contains("\"sasl.username\": \"svc-churn\""));
        assert!(s.contains("\"sasl.password\": \"<password>\""));
        assert!(s.contains("\"security.protocol\": \"SASL_SSL\""));
        assert!(s.contains("customer.address.changed-value"));
        assert!(!s.contains("group.id"));
        assert!(!s.contains("Consumer"));
    }

    /// A principal, topic and group with quotes (rows written before the
    /// server limited them) stay inside their strings in every snippet.
    #[test]
    fn quotes_in_values_are_escaped_per_language() {
        let c = ConnectionInfo {
            principal: r#"User:svc" password="x"#.into(),
            topic: r#"t"); evil("#.into(),
            group: Some(r#"g"\"#.into()),
            ..producer()
        };
        let consumer = ConnectionInfo {
            produce: false,
            ..c.clone()
        };
        let java = java_settings(&c, REGISTRY);
        // `.properties` doubles the JAAS escapes' backslashes.
        assert!(
            java.contains(r#"required username="svc\\" password=\\"x" password="<password>";"#),
            "{java}"
        );
        let java = java_settings(&consumer, REGISTRY);
        assert!(java.contains("group.id=g\"\\\\\n"), "{java}");
        assert!(java.contains(r#"List.of("t\"); evil(")"#), "{java}");

        let python = python_settings(&c, REGISTRY);
        assert!(
            python.contains(r#""sasl.username": "svc\" password=\"x","#),
            "{python}"
        );
        assert!(
            python.contains(r#"# producer.produce("t\"); evil(", key="#),
            "{python}"
        );
        let python = python_settings(&consumer, REGISTRY);
        assert!(python.contains(r#""group.id": "g\"\\","#), "{python}");
        assert!(
            python.contains(r#"consumer.subscribe(["t\"); evil("])"#),
            "{python}"
        );

        let rust = rust_settings(&c, REGISTRY);
        assert!(
            rust.contains(r#".set("sasl.username", "svc\" password=\"x")"#),
            "{rust}"
        );
        assert!(
            rust.contains(r#"FutureRecord::to("t\"); evil(")"#),
            "{rust}"
        );
        let rust = rust_settings(&consumer, REGISTRY);
        assert!(rust.contains(r#".set("group.id", "g\"\\")"#), "{rust}");
    }

    #[test]
    fn rust_consumer_and_producer() {
        let s = rust_settings(&consumer(), REGISTRY);
        assert!(s.contains(".set(\"group.id\", \"churn-model\")"));
        assert!(s.contains(".create::<StreamConsumer>()?;"));
        assert!(s.contains("consumer.subscribe(&[\"aws.customer.address.changed\"])?;"));
        assert!(s.contains(REGISTRY));
        assert!(!s.contains("sasl"));

        let s = rust_settings(&producer(), REGISTRY);
        assert!(s.contains(".create::<FutureProducer>()?;"));
        assert!(s.contains(".set(\"sasl.mechanism\", \"SCRAM-SHA-512\")"));
        assert!(s.contains(".set(\"sasl.username\", \"svc-churn\")"));
        assert!(s.contains("FutureRecord::to(\"customer.address.changed\")"));
        assert!(!s.contains("group.id"));
    }
}
