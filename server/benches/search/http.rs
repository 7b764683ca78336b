//! The catalogue in SQLite for the HTTP phase, the index the server gets,
//! and the timing of `CatalogueService::reindex`.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};
use switchboard::config::Config;
use switchboard::db::Db;
use switchboard::search::SearchIndex;
use switchboard::serve::app_state;

use super::queries::MixQuery;
use super::report::{proc_mib, reset_peak, round};
use super::{corpus, store, Settings};

/// Catalogue sizes at which `CatalogueService::reindex` is timed.
const PROBES: [usize; 2] = [5_000, 10_000];
/// Queries compared between the reindexed and the directly built index.
const COMPARED: usize = 100;
/// `SB_BENCH_REINDEX=auto` serves what `reindex` builds up to this size only:
/// beyond, it takes many minutes (see the probes).
const AUTO_REINDEX_MAX: usize = 20_000;

pub struct Prepared {
    pub db: Db,
    pub index: Arc<SearchIndex>,
    pub figures: Value,
}

/// Fills the database and decides which index the server gets: the one
/// `reindex` builds from the database when that is affordable, else
/// `prebuilt` (the same documents, built by `SearchIndex::rebuild`).
pub async fn prepare(
    settings: &Settings,
    dir: &Path,
    prebuilt: Arc<SearchIndex>,
) -> anyhow::Result<Prepared> {
    let n = settings.events;
    let db = store::open(dir).await?;
    let started = Instant::now();
    store::insert(&db, 0..n).await?;
    let insert_s = started.elapsed().as_secs_f64();
    let full = match settings.reindex.as_str() {
        "always" => true,
        "never" => false,
        _ => n <= AUTO_REINDEX_MAX,
    };
    let (index, source, full_seconds) = if full {
        drop(prebuilt);
        let (index, _) = SearchIndex::open(&dir.join("index-http"))?;
        let index = Arc::new(index);
        let state = app_state(db.clone(), &Config::default(), Arc::clone(&index), None);
        let started = Instant::now();
        state.catalogue.reindex().await?;
        let seconds = started.elapsed().as_secs_f64();
        (
            index,
            "CatalogueService::reindex from the database",
            Some(seconds),
        )
    } else {
        let source = "SearchIndex::rebuild with the same documents \
                      (SB_BENCH_REINDEX=auto builds the served index with \
                      CatalogueService::reindex only up to 20,000 events; the reindex \
                      probes time it at this size)";
        (prebuilt, source, None)
    };
    let db_bytes = std::fs::metadata(dir.join("bench.db")).map_or(0, |m| m.len())
        + std::fs::metadata(dir.join("bench.db-wal")).map_or(0, |m| m.len());
    let figures = json!({
        "database_insert_s": round(insert_s, 2),
        "database_bytes": db_bytes,
        "index_source": source,
        "reindex_full_s": full_seconds.map(|s| round(s, 2)),
    });
    Ok(Prepared { db, index, figures })
}

/// Times `CatalogueService::reindex` on a second database at each of
/// [`PROBES`] events (after the load, so its memory does not count in the
/// serving figures), projects it to `events`, and checks that it indexes
/// what the bench builds directly.
pub async fn reindex_probes(dir: &Path, events: usize, mix: &[MixQuery]) -> anyhow::Result<Value> {
    std::fs::create_dir_all(dir)?;
    let db = store::open(dir).await?;
    let (mut inserted, mut probes, mut fit) = (0, vec![], vec![]);
    let mut equivalence = Value::Null;
    for probe in PROBES.into_iter().filter(|p| *p <= events) {
        store::insert(&db, inserted..probe).await?;
        inserted = probe;
        let index = Arc::new(SearchIndex::in_memory()?);
        let state = app_state(db.clone(), &Config::default(), Arc::clone(&index), None);
        let (rss_before, _) = (proc_mib("VmRSS"), reset_peak());
        let started = Instant::now();
        state.catalogue.reindex().await?;
        let seconds = started.elapsed().as_secs_f64();
        let peak_delta = proc_mib("VmHWM") - rss_before;
        probes.push(json!({
            "events": probe,
            "seconds": round(seconds, 3),
            "peak_rss_delta_mib": round(peak_delta, 1),
        }));
        fit.push((probe as f64, seconds, peak_delta));
        equivalence = compare(&index, probe, mix)?;
    }
    db.close().await;
    let projected = project(&fit, events as f64);
    Ok(json!({
        "probes": probes,
        "projected_full_s": projected.map(|(s, _)| round(s, 1)),
        "projected_full_peak_rss_delta_mib": projected.map(|(_, mib)| round(mib, 0)),
        "reindex_vs_rebuild": equivalence,
    }))
}

/// Fits t = a·n² + b·n through the probes and memory as a line through
/// them; projects both to `n` events.
fn project(fit: &[(f64, f64, f64)], n: f64) -> Option<(f64, f64)> {
    let (&(n1, t1, m1), &(n2, t2, m2)) = (fit.first()?, fit.last()?);
    if fit.len() < 2 {
        return Some((t2 / n2 * n, m2 / n2 * n));
    }
    let a = ((t2 / n2 - t1 / n1) / (n2 - n1)).max(0.0);
    let b = t2 / n2 - a * n2;
    let memory = m2 + ((m2 - m1) / (n2 - n1)).max(0.0) * (n - n2);
    Some(((a * n * n + b * n).max(t2 / n2 * n), memory))
}

/// Whether the index `reindex` built holds what the bench builds directly
/// (events `0..count`): same totals and facets, same page of hits.
fn compare(reindexed: &SearchIndex, count: usize, mix: &[MixQuery]) -> anyhow::Result<Value> {
    let direct = SearchIndex::in_memory()?;
    direct.rebuild((0..count).map(|i| corpus::doc(&corpus::event(i))))?;
    let (mut same_counts, mut same_pages) = (0, 0);
    for q in mix.iter().take(COMPARED) {
        let (a, b) = (
            reindexed.search(&q.search_query())?,
            direct.search(&q.search_query())?,
        );
        same_counts += usize::from(a.total == b.total && a.facets == b.facets);
        let names = |r: &switchboard::search::SearchResults| {
            let mut names: Vec<String> = r.hits.iter().map(|h| h.name.clone()).collect();
            names.sort();
            names
        };
        same_pages += usize::from(names(&a) == names(&b));
    }
    Ok(json!({
        "events": count,
        "queries": COMPARED.min(mix.len()),
        "same_total_and_facets": same_counts,
        "same_page_of_hits": same_pages,
    }))
}
