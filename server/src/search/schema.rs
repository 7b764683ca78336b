//! The index layout: fields, how each is indexed, and EventDoc → document.
//! Changing anything here changes the layout: bump `LAYOUT_VERSION`.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::{TantivyDocument, Term};

use super::analysis::{expand_identifiers, TEXT_TOKENIZER};
use super::model::EventDoc;

pub(crate) const NAME: &str = "name";
pub(crate) const UPDATED_AT: &str = "updated_at";

/// Keyword fields used as facets, in the order of [`Facet::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Facet {
    Team,
    Domain,
    Tag,
    Classification,
    Cluster,
    Lifecycle,
}

impl Facet {
    pub(crate) const ALL: [Facet; 6] = [
        Facet::Team,
        Facet::Domain,
        Facet::Tag,
        Facet::Classification,
        Facet::Cluster,
        Facet::Lifecycle,
    ];

    pub(crate) fn column(self) -> &'static str {
        match self {
            Facet::Team => "team",
            Facet::Domain => "domain",
            Facet::Tag => "tag",
            Facet::Classification => "classification",
            Facet::Cluster => "cluster",
            Facet::Lifecycle => "lifecycle",
        }
    }

    /// The values of this facet on `doc`, deduplicated, empty ones dropped.
    fn values(self, doc: &EventDoc) -> Vec<&str> {
        let mut values: Vec<&str> = match self {
            Facet::Team => vec![doc.team.as_str()],
            Facet::Domain => vec![doc.domain.as_str()],
            Facet::Tag => doc.tags.iter().map(String::as_str).collect(),
            Facet::Classification => doc.classification.iter().map(String::as_str).collect(),
            Facet::Cluster => doc.clusters.iter().map(String::as_str).collect(),
            Facet::Lifecycle => vec![doc.lifecycle.as_str()],
        };
        values.retain(|v| !v.is_empty());
        values.sort_unstable();
        values.dedup();
        values
    }
}

/// Handles of every field of the schema.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    /// Exact name: key for deletes, sort key, returned with hits.
    pub name: Field,
    /// Searchable text fields.
    pub name_text: Field,
    pub title: Field,
    pub description: Field,
    pub field_names: Field,
    pub field_docs: Field,
    /// Team, domain, tags, classification, clusters, lifecycle as words.
    pub meta: Field,
    /// Facet keyword fields, in the order of [`Facet::ALL`].
    pub facets: [Field; 6],
    pub updated_at: Field,
}

/// A searchable text field as the query uses it.
#[derive(Clone, Copy)]
pub(crate) struct TextField {
    pub field: Field,
    pub boost: f32,
    /// Typo and prefix matches apply.
    pub loose: bool,
}

impl Fields {
    /// Searchable text fields with their boosts (names and titles count
    /// most) and whether typo and prefix matches apply. Long prose fields
    /// match exact words only: expanding every typo and prefix over their
    /// large vocabulary made a search several times slower, and a typo is
    /// nearly always in a name, title or field the user has in mind.
    pub(crate) fn weighted_text(&self) -> [TextField; 6] {
        let field = |field, boost, loose| TextField {
            field,
            boost,
            loose,
        };
        [
            field(self.name_text, 3.0, true),
            field(self.title, 3.0, true),
            field(self.field_names, 2.0, true),
            field(self.meta, 1.5, true),
            field(self.description, 1.0, false),
            field(self.field_docs, 0.8, false),
        ]
    }

    pub(crate) fn name_term(&self, name: &str) -> Term {
        Term::from_field_text(self.name, name)
    }
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TEXT_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let stored_text = text.clone().set_stored();
    let fields = Fields {
        name: builder.add_text_field(NAME, STRING | STORED | FAST),
        name_text: builder.add_text_field("name_text", text.clone()),
        title: builder.add_text_field("title", stored_text.clone()),
        description: builder.add_text_field("description", stored_text),
        field_names: builder.add_text_field("field_names", text.clone()),
        field_docs: builder.add_text_field("field_docs", text.clone()),
        meta: builder.add_text_field("meta", text),
        facets: Facet::ALL.map(|facet| builder.add_text_field(facet.column(), STRING | FAST)),
        updated_at: builder.add_i64_field(UPDATED_AT, FAST),
    };
    (builder.build(), fields)
}

pub(crate) fn to_document(fields: &Fields, doc: &EventDoc) -> TantivyDocument {
    let mut out = TantivyDocument::new();
    out.add_text(fields.name, &doc.name);
    out.add_text(fields.name_text, expand_identifiers(&doc.name));
    out.add_text(fields.title, &doc.title);
    out.add_text(fields.description, &doc.description);
    for field in &doc.fields {
        out.add_text(fields.field_names, expand_identifiers(&field.path));
        if !field.doc.is_empty() {
            out.add_text(fields.field_docs, &field.doc);
        }
    }
    for (facet, field) in Facet::ALL.into_iter().zip(fields.facets) {
        for value in facet.values(doc) {
            out.add_text(field, value);
            out.add_text(fields.meta, expand_identifiers(value));
        }
    }
    out.add_i64(fields.updated_at, doc.updated_at);
    out
}
