//! The in-process phase: subjects at FULL_TRANSITIVE get [`VERSIONS`]
//! versions each (untimed), then the next registration is timed through
//! `RegistryService::register`: register plus the FULL_TRANSITIVE check
//! against every earlier version. Half the subjects are timed on the served
//! service right after their setup (their earlier versions are in its cache of
//! parsed schemas); the other half on a fresh `RegistryService` over the same
//! database (empty cache, as after a restart). `RegistryService::check`
//! alone, and the pure Avro work without the database, are timed as
//! diagnostics.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use app::auth::Caller;
use serde_json::{json, Value};
use switchboard::db::Db;
use switchboard::registry::{Level, NewSchema, RegistryError, RegistryService};

use super::schemas::{self, VERSIONS};
use crate::common::report::{round, Stats};

pub struct Figures {
    /// Registrations with the earlier versions cached (the served service).
    pub register_warm: Stats,
    /// Registrations on a fresh service (every earlier version parsed).
    pub register_cold: Stats,
    pub check_warm: Stats,
    pub check_cold: Stats,
    pub setup: Stats,
    pub setup_seconds: f64,
    /// Schema ids registered, for the HTTP phase.
    pub ids: Vec<i64>,
    pub json: Value,
}

pub fn admin() -> Caller {
    Caller {
        user_id: "bench.admin".into(),
        admin: true,
        teams: vec![],
    }
}

fn timed<T>(times: &mut Vec<Duration>, started: Instant, value: T) -> T {
    times.push(started.elapsed());
    value
}

pub async fn measure(
    db: &Db,
    served: &RegistryService,
    subjects: usize,
) -> anyhow::Result<Figures> {
    let admin = admin();
    let caller = Some(&admin);
    let (mut setup, mut ids) = (Vec::new(), Vec::new());
    let (mut reg_warm, mut reg_cold, mut chk_warm, mut chk_cold) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let began = Instant::now();
    let mut setup_time = Duration::ZERO;
    for s in 0..subjects {
        let subject = schemas::subject(s);
        let setup_began = Instant::now();
        served
            .set_level(caller, Some(&subject), Level::FullTransitive)
            .await?;
        for v in 1..=VERSIONS {
            let schema = NewSchema::avro(schemas::version(s, v), vec![]);
            let started = Instant::now();
            let done = served.register(caller, &subject, &schema).await;
            let done = timed(&mut setup, started, done)
                .with_context(|| format!("setup of {subject} version {v}"))?;
            ids.push(done.id);
        }
        setup_time += setup_began.elapsed();
        let next = NewSchema::avro(schemas::version(s, VERSIONS + 1), vec![]);
        let warm = s % 2 == 0;
        // Cold: each call on a service of its own, so neither warms the other's cache.
        let (check_on, register_on) = if warm {
            (None, None)
        } else {
            (
                Some(RegistryService::new(db.clone(), false)),
                Some(RegistryService::new(db.clone(), false)),
            )
        };
        let started = Instant::now();
        let verdict = check_on
            .as_ref()
            .unwrap_or(served)
            .check(&subject, None, &next)
            .await;
        let verdict = timed(
            if warm { &mut chk_warm } else { &mut chk_cold },
            started,
            verdict,
        )?;
        if !verdict.compatible {
            bail!(
                "{subject}: the next version is refused: {:?}",
                verdict.messages
            );
        }
        let started = Instant::now();
        let done = register_on
            .as_ref()
            .unwrap_or(served)
            .register(caller, &subject, &next)
            .await;
        let done = timed(
            if warm { &mut reg_warm } else { &mut reg_cold },
            started,
            done,
        )?;
        if done.version != VERSIONS as i32 + 1 {
            bail!("{subject}: registered as version {}", done.version);
        }
        ids.push(done.id);
    }
    let seconds = began.elapsed().as_secs_f64();
    let refused = refuses_incompatible(served, caller).await?;
    ids.sort_unstable();
    ids.dedup();
    let json = json!({
        "subjects": subjects,
        "timed_warm": reg_warm.len(),
        "timed_cold": reg_cold.len(),
        "distinct_ids": ids.len(),
        "phase_seconds": round(seconds, 2),
        "refuses_incompatible": refused,
    });
    Ok(Figures {
        register_warm: Stats::of(reg_warm),
        register_cold: Stats::of(reg_cold),
        check_warm: Stats::of(chk_warm),
        check_cold: Stats::of(chk_cold),
        setup: Stats::of(setup),
        setup_seconds: setup_time.as_secs_f64(),
        ids,
        json,
    })
}

/// The bench's schemas really are checked: a last version without a default
/// on its added field is refused as incompatible.
async fn refuses_incompatible(
    served: &RegistryService,
    caller: Option<&Caller>,
) -> anyhow::Result<bool> {
    let schema = NewSchema::avro(schemas::incompatible(0), vec![]);
    match served.register(caller, &schemas::subject(0), &schema).await {
        Err(RegistryError::Incompatible(_)) => Ok(true),
        Err(e) => Err(e.into()),
        Ok(r) => bail!("an incompatible schema was registered: {r:?}"),
    }
}

/// The Avro work alone, without the database: parsing the candidate, parsing
/// the earlier versions, cloning them (what the cache hands out) and the
/// FULL_TRANSITIVE check, over `subjects` subjects.
pub fn cpu(subjects: usize) -> anyhow::Result<Value> {
    let (mut parse_one, mut parse_all, mut clone_all, mut check) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut bytes = Vec::new();
    for s in 0..subjects {
        let texts: Vec<String> = (1..=VERSIONS).map(|v| schemas::version(s, v)).collect();
        let next = schemas::version(s, VERSIONS + 1);
        bytes.push(next.len());
        let started = Instant::now();
        let candidate = switchboard_avro::parse(&next, &[])?;
        parse_one.push(started.elapsed());
        let started = Instant::now();
        let previous = texts
            .iter()
            .map(|t| switchboard_avro::parse(t, &[]))
            .collect::<Result<Vec<_>, _>>()?;
        parse_all.push(started.elapsed());
        let started = Instant::now();
        let cloned: Vec<_> = previous.to_vec();
        clone_all.push(started.elapsed());
        let started = Instant::now();
        let violations = switchboard_avro::check(Level::FullTransitive, &candidate, &cloned);
        check.push(started.elapsed());
        if !violations.is_empty() {
            bail!("subject {s}: {violations:?}");
        }
    }
    let avg = bytes.iter().sum::<usize>() / bytes.len().max(1);
    Ok(json!({
        "subjects": subjects,
        "candidate_bytes_avg": avg,
        "candidate_bytes_range": [bytes.iter().min(), bytes.iter().max()],
        "parse_candidate": Stats::of(parse_one).json(),
        "parse_earlier_versions": Stats::of(parse_all).json(),
        "clone_earlier_versions": Stats::of(clone_all).json(),
        "full_transitive_check": Stats::of(check).json(),
    }))
}

/// `RegistryService::schema_by_id` on every id, sequentially, twice on one
/// fresh service: the first read of each id (from the database) and the
/// second (what the served service answers once it has read them).
pub async fn reads_by_id(db: &Db, ids: &[i64]) -> anyhow::Result<(Stats, Stats)> {
    let fresh = RegistryService::new(db.clone(), false);
    let mut passes = [Vec::new(), Vec::new()];
    for times in &mut passes {
        for &id in ids {
            let started = Instant::now();
            let found = fresh.schema_by_id(id).await;
            timed(times, started, found)?;
        }
    }
    let [first, second] = passes;
    Ok((Stats::of(first), Stats::of(second)))
}
