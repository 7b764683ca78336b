//! The fixed query mix (one term, two terms, typo, prefix, facet filter) and
//! its in-process latency.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use app::catalogue::SearchParams;
use switchboard::catalogue::CatalogueService;
use switchboard::search::{SearchIndex, SearchQuery};

use super::report::Stats;
use super::rng::Rng;
use super::vocab::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    OneTerm,
    TwoTerms,
    Fuzzy,
    Prefix,
    Facet,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::OneTerm,
        Kind::TwoTerms,
        Kind::Fuzzy,
        Kind::Prefix,
        Kind::Facet,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::OneTerm => "one_term",
            Kind::TwoTerms => "two_terms",
            Kind::Fuzzy => "fuzzy",
            Kind::Prefix => "prefix",
            Kind::Facet => "facet_filter",
        }
    }
}

pub struct MixQuery {
    pub kind: Kind,
    pub text: String,
    /// (facet, value), e.g. ("classification", "pii").
    pub facet: Option<(&'static str, String)>,
}

impl MixQuery {
    pub fn search_query(&self) -> SearchQuery {
        let mut query = SearchQuery::text(self.text.clone());
        if let Some((facet, value)) = &self.facet {
            let values = vec![value.clone()];
            match *facet {
                "team" => query.team = values,
                "domain" => query.domain = values,
                "tag" => query.tag = values,
                "classification" => query.classification = values,
                "cluster" => query.cluster = values,
                _ => query.lifecycle = values,
            }
        }
        query
    }

    /// The same search as the REST API reads it.
    pub fn params(&self) -> SearchParams {
        let mut params = SearchParams {
            q: self.text.clone(),
            ..SearchParams::default()
        };
        if let Some((facet, value)) = &self.facet {
            let value = Some(value.clone());
            match *facet {
                "team" => params.team = value,
                "domain" => params.domain = value,
                "tag" => params.tag = value,
                "classification" => params.classification = value,
                "cluster" => params.cluster = value,
                _ => params.lifecycle = value,
            }
        }
        params
    }

    /// The same search through the REST API.
    pub fn url(&self) -> String {
        let mut url = format!("/api/v1/events?q={}", encode(&self.text));
        if let Some((facet, value)) = &self.facet {
            url.push_str(&format!("&{facet}={}", encode(value)));
        }
        url
    }
}

/// Up to `count` distinct REST requests of the mix's kinds, in the same
/// shares (a longer run of the same generator, repeats dropped).
pub fn distinct_urls(count: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    mix(count * 4)
        .iter()
        .map(MixQuery::url)
        .filter(|url| seen.insert(url.clone()))
        .take(count)
        .collect()
}

/// `count` queries, the kinds in equal shares, interleaved.
pub fn mix(count: usize) -> Vec<MixQuery> {
    let mut rng = Rng::for_item(2, 0);
    (0..count)
        .map(|i| {
            let kind = Kind::ALL[i % Kind::ALL.len()];
            make(&mut rng, kind)
        })
        .collect()
}

fn word(rng: &mut Rng) -> String {
    let word = match rng.below(4) {
        0 => *rng.pick(&ENTITIES),
        1 => *rng.pick(&ACTIONS),
        2 => {
            let (suffix, ..) = *rng.pick(&FIELD_SUFFIXES);
            return format!("{}{}", rng.pick(&FIELD_WORDS), super::avro::pascal(suffix));
        }
        _ => *rng.pick(&WORDS),
    };
    word.to_owned()
}

fn make(rng: &mut Rng, kind: Kind) -> MixQuery {
    let (text, facet) = match kind {
        Kind::OneTerm => (word(rng), None),
        Kind::TwoTerms => (format!("{} {}", word(rng), word(rng)), None),
        Kind::Fuzzy => {
            let full = long_word(rng);
            (typo(rng, &full), None)
        }
        Kind::Prefix => {
            let full = long_word(rng);
            let len = rng.range(3, 5.min(full.len() - 1));
            (full[..len].to_owned(), None)
        }
        Kind::Facet => {
            let facet = match rng.below(6) {
                0 => ("team", TEAMS[rng.below(TEAMS.len())].0.to_owned()),
                1 => ("domain", (*rng.pick(&DOMAINS)).to_owned()),
                2 => ("tag", (*rng.pick(&FREE_TAGS)).to_owned()),
                3 => ("classification", (*rng.pick(&CLASSIFICATIONS)).to_owned()),
                4 => ("cluster", (*rng.pick(&CLUSTERS)).to_owned()),
                _ => ("lifecycle", "published".to_owned()),
            };
            (word(rng), Some(facet))
        }
    };
    MixQuery { kind, text, facet }
}

/// A word of at least 6 letters.
fn long_word(rng: &mut Rng) -> String {
    loop {
        let w = word(rng);
        if w.len() >= 6 {
            return w.to_lowercase();
        }
    }
}

/// One typo: a swap of neighbours, a dropped letter or a wrong letter.
fn typo(rng: &mut Rng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let at = rng.range(1, chars.len() - 2);
    match rng.below(3) {
        0 => chars.swap(at, at + 1),
        1 => {
            chars.remove(at);
        }
        _ => chars[at] = (b'a' + rng.below(26) as u8) as char,
    }
    chars.into_iter().collect()
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub struct InProcess {
    /// Over every round.
    pub all: Stats,
    pub by_kind: Vec<(Kind, Stats)>,
    /// Each round's own figures, for the spread.
    pub rounds: Vec<Stats>,
    /// Queries with at least one match (one round).
    pub with_hits: usize,
    pub mean_total: f64,
}

impl InProcess {
    fn of(
        times: Vec<(Kind, Duration)>,
        rounds: Vec<Stats>,
        with_hits: usize,
        totals: usize,
    ) -> Self {
        let by_kind = Kind::ALL
            .iter()
            .map(|&kind| {
                let of_kind = times.iter().filter(|(k, _)| *k == kind).map(|(_, d)| *d);
                (kind, Stats::of(of_kind.collect()))
            })
            .collect();
        let count = times.len().max(1);
        InProcess {
            all: Stats::of(times.into_iter().map(|(_, d)| d).collect()),
            by_kind,
            rounds,
            with_hits,
            mean_total: totals as f64 / count as f64,
        }
    }
}

/// Runs `warmup` queries of the mix untimed, then the whole mix `rounds`
/// times, timed, one at a time, asking for result page `page` (a page past
/// the end skips the hits: no stored documents loaded, no snippets). The
/// index has no answer cache: every search is computed.
pub fn measure(
    index: &SearchIndex,
    mix: &[MixQuery],
    warmup: usize,
    page: usize,
    rounds: usize,
) -> anyhow::Result<InProcess> {
    for q in mix.iter().cycle().skip(mix.len() / 2).take(warmup) {
        index.search(&q.search_query())?;
    }
    let mut times: Vec<(Kind, Duration)> = Vec::with_capacity(mix.len() * rounds);
    let (mut with_hits, mut totals, mut per_round) = (0, 0usize, Vec::new());
    for round in 0..rounds {
        let first = times.len();
        for q in mix {
            let mut query = q.search_query();
            query.page = page;
            let started = Instant::now();
            let results = index.search(&query)?;
            times.push((q.kind, started.elapsed()));
            if round == 0 {
                with_hits += usize::from(results.total > 0);
                totals += results.total;
            }
        }
        per_round.push(Stats::of(times[first..].iter().map(|(_, d)| *d).collect()));
    }
    let totals = totals * rounds;
    Ok(InProcess::of(times, per_round, with_hits, totals))
}

/// The search API's whole answer (index, cards from the database, JSON), as
/// `measure` does it: the caller turns the answer cache off first.
pub async fn measure_service(
    catalogue: &CatalogueService,
    mix: &[MixQuery],
    warmup: usize,
    rounds: usize,
) -> anyhow::Result<InProcess> {
    for q in mix.iter().cycle().skip(mix.len() / 2).take(warmup) {
        catalogue.search_json(q.params()).await?;
    }
    let mut times: Vec<(Kind, Duration)> = Vec::with_capacity(mix.len() * rounds);
    let mut per_round = Vec::new();
    for _ in 0..rounds {
        let first = times.len();
        for q in mix {
            let params = q.params();
            let started = Instant::now();
            catalogue.search_json(params).await?;
            times.push((q.kind, started.elapsed()));
        }
        per_round.push(Stats::of(times[first..].iter().map(|(_, d)| *d).collect()));
    }
    Ok(InProcess::of(times, per_round, 0, 0))
}
