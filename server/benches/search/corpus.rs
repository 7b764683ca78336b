//! The generated catalogue: event `i` is a pure function of `i`, so the
//! corpus is streamed (never held whole in memory) and identical everywhere.

use std::fmt::Write as _;

use serde_json::json;
use switchboard::catalogue::model::{EventSpec, Lifecycle, Tag, Team, Volumetrics};
use switchboard::catalogue::schema_tree;
use switchboard::search::{EventDoc, FieldDoc};

use super::avro::{self, pascal};
use super::rng::Rng;
use super::vocab::*;

/// 2023-01-01T00:00:00Z.
const EPOCH: i64 = 1_672_531_200;
const MIN_DESCRIPTION: usize = 1024;
const MAX_DESCRIPTION: usize = 3072;

/// One generated event with what the database derives for the index.
pub struct GenEvent {
    pub spec: EventSpec,
    pub classification: &'static str,
    /// Home cluster first, then mirrors.
    pub clusters: Vec<&'static str>,
    pub updated_at: i64,
    pub fields: usize,
}

pub fn teams() -> Vec<Team> {
    TEAMS
        .iter()
        .map(|(id, name, domain)| Team {
            id: (*id).to_owned(),
            name: (*name).to_owned(),
            description: format!("Owns the {domain} events of the mesh."),
            members: vec![format!("lead@{id}.telco.example")],
        })
        .collect()
}

pub fn tags() -> Vec<Tag> {
    let classification = CLASSIFICATIONS.iter().map(|name| (name, true));
    let free = FREE_TAGS.iter().map(|name| (name, false));
    classification
        .chain(free)
        .map(|(name, classification)| Tag {
            name: (*name).to_owned(),
            description: format!("Events labelled {name}."),
            colour: "#3366aa".to_owned(),
            classification,
        })
        .collect()
}

pub fn event(i: usize) -> GenEvent {
    let mut rng = Rng::for_item(1, i);
    let (team, _, home_domain) = *rng.pick(&TEAMS);
    let domain = if rng.chance(70) {
        home_domain
    } else {
        *rng.pick(&DOMAINS)
    };
    let entity = *rng.pick(&ENTITIES);
    let action = *rng.pick(&ACTIONS);
    let qualifier = *rng.pick(&QUALIFIERS);
    let version = rng.range(1, 3);
    let name = format!("{domain}.{entity}.{qualifier}.{action}.v{version}-{i}");
    let title = format!(
        "{} {} ({}, v{version})",
        pascal(entity),
        pascal(action),
        qualifier.to_uppercase()
    );
    let classification = match rng.below(100) {
        0..=24 => "pii",
        25..=44 => "confidential",
        45..=84 => "internal",
        _ => "public",
    };
    let mut tags = vec![classification.to_owned()];
    for _ in 0..rng.below(4) {
        let tag = (*rng.pick(&FREE_TAGS)).to_owned();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let lifecycle = match rng.below(100) {
        0..=69 => Lifecycle::Published,
        70..=84 => Lifecycle::Draft,
        85..=94 => Lifecycle::Deprecated,
        _ => Lifecycle::Retired,
    };
    let home = match rng.below(10) {
        0..=4 => CLUSTERS[0],
        5..=7 => CLUSTERS[1],
        _ => CLUSTERS[2],
    };
    let mut clusters = vec![home];
    if rng.chance(30) {
        let mirror = *rng.pick(&CLUSTERS);
        if mirror != home {
            clusters.push(mirror);
        }
    }
    let description = description(&mut rng, entity, action, qualifier);
    let record = format!("{}{}", pascal(entity), pascal(action));
    let namespace = format!("com.telco.{}", domain.replace('-', "_"));
    let personal = matches!(classification, "pii" | "confidential");
    let schema = avro::value_schema(
        &mut rng,
        &record,
        &namespace,
        personal,
        classification == "pii",
    );
    let key_schema = rng
        .chance(50)
        .then(|| avro::key_schema(&mut rng, entity, &record));
    let sample = json!({
        "eventId": format!("{:08x}-{i:04x}", rng.next_u64() as u32),
        "occurredAt": EPOCH * 1000 + rng.below(1 << 30) as i64,
        "entity": entity,
        "status": *rng.pick(&STATUSES),
        "region": *rng.pick(&REGIONS),
    });
    let updated_at = EPOCH + rng.below(2 * 365 * 86_400) as i64;
    GenEvent {
        spec: EventSpec {
            topic: name.clone(),
            name,
            title,
            description,
            team: team.to_owned(),
            domain: domain.to_owned(),
            lifecycle,
            home_cluster: home.to_owned(),
            tags,
            field_tags: schema.field_tags,
            value_schema: Some(schema.json),
            key_schema,
            volumetrics: Some(Volumetrics {
                messages_per_second: rng.range(1, 20_000) as f64 / 10.0,
                avg_size_bytes: rng.range(200, 8_000) as i64,
            }),
            sample: Some(sample),
            contacts: vec![format!("{team}@telco.example")],
            partitions: Some([3, 6, 12, 24][rng.below(4)]),
        },
        classification,
        clusters,
        updated_at,
        fields: schema.fields,
    }
}

/// The index document the server's `CatalogueService` builds for this event
/// once it is in the database (same field flattening, clusters, classification).
pub fn doc(event: &GenEvent) -> EventDoc {
    let spec = &event.spec;
    let mut fields = Vec::new();
    for schema in [&spec.value_schema, &spec.key_schema].into_iter().flatten() {
        if let Ok(tree) = schema_tree::field_tree(&schema.to_string()) {
            let flat = schema_tree::flatten(&tree).into_iter();
            fields.extend(flat.map(|(path, doc)| FieldDoc { path, doc }));
        }
    }
    EventDoc {
        name: spec.name.clone(),
        title: spec.title.clone(),
        description: spec.description.clone(),
        team: spec.team.clone(),
        domain: spec.domain.clone(),
        lifecycle: spec.lifecycle.as_str().to_owned(),
        tags: spec.tags.clone(),
        classification: Some(event.classification.to_owned()),
        clusters: event.clusters.iter().map(|c| (*c).to_owned()).collect(),
        fields,
        updated_at: event.updated_at,
    }
}

/// 1-3 KB of Markdown: an opening line, paragraphs and a consumer list.
fn description(rng: &mut Rng, entity: &str, action: &str, qualifier: &str) -> String {
    let target = rng.range(MIN_DESCRIPTION, MAX_DESCRIPTION);
    let mut out = String::with_capacity(MAX_DESCRIPTION + 64);
    let _ = write!(
        out,
        "Emitted by the **{}** whenever a {entity} is {action} for {qualifier} services in {}. ",
        rng.pick(&SYSTEMS),
        rng.pick(&REGIONS)
    );
    while out.len() < target {
        let next = sentence(rng, entity);
        if out.len() + next.len() > MAX_DESCRIPTION {
            break;
        }
        out.push_str(&next);
    }
    out
}

fn sentence(rng: &mut Rng, entity: &str) -> String {
    let mut w = || *rng.pick(&WORDS);
    let (a, b, c, d) = (w(), w(), w(), w());
    match rng.below(10) {
        0 => format!("Typical consumers use it to {}. ", rng.pick(&PURPOSES)),
        1 => format!("The payload carries the {a} {b} and the {c} {d} of the {entity}. "),
        2 => format!(
            "Ordering is guaranteed per `{entity}_id` within a partition; consumers must be idempotent. "
        ),
        3 => format!(
            "Events are published within {} seconds of the change in the {}. ",
            rng.range(1, 90),
            rng.pick(&SYSTEMS)
        ),
        4 => format!(
            "During a {a} {b}, the producer may replay up to {} hours of {c} records. ",
            rng.range(1, 48)
        ),
        5 => format!(
            "Site codes such as `{}-{}-{:04}` identify the {a} {b}. ",
            ["AMS", "RTM", "UTR", "EHV", "GRQ"][rng.below(5)],
            ["RT", "SW", "OLT", "BBU", "CAB"][rng.below(5)],
            rng.below(10_000)
        ),
        6 => format!(
            "{} and {b} figures are reconciled nightly against the {}. ",
            pascal(a),
            rng.pick(&SYSTEMS)
        ),
        7 => {
            let (first, second) = (*rng.pick(&PURPOSES), *rng.pick(&PURPOSES));
            format!(
                "\n\n## Consumers\n\n- {}\n- {}\n\n",
                pascal(first),
                pascal(second)
            )
        }
        8 => format!(
            "Retention is {} days on the master topic; mirrors in {} keep {} days. ",
            rng.range(3, 30),
            rng.pick(&REGIONS),
            rng.range(1, 7)
        ),
        _ => format!(
            "A {a} {b} without {c} is reported as {} so that {d} checks can {}. ",
            rng.pick(&STATUSES).to_lowercase(),
            rng.pick(&PURPOSES)
        ),
    }
}
