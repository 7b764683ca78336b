//! What goes into the index and what a search asks and returns.

/// One catalogue event as the index sees it, built by the caller from the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventDoc {
    /// Unique event name; the key for upsert and delete.
    pub name: String,
    pub title: String,
    /// Markdown text.
    pub description: String,
    pub team: String,
    pub domain: String,
    pub lifecycle: String,
    pub tags: Vec<String>,
    /// e.g. "pii", "confidential".
    pub classification: Option<String>,
    /// Clusters the event can be consumed on.
    pub clusters: Vec<String>,
    pub fields: Vec<FieldDoc>,
    /// Unix seconds.
    pub updated_at: i64,
}

/// A schema field: its path (e.g. `customer.customerId`) and its doc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldDoc {
    pub path: String,
    pub doc: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first; by name when there is no text to rank by.
    #[default]
    Relevance,
    /// Name ascending.
    Name,
    /// Most recently updated first.
    Updated,
}

pub const DEFAULT_PER_PAGE: usize = 20;
pub const MAX_PER_PAGE: usize = 100;

/// Free text plus facet filters. Several values of one facet are OR-ed,
/// different facets AND-ed; values match exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub text: String,
    pub team: Vec<String>,
    pub domain: Vec<String>,
    pub tag: Vec<String>,
    pub classification: Vec<String>,
    pub cluster: Vec<String>,
    pub lifecycle: Vec<String>,
    pub sort: Sort,
    /// 1-based; 0 is read as 1.
    pub page: usize,
    /// Capped at [`MAX_PER_PAGE`]; 0 means [`DEFAULT_PER_PAGE`].
    pub per_page: usize,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            text: String::new(),
            team: Vec::new(),
            domain: Vec::new(),
            tag: Vec::new(),
            classification: Vec::new(),
            cluster: Vec::new(),
            lifecycle: Vec::new(),
            sort: Sort::Relevance,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl SearchQuery {
    /// A query for `text` with default paging and no filters.
    pub fn text(text: impl Into<String>) -> Self {
        SearchQuery {
            text: text.into(),
            ..SearchQuery::default()
        }
    }

    /// (page, per_page) made valid: page >= 1, 1 <= per_page <= MAX_PER_PAGE.
    pub fn paging(&self) -> (usize, usize) {
        let per_page = match self.per_page {
            0 => DEFAULT_PER_PAGE,
            n => n.min(MAX_PER_PAGE),
        };
        (self.page.max(1), per_page)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    /// Matches with every filter applied, over all pages.
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// Set when the query was changed, e.g. shortened.
    pub notice: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub name: String,
    pub score: f32,
    /// HTML: matches wrapped in `<mark>`, everything else escaped.
    pub snippet_html: String,
}

/// Value counts per facet, most frequent first. Each facet is counted over
/// the documents matching the text and every OTHER facet's filter, so a
/// facet's own alternatives stay visible while one of them is selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub team: Vec<(String, u64)>,
    pub domain: Vec<(String, u64)>,
    pub tag: Vec<(String, u64)>,
    pub classification: Vec<(String, u64)>,
    pub cluster: Vec<(String, u64)>,
    pub lifecycle: Vec<(String, u64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_is_clamped() {
        let mut q = SearchQuery {
            page: 0,
            per_page: 1000,
            ..SearchQuery::default()
        };
        assert_eq!(q.paging(), (1, MAX_PER_PAGE));
        q.per_page = 0;
        assert_eq!(q.paging(), (1, DEFAULT_PER_PAGE));
        q.page = 3;
        q.per_page = 7;
        assert_eq!(q.paging(), (3, 7));
    }
}
