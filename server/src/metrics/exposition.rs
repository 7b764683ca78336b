//! The Prometheus text exposition format, version 0.0.4: each family's
//! `# HELP` and `# TYPE` lines, then its samples; label values and help
//! text escaped as the format asks.
//!
//! <https://prometheus.io/docs/instrumenting/exposition_formats/>

use std::fmt::Write;

/// The `Content-Type` of the format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// A histogram's observations: `buckets[i]` counts those at most
/// `bounds[i]` and above the bound before it (not cumulative); `count`
/// counts them all, those above the last bound included.
#[derive(Debug, Clone, Copy)]
pub struct Histogram<'a> {
    pub bounds: &'a [f64],
    pub buckets: &'a [u64],
    pub count: u64,
    pub sum: f64,
}

/// The text of one exposition, written family by family.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a family: writes its `# HELP` and `# TYPE` lines. Its samples
    /// follow through the returned [`Family`]; a family without samples
    /// stays listed (with no series), which Prometheus accepts.
    pub fn family<'a>(&'a mut self, name: &'a str, kind: Kind, help: &str) -> Family<'a> {
        debug_assert!(valid_name(name), "metric name {name}");
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.as_str());
        Family {
            out: &mut self.out,
            name,
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// The samples of one family.
pub struct Family<'a> {
    out: &'a mut String,
    name: &'a str,
}

impl Family<'_> {
    /// One sample of a counter or gauge.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: f64) -> &mut Self {
        line(self.out, self.name, "", labels, None, value);
        self
    }

    /// One histogram: its cumulative `_bucket` lines (`le` last among the
    /// labels, `+Inf` included), `_sum` and `_count`.
    pub fn histogram(&mut self, labels: &[(&str, &str)], h: Histogram<'_>) -> &mut Self {
        debug_assert_eq!(h.bounds.len(), h.buckets.len());
        let mut cumulative = 0;
        for (bound, n) in h.bounds.iter().zip(h.buckets) {
            cumulative += n;
            let le = format_value(*bound);
            line(
                self.out,
                self.name,
                "_bucket",
                labels,
                Some(&le),
                cumulative as f64,
            );
        }
        line(
            self.out,
            self.name,
            "_bucket",
            labels,
            Some("+Inf"),
            h.count as f64,
        );
        line(self.out, self.name, "_sum", labels, None, h.sum);
        line(self.out, self.name, "_count", labels, None, h.count as f64);
        self
    }
}

fn line(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &[(&str, &str)],
    le: Option<&str>,
    value: f64,
) {
    out.push_str(name);
    out.push_str(suffix);
    let all = labels.iter().copied().chain(le.map(|le| ("le", le)));
    for (i, (label, value)) in all.enumerate() {
        debug_assert!(valid_label(label), "label name {label}");
        out.push(if i == 0 { '{' } else { ',' });
        out.push_str(label);
        out.push_str("=\"");
        escape_label_value(out, value);
        out.push('"');
    }
    if !labels.is_empty() || le.is_some() {
        out.push('}');
    }
    out.push(' ');
    out.push_str(&format_value(value));
    out.push('\n');
}

/// Owned label values as the `&str` pairs samples take.
pub fn borrowed<'a, const N: usize>(
    labels: &'a [(&'static str, String); N],
) -> [(&'static str, &'a str); N] {
    labels.each_ref().map(|(k, v)| (*k, v.as_str()))
}

/// A value as the format writes it: `+Inf`, `-Inf`, `NaN`, else the
/// shortest decimal that reads back as the same number.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// Help text: backslash and line feed escaped.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Label values: backslash, double quote and line feed escaped.
fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn valid_label(name: &str) -> bool {
    !name.contains(':') && !name.starts_with("__") && valid_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_and_type_come_before_the_samples() {
        let mut e = Exposition::new();
        e.family("sb_up", Kind::Gauge, "Whether it is up.")
            .sample(&[], 1.0);
        e.family("sb_hits_total", Kind::Counter, "Hits.")
            .sample(&[("route", "/a")], 3.0)
            .sample(&[("route", "/b")], 0.0);
        assert_eq!(
            e.finish(),
            "# HELP sb_up Whether it is up.\n\
             # TYPE sb_up gauge\n\
             sb_up 1\n\
             # HELP sb_hits_total Hits.\n\
             # TYPE sb_hits_total counter\n\
             sb_hits_total{route=\"/a\"} 3\n\
             sb_hits_total{route=\"/b\"} 0\n"
        );
    }

    #[test]
    fn a_family_without_samples_is_still_described() {
        let mut e = Exposition::new();
        e.family("sb_empty", Kind::Gauge, "Nothing yet.");
        assert_eq!(
            e.finish(),
            "# HELP sb_empty Nothing yet.\n# TYPE sb_empty gauge\n"
        );
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut e = Exposition::new();
        e.family("sb_x", Kind::Gauge, "A \\ backslash\nand a line.")
            .sample(&[("a", "quote \" back \\ line\nend"), ("b", "ünï")], 2.5);
        assert_eq!(
            e.finish(),
            "# HELP sb_x A \\\\ backslash\\nand a line.\n\
             # TYPE sb_x gauge\n\
             sb_x{a=\"quote \\\" back \\\\ line\\nend\",b=\"ünï\"} 2.5\n"
        );
    }

    #[test]
    fn histograms_have_cumulative_buckets_sum_and_count() {
        let mut e = Exposition::new();
        e.family("sb_seconds", Kind::Histogram, "Latency.")
            .histogram(
                &[("route", "/r")],
                Histogram {
                    bounds: &[0.005, 0.5, 10.0],
                    buckets: &[1, 2, 0],
                    count: 4,
                    sum: 12.25,
                },
            );
        assert_eq!(
            e.finish(),
            "# HELP sb_seconds Latency.\n\
             # TYPE sb_seconds histogram\n\
             sb_seconds_bucket{route=\"/r\",le=\"0.005\"} 1\n\
             sb_seconds_bucket{route=\"/r\",le=\"0.5\"} 3\n\
             sb_seconds_bucket{route=\"/r\",le=\"10\"} 3\n\
             sb_seconds_bucket{route=\"/r\",le=\"+Inf\"} 4\n\
             sb_seconds_sum{route=\"/r\"} 12.25\n\
             sb_seconds_count{route=\"/r\"} 4\n"
        );
    }

    #[test]
    fn special_values_are_spelled_as_the_format_wants() {
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(-3.0), "-3");
        assert_eq!(format_value(1e21), "1000000000000000000000");
    }

    #[test]
    fn names_are_checked() {
        assert!(valid_name("switchboard_http_requests_total"));
        assert!(!valid_name("1abc"));
        assert!(!valid_name("a-b"));
        assert!(valid_label("route"));
        assert!(!valid_label("__name__"));
        assert!(!valid_label("a:b"));
    }
}
