//! Event descriptions: 1-3 KB of Markdown prose from the telecom vocabulary.

use std::fmt::Write as _;

use super::avro::pascal;
use super::rng::Rng;
use super::vocab::*;

const MIN_DESCRIPTION: usize = 1024;
const MAX_DESCRIPTION: usize = 3072;

/// 1-3 KB of Markdown: an opening line, paragraphs and a consumer list.
pub fn description(rng: &mut Rng, entity: &str, action: &str, qualifier: &str) -> String {
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
