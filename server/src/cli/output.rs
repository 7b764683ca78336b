//! What client commands print: aligned tables and `key: value` lines for
//! people, or the portal's JSON (pretty-printed) with `--output json`.

use serde::Serialize;

use super::failure::Failure;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Prints a value as pretty JSON on stdout.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::usage(format!("cannot print the answer as JSON: {e}")))?;
    outln!("{text}");
    Ok(())
}

/// Columns padded to their widest cell; the last column is not padded.
/// Cells are kept to one line.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let clean = |s: &str| s.replace(['\n', '\r', '\t'], " ");
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(clean(cell).chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            if i == last {
                out.push_str(&cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count());
                out.push_str(&cell);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.trim_end().to_string()
    };
    let mut out = vec![line(headers.iter().map(|h| h.to_string()).collect())];
    for row in rows {
        out.push(line(row.iter().map(|c| clean(c)).collect()));
    }
    out.join("\n")
}

/// `key: value` lines with the values aligned; empty values are left out.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}:{} {v}", " ".repeat(width - k.len())))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_and_keep_cells_on_one_line() {
        let rows = vec![
            vec!["a.b.c".to_string(), "two\nlines".to_string()],
            vec!["longer.name.here".to_string(), "x".to_string()],
        ];
        assert_eq!(
            table(&["NAME", "TITLE"], &rows),
            "NAME              TITLE\n\
             a.b.c             two lines\n\
             longer.name.here  x"
        );
    }

    #[test]
    fn fields_align_values_and_skip_empty_ones() {
        let out = fields(&[
            ("team", "crm".into()),
            ("tags", String::new()),
            ("lifecycle", "draft".into()),
        ]);
        assert_eq!(out, "team:      crm\nlifecycle: draft");
    }
}
