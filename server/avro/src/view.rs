//! One reading of a schema node for every rule of this crate: references
//! resolved through a [`NameTable`] and logical types reduced to the Avro
//! type that carries them, as Java's `Schema.getType()` does. Only decimal's
//! precision and scale are kept aside, because schema resolution compares
//! them (Avro specification, "Decimal").

use apache_avro::schema::{
    DecimalSchema, EnumSchema, FixedSchema, InnerDecimalSchema, Name, RecordSchema, UuidSchema,
};
use apache_avro::Schema;

use crate::names::NameTable;

/// Java's `Schema.Type`, whose names appear in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Array,
    Map,
    Union,
    Record,
    Enum,
    Fixed,
}

impl Kind {
    /// The upper-case name Java prints, e.g. `INT`.
    pub(crate) fn java_name(self) -> &'static str {
        match self {
            Kind::Null => "NULL",
            Kind::Boolean => "BOOLEAN",
            Kind::Int => "INT",
            Kind::Long => "LONG",
            Kind::Float => "FLOAT",
            Kind::Double => "DOUBLE",
            Kind::Bytes => "BYTES",
            Kind::String => "STRING",
            Kind::Array => "ARRAY",
            Kind::Map => "MAP",
            Kind::Union => "UNION",
            Kind::Record => "RECORD",
            Kind::Enum => "ENUM",
            Kind::Fixed => "FIXED",
        }
    }
}

/// A schema node, references resolved and logical types reduced.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Node<'a> {
    /// null, boolean, int, long, float, double, bytes or string.
    Primitive(Kind),
    /// The items' schema.
    Array(&'a Schema),
    /// The values' schema.
    Map(&'a Schema),
    /// The branches.
    Union(&'a [Schema]),
    Record(&'a RecordSchema),
    Enum(&'a EnumSchema),
    Fixed(&'a FixedSchema),
    /// A reference to a name the schema does not define; only possible for a
    /// `ParsedSchema` built by hand rather than by `parse`.
    Undefined(&'a Name),
}

/// Decimal's parameters, compared by schema resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    pub precision: usize,
    pub scale: usize,
}

/// A node and, when it is a decimal, its parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    pub node: Node<'a>,
    pub decimal: Option<Decimal>,
}

impl<'a> View<'a> {
    fn plain(node: Node<'a>) -> Self {
        View {
            node,
            decimal: None,
        }
    }

    /// Java's type of the node.
    pub(crate) fn kind(&self) -> Kind {
        match self.node {
            Node::Primitive(kind) => kind,
            Node::Array(_) => Kind::Array,
            Node::Map(_) => Kind::Map,
            Node::Union(_) => Kind::Union,
            Node::Record(_) => Kind::Record,
            Node::Enum(_) => Kind::Enum,
            // An undefined name can only have been meant as a named type.
            Node::Fixed(_) | Node::Undefined(_) => Kind::Fixed,
        }
    }

    /// The full name of a named node.
    pub(crate) fn name(&self) -> Option<&'a Name> {
        match self.node {
            Node::Record(r) => Some(&r.name),
            Node::Enum(e) => Some(&e.name),
            Node::Fixed(f) => Some(&f.name),
            Node::Undefined(n) => Some(n),
            _ => None,
        }
    }
}

/// Reads `schema`, resolving a reference through `names`.
pub(crate) fn view<'a>(schema: &'a Schema, names: &NameTable<'a>) -> View<'a> {
    use Kind::*;
    let primitive = |kind| View::plain(Node::Primitive(kind));
    match schema {
        Schema::Ref { name } => match names.get(name) {
            // A definition is never itself a reference, so this recursion
            // is one step deep.
            Some(def) if !matches!(def, Schema::Ref { .. }) => view(def, names),
            _ => View::plain(Node::Undefined(name)),
        },
        Schema::Null => primitive(Null),
        Schema::Boolean => primitive(Boolean),
        Schema::Int | Schema::Date | Schema::TimeMillis => primitive(Int),
        Schema::Long
        | Schema::TimeMicros
        | Schema::TimestampMillis
        | Schema::TimestampMicros
        | Schema::TimestampNanos
        | Schema::LocalTimestampMillis
        | Schema::LocalTimestampMicros
        | Schema::LocalTimestampNanos => primitive(Long),
        Schema::Float => primitive(Float),
        Schema::Double => primitive(Double),
        Schema::Bytes | Schema::BigDecimal | Schema::Uuid(UuidSchema::Bytes) => primitive(Bytes),
        Schema::String | Schema::Uuid(UuidSchema::String) => primitive(String),
        Schema::Uuid(UuidSchema::Fixed(fixed)) | Schema::Duration(fixed) | Schema::Fixed(fixed) => {
            View::plain(Node::Fixed(fixed))
        }
        Schema::Decimal(DecimalSchema {
            precision,
            scale,
            inner,
        }) => View {
            node: match inner {
                InnerDecimalSchema::Bytes => Node::Primitive(Bytes),
                InnerDecimalSchema::Fixed(fixed) => Node::Fixed(fixed),
            },
            decimal: Some(Decimal {
                precision: *precision,
                scale: *scale,
            }),
        },
        Schema::Array(array) => View::plain(Node::Array(&array.items)),
        Schema::Map(map) => View::plain(Node::Map(&map.types)),
        Schema::Union(union) => View::plain(Node::Union(union.variants())),
        Schema::Record(record) => View::plain(Node::Record(record)),
        Schema::Enum(e) => View::plain(Node::Enum(e)),
    }
}
