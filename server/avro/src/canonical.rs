//! Parsing Canonical Form of a self-contained schema.
//!
//! Written here rather than taken from apache-avro's `canonical_form()`,
//! which in 0.22 keeps a field's `order`, prints a logical type on a
//! primitive as `{"type":"long"}` instead of `"long"`, and keeps decimal's
//! `precision`/`scale` while dropping its `logicalType`.
//!
//! Transformations of the specification: primitives as bare strings, full
//! names, only `name, type, fields, symbols, items, values, size` kept and in
//! that order, a named type defined at its first occurrence and named after.
//! Extension (see `ParsedSchema::canonical`): logical types add
//! `logicalType`, then `precision` and `scale` for decimal, after those.

use std::collections::HashSet;
use std::fmt::Write;

use apache_avro::schema::{DecimalSchema, FixedSchema, InnerDecimalSchema, Name, UuidSchema};
use apache_avro::Schema;

/// The canonical form of `schema`, which must be self-contained (every
/// reference preceded by its definition, as `inline` makes it).
pub(crate) fn form(schema: &Schema) -> String {
    let mut writer = Writer {
        out: String::new(),
        defined: HashSet::new(),
    };
    writer.schema(schema);
    writer.out
}

struct Writer {
    out: String,
    defined: HashSet<Name>,
}

impl Writer {
    fn schema(&mut self, schema: &Schema) {
        match schema {
            Schema::Null => self.string("null"),
            Schema::Boolean => self.string("boolean"),
            Schema::Int => self.string("int"),
            Schema::Long => self.string("long"),
            Schema::Float => self.string("float"),
            Schema::Double => self.string("double"),
            Schema::Bytes => self.string("bytes"),
            Schema::String => self.string("string"),
            Schema::Date => self.logical("int", "date"),
            Schema::TimeMillis => self.logical("int", "time-millis"),
            Schema::TimeMicros => self.logical("long", "time-micros"),
            Schema::TimestampMillis => self.logical("long", "timestamp-millis"),
            Schema::TimestampMicros => self.logical("long", "timestamp-micros"),
            Schema::TimestampNanos => self.logical("long", "timestamp-nanos"),
            Schema::LocalTimestampMillis => self.logical("long", "local-timestamp-millis"),
            Schema::LocalTimestampMicros => self.logical("long", "local-timestamp-micros"),
            Schema::LocalTimestampNanos => self.logical("long", "local-timestamp-nanos"),
            Schema::BigDecimal => self.logical("bytes", "big-decimal"),
            Schema::Uuid(UuidSchema::String) => self.logical("string", "uuid"),
            Schema::Uuid(UuidSchema::Bytes) => self.logical("bytes", "uuid"),
            Schema::Uuid(UuidSchema::Fixed(fixed)) => self.fixed(fixed, Some("uuid"), None),
            Schema::Duration(fixed) => self.fixed(fixed, Some("duration"), None),
            Schema::Fixed(fixed) => self.fixed(fixed, None, None),
            Schema::Decimal(DecimalSchema {
                precision,
                scale,
                inner,
            }) => match inner {
                InnerDecimalSchema::Bytes => {
                    self.out
                        .push_str(r#"{"type":"bytes","logicalType":"decimal""#);
                    self.decimal_tail(*precision, *scale);
                }
                InnerDecimalSchema::Fixed(fixed) => {
                    self.fixed(fixed, Some("decimal"), Some((*precision, *scale)));
                }
            },
            Schema::Ref { name } => self.string(&name.fullname(None)),
            Schema::Array(array) => {
                self.out.push_str(r#"{"type":"array","items":"#);
                self.schema(&array.items);
                self.out.push('}');
            }
            Schema::Map(map) => {
                self.out.push_str(r#"{"type":"map","values":"#);
                self.schema(&map.types);
                self.out.push('}');
            }
            Schema::Union(union) => {
                self.out.push('[');
                for (i, branch) in union.variants().iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.schema(branch);
                }
                self.out.push(']');
            }
            Schema::Record(record) => {
                if self.named(&record.name) {
                    self.out.push_str(r#","type":"record","fields":["#);
                    for (i, field) in record.fields.iter().enumerate() {
                        if i > 0 {
                            self.out.push(',');
                        }
                        self.out.push_str(r#"{"name":"#);
                        self.string(&field.name);
                        self.out.push_str(r#","type":"#);
                        self.schema(&field.schema);
                        self.out.push('}');
                    }
                    self.out.push_str("]}");
                }
            }
            Schema::Enum(e) => {
                if self.named(&e.name) {
                    self.out.push_str(r#","type":"enum","symbols":["#);
                    for (i, symbol) in e.symbols.iter().enumerate() {
                        if i > 0 {
                            self.out.push(',');
                        }
                        self.string(symbol);
                    }
                    self.out.push_str("]}");
                }
            }
        }
    }

    /// Writes `{"name":"<full name>"` and returns true at the first
    /// occurrence of `name`; writes the bare name and returns false after.
    fn named(&mut self, name: &Name) -> bool {
        let full = name.fullname(None);
        if self.defined.insert(name.clone()) {
            self.out.push_str(r#"{"name":"#);
            self.string(&full);
            true
        } else {
            self.string(&full);
            false
        }
    }

    fn fixed(
        &mut self,
        fixed: &FixedSchema,
        logical: Option<&str>,
        decimal: Option<(usize, usize)>,
    ) {
        if self.named(&fixed.name) {
            let _ = write!(self.out, r#","type":"fixed","size":{}"#, fixed.size);
            if let Some(logical) = logical {
                self.out.push_str(r#","logicalType":"#);
                self.string(logical);
            }
            match decimal {
                Some((precision, scale)) => self.decimal_tail(precision, scale),
                None => self.out.push('}'),
            }
        }
    }

    fn logical(&mut self, base: &str, logical: &str) {
        self.out.push_str(r#"{"type":"#);
        self.string(base);
        self.out.push_str(r#","logicalType":"#);
        self.string(logical);
        self.out.push('}');
    }

    /// Scale is always written, so `"scale": 0` and no scale give one form.
    fn decimal_tail(&mut self, precision: usize, scale: usize) {
        let _ = write!(self.out, r#","precision":{precision},"scale":{scale}}}"#);
    }

    fn string(&mut self, s: &str) {
        // serde_json writes UTF-8 as is and escapes only what JSON requires.
        self.out
            .push_str(&serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\"")));
    }
}
