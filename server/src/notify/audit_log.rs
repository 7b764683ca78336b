//! Reading the audit log: filtered search (newest first, keyset paging) and
//! the JSON-lines export (oldest first, read page by page so a big log never
//! sits in memory). There is deliberately no code here, or anywhere, that
//! updates or deletes audit rows; the database refuses it too (migration 0007).

use app::error::AppError;
use app::notify::{AuditEntry, AuditFilter, AuditPage};
use futures::Stream;
use sqlx::any::AnyRow;
use sqlx::Row;
use time::{Date, Month};

use crate::db::{Db, DbError};

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;
/// Rows read per query while exporting.
const EXPORT_CHUNK: i64 = 500;
/// Longest filter value accepted.
const MAX_FILTER: usize = 256;

/// A validated filter: SQL conditions with their bound values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    clauses: Vec<String>,
    binds: Vec<String>,
}

impl Conditions {
    /// Validates the user's filter (dates, lengths) into SQL conditions.
    pub fn parse(f: &AuditFilter) -> Result<Conditions, AppError> {
        // Refused, not clamped: the API's contract says 1 to 200.
        if f.limit.is_some_and(|l| !(1..=MAX_PAGE).contains(&l)) {
            return Err(AppError::invalid(format!(
                "The limit must be 1 to {MAX_PAGE}."
            )));
        }
        let mut c = Conditions::default();
        if let Some(actor) = value(&f.actor, "actor")? {
            c.push("actor = {}", actor.to_string());
        }
        if let Some(action) = value(&f.action, "action")? {
            c.push(
                "action LIKE {} ESCAPE '\\'",
                format!("{}%", escape_like(action)),
            );
        }
        if let Some(subject) = value(&f.subject, "subject")? {
            c.push(
                "LOWER(subject) LIKE {} ESCAPE '\\'",
                format!("%{}%", escape_like(&subject.to_lowercase())),
            );
        }
        let from = value(&f.from, "from")?
            .map(|d| day(d, "from"))
            .transpose()?;
        let to = value(&f.to, "to")?.map(|d| day(d, "to")).transpose()?;
        if let (Some(a), Some(b)) = (from, to) {
            if a > b {
                return Err(AppError::invalid("The date range ends before it starts."));
            }
        }
        if let Some(from) = from {
            c.push("at >= {}", iso(from));
        }
        if let Some(to) = to {
            // `at` is RFC 3339 text: everything of that day sorts before the next one.
            let next = to.next_day().unwrap_or(to);
            c.push("at < {}", iso(next));
        }
        if let Some(q) = value(&f.q, "q")? {
            let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
            let a = c.bind(pattern.clone());
            let b = c.bind(pattern);
            c.clauses.push(format!(
                "(LOWER(COALESCE(before_json, '')) LIKE {a} ESCAPE '\\' \
                 OR LOWER(COALESCE(after_json, '')) LIKE {b} ESCAPE '\\')"
            ));
        }
        Ok(c)
    }

    fn bind(&mut self, v: String) -> String {
        self.binds.push(v);
        format!("${}", self.binds.len())
    }

    fn push(&mut self, template: &str, v: String) {
        let p = self.bind(v);
        self.clauses.push(template.replace("{}", &p));
    }

    /// `WHERE …` with `extra` (which uses placeholder `$next`) appended.
    fn where_sql(&self, extra: Option<&str>) -> String {
        let mut all = self.clauses.clone();
        if let Some(e) = extra {
            all.push(e.replace("$next", &format!("${}", self.binds.len() + 1)));
        }
        if all.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", all.join(" AND "))
        }
    }

    fn next_param(&self, offset: usize) -> String {
        format!("${}", self.binds.len() + offset)
    }
}

fn value<'a>(v: &'a Option<String>, name: &str) -> Result<Option<&'a str>, AppError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > MAX_FILTER => Err(AppError::invalid(format!(
            "The {name} filter is longer than {MAX_FILTER} characters."
        ))),
        Some(s) => Ok(Some(s)),
    }
}

fn day(s: &str, name: &str) -> Result<Date, AppError> {
    let parsed = (|| {
        let mut parts = s.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
        Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
    })();
    parsed.ok_or_else(|| AppError::invalid(format!("The {name} date must look like 2025-01-31.")))
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Escapes `\`, `%` and `_` for `LIKE … ESCAPE '\'`.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

const COLUMNS: &str = "id, at, actor, action, subject, before_json, after_json";

/// One page, newest first.
pub async fn search(db: &Db, filter: &AuditFilter) -> Result<AuditPage, AppError> {
    let conditions = Conditions::parse(filter)?;
    let limit = filter.limit.unwrap_or(DEFAULT_PAGE);
    let before = filter.before.filter(|b| *b > 0);
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log {} ORDER BY id DESC LIMIT {}",
        conditions.where_sql(before.map(|_| "id < $next")),
        conditions.next_param(if before.is_some() { 2 } else { 1 }),
    );
    let mut query = sqlx::query(&sql);
    for b in &conditions.binds {
        query = query.bind(b.clone());
    }
    if let Some(before) = before {
        query = query.bind(before);
    }
    // One more than the page tells whether there is a next page.
    let rows = query
        .bind(i64::from(limit) + 1)
        .fetch_all(db.pool())
        .await
        .map_err(|e| crate::errors::internal(DbError::from(e)))?;
    let mut entries = rows
        .iter()
        .map(entry)
        .collect::<Result<Vec<_>, _>>()
        .map_err(crate::errors::internal)?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_before = if more {
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(AuditPage {
        entries,
        next_before,
    })
}

/// Entries after `after_id`, oldest first, at most `limit`.
async fn chunk(
    db: &Db,
    conditions: &Conditions,
    after_id: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log {} ORDER BY id LIMIT {}",
        conditions.where_sql(Some("id > $next")),
        conditions.next_param(2),
    );
    let mut query = sqlx::query(&sql);
    for b in &conditions.binds {
        query = query.bind(b.clone());
    }
    let rows = query
        .bind(after_id)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(entry).collect()
}

/// The matching entries as JSON lines, oldest first, read `EXPORT_CHUNK` rows
/// at a time. A database error ends the stream with an error (the client sees
/// a cut-off body); it is logged.
pub fn export(
    db: Db,
    conditions: Conditions,
) -> impl Stream<Item = Result<String, std::io::Error>> {
    futures::stream::try_unfold(Some(0i64), move |after| {
        let db = db.clone();
        let conditions = conditions.clone();
        async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let entries = chunk(&db, &conditions, after, EXPORT_CHUNK)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "audit export failed");
                    std::io::Error::other("audit export failed")
                })?;
            let Some(last) = entries.last().map(|e| e.id) else {
                return Ok(None);
            };
            let next = (entries.len() as i64 == EXPORT_CHUNK).then_some(last);
            let mut lines = String::new();
            for e in &entries {
                lines.push_str(&serde_json::to_string(e).map_err(std::io::Error::other)?);
                lines.push('\n');
            }
            Ok(Some((lines, next)))
        }
    })
}

fn entry(r: &AnyRow) -> Result<AuditEntry, DbError> {
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        before: json(r.try_get("before_json")?),
        after: json(r.try_get("after_json")?),
    })
}

/// Stored JSON text as a value; text that is not JSON is kept as a string.
fn json(text: Option<String>) -> Option<serde_json::Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }

    #[test]
    fn filters_become_numbered_conditions() {
        let f = AuditFilter {
            actor: Some("ann".into()),
            action: Some("request.".into()),
            subject: Some(" ".into()),
            from: Some("2025-01-31".into()),
            to: Some("2025-02-28".into()),
            q: Some("Orders".into()),
            ..AuditFilter::default()
        };
        let c = Conditions::parse(&f).expect("valid");
        assert_eq!(
            c.binds,
            vec![
                "ann",
                "request.%",
                "2025-01-31",
                "2025-03-01",
                "%orders%",
                "%orders%"
            ]
        );
        let sql = c.where_sql(Some("id < $next"));
        assert!(sql.contains("actor = $1"), "{sql}");
        assert!(sql.contains("at < $4"), "{sql}");
        assert!(sql.ends_with("id < $7"), "{sql}");
    }

    #[test]
    fn bad_dates_and_reversed_ranges_are_refused() {
        for (from, to) in [
            ("2025-13-01", ""),
            ("yesterday", ""),
            ("2025-02-02", "2025-02-01"),
        ] {
            let f = AuditFilter {
                from: Some(from.into()),
                to: Some(to.into()),
                ..AuditFilter::default()
            };
            assert!(Conditions::parse(&f).is_err(), "{from}..{to}");
        }
    }
}
