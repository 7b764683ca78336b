//! The order versions are copied in: by schema id, then subject and version,
//! except that a version whose references are still to be copied waits for
//! them (a registry refuses references to versions it does not have).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::repo::Pending;

/// Sorts `pending` so that every version comes after the pending versions it
/// references. A reference cycle (not possible through registration) keeps
/// the remaining versions in schema-id order.
pub fn copy_order(mut pending: Vec<Pending>) -> Vec<Pending> {
    pending.sort_by(|a, b| {
        (a.schema_id, &a.subject, a.version).cmp(&(b.schema_id, &b.subject, b.version))
    });
    let index: HashMap<(&str, i32), usize> = pending
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.subject.as_str(), p.version), i))
        .collect();
    let mut waiting_on = vec![0usize; pending.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); pending.len()];
    for (i, p) in pending.iter().enumerate() {
        for r in &p.references {
            if let Some(&j) = index.get(&(r.subject.as_str(), r.version)) {
                if j != i {
                    waiting_on[i] += 1;
                    dependents[j].push(i);
                }
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..pending.len())
        .filter(|&i| waiting_on[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(pending.len());
    let mut placed = vec![false; pending.len()];
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        placed[i] = true;
        for &d in &dependents[i] {
            waiting_on[d] -= 1;
            if waiting_on[d] == 0 {
                ready.push(Reverse(d));
            }
        }
    }
    order.extend((0..pending.len()).filter(|&i| !placed[i]));
    let mut slots: Vec<Option<Pending>> = pending.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::SchemaReference;

    fn p(subject: &str, version: i32, schema_id: i64, refs: &[(&str, i32)]) -> Pending {
        Pending {
            subject: subject.into(),
            version,
            schema_id,
            references: refs
                .iter()
                .map(|(s, v)| SchemaReference {
                    name: format!("{s}.Type"),
                    subject: (*s).into(),
                    version: *v,
                })
                .collect(),
        }
    }

    fn keys(v: &[Pending]) -> Vec<(String, i32)> {
        v.iter().map(|p| (p.subject.clone(), p.version)).collect()
    }

    #[test]
    fn schema_id_order_by_default() {
        let out = copy_order(vec![
            p("b", 1, 2, &[]),
            p("a", 2, 3, &[]),
            p("a", 1, 1, &[]),
        ]);
        assert_eq!(
            keys(&out),
            [("a".into(), 1), ("b".into(), 1), ("a".into(), 2)]
        );
    }

    #[test]
    fn referenced_versions_go_first_even_with_higher_ids() {
        // Imported into the source with explicit ids: the referenced schema got the higher id.
        let out = copy_order(vec![
            p("order", 1, 5, &[("address", 1)]),
            p("address", 1, 9, &[]),
            p("other", 1, 7, &[]),
            p("order", 2, 6, &[("address", 1), ("gone", 1)]),
        ]);
        assert_eq!(
            keys(&out),
            [
                ("other".into(), 1),
                ("address".into(), 1),
                ("order".into(), 1),
                ("order".into(), 2)
            ]
        );
    }

    #[test]
    fn a_cycle_keeps_everything() {
        let out = copy_order(vec![p("a", 1, 1, &[("b", 1)]), p("b", 1, 2, &[("a", 1)])]);
        assert_eq!(keys(&out), [("a".into(), 1), ("b".into(), 1)]);
    }
}
