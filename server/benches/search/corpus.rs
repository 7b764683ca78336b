//! The generated catalogue: event `i` is a pure function of `i`, so the
//! corpus is streamed (never held whole in memory) and identical everywhere.

use std::time::Instant;

use serde_json::{json, Value};
use switchboard::catalogue::model::{EventSpec, Lifecycle, Tag, Team, Volumetrics};
use switchboard::catalogue::schema_tree;
use switchboard::search::{EventDoc, FieldDoc};

use super::avro::{self, pascal};
use super::prose;
use super::report::round;
use super::rng::Rng;
use super::vocab::*;

/// 2023-01-01T00:00:00Z.
const EPOCH: i64 = 1_672_531_200;

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
    let description = prose::description(&mut rng, entity, action, qualifier);
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

/// Generates (and drops) every document once: timing and corpus figures.
pub fn survey(n: usize) -> Value {
    let started = Instant::now();
    let (mut desc, mut fields, mut schema_bytes, mut sampled) = (vec![], vec![], 0, 0);
    for i in 0..n {
        let event = event(i);
        let doc = doc(&event);
        desc.push(doc.description.len());
        fields.push(event.fields);
        if i % 100 == 0 {
            schema_bytes += event.spec.value_schema.map_or(0, |v| v.to_string().len());
            sampled += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let avg = |v: &[usize]| round(v.iter().sum::<usize>() as f64 / v.len().max(1) as f64, 1);
    let range = |v: &[usize]| json!([v.iter().min(), v.iter().max()]);
    json!({
        "events": n,
        "generation_s": round(seconds, 2),
        "description_bytes_avg": avg(&desc),
        "description_bytes_range": range(&desc),
        "schema_fields_avg": avg(&fields),
        "schema_fields_range": range(&fields),
        "value_schema_bytes_avg": schema_bytes / sampled.max(1),
        "teams": TEAMS.len(),
        "domains": DOMAINS.len(),
        "tags": tags().len(),
        "clusters": CLUSTERS.len(),
    })
}
