//! Quoting of values pasted into the client settings of the connect panel,
//! per language. The server limits principals, topics and groups to plain
//! characters; these keep any value (a cluster's settings, a registry URL, a
//! row written before the limits) from breaking out of its string or line.

/// A `.properties` value as `java.util.Properties` reads it back: backslashes
/// doubled, line breaks and other control characters escaped, a leading
/// space kept.
pub fn properties_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            ' ' if i == 0 => out.push_str("\\ "),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// A double-quoted string as a JAAS configuration reads it
/// (`username="…"`): quotes and backslashes escaped by a backslash.
pub fn jaas_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A Java string literal (`"…"`).
pub fn java_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || is_line_break(c) => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Python 3 string literal (`"…"`).
pub fn python_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_line_break(c) => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Rust string literal (`"…"`): `{:?}` of a `str` is one.
pub fn rust_string(s: &str) -> String {
    format!("{s:?}")
}

/// Text inside a comment line of any of the snippets: it cannot end the line.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || is_line_break(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Unicode line and paragraph separators (some editors and tools break
/// lines on them).
fn is_line_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `java.util.Properties`' reading of an escaped value.
    fn properties_read(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('f') => out.push('\u{c}'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let code = u32::from_str_radix(&hex, 16).expect("hex");
                    out.push(char::from_u32(code).expect("char"));
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    }

    /// A backslash-escaped, double-quoted string (JAAS, Java, Python, Rust
    /// for what these helpers write), read back.
    fn unquote(s: &str) -> String {
        let inner = s
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .expect("quoted");
        let mut out = String::new();
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            assert_ne!(c, '"', "an unescaped quote ends the string early: {s}");
            assert!(!c.is_control(), "a raw control character: {s:?}");
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next().expect("escape") {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    // Java and Python write `\uXXXX`, Rust `\u{…}`.
                    let hex: String = if chars.peek() == Some(&'{') {
                        chars.next();
                        chars.by_ref().take_while(|c| *c != '}').collect()
                    } else {
                        chars.by_ref().take(4).collect()
                    };
                    let code = u32::from_str_radix(&hex, 16).expect("hex");
                    out.push(char::from_u32(code).expect("char"));
                }
                other => out.push(other),
            }
        }
        out
    }

    const NASTY: &[&str] = &[
        "svc-orders",
        "a\"b",
        "a\\b",
        "x\" password=\"stolen",
        "line\nsasl.mechanism=PLAIN",
        "\r\t\u{7}\u{2028}",
        " leading space",
        "é ünïcode",
    ];

    #[test]
    fn properties_values_read_back_as_written() {
        for s in NASTY {
            let v = properties_value(s);
            assert!(!v.contains('\n') && !v.contains('\r'), "{v:?}");
            assert_eq!(properties_read(&v), *s);
        }
        assert_eq!(properties_value("a\"b\\c"), "a\"b\\\\c");
    }

    #[test]
    fn jaas_in_properties_reads_back_as_the_name() {
        for s in NASTY {
            let line = properties_value(&format!("M required username={};", jaas_string(s)));
            let jaas = properties_read(&line);
            let quoted = jaas
                .strip_prefix("M required username=")
                .and_then(|j| j.strip_suffix(';'))
                .expect("shape");
            let inner = &quoted[1..quoted.len() - 1];
            // Only escaped quotes inside, so the value cannot end early.
            assert!(!inner.replace("\\\\", "").replace("\\\"", "").contains('"'));
            let mut read = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                read.push(if c == '\\' {
                    chars.next().expect("escaped")
                } else {
                    c
                });
            }
            assert_eq!(read, *s);
        }
        assert_eq!(jaas_string("a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn string_literals_read_back_as_written() {
        for s in NASTY {
            for quoted in [java_string(s), python_string(s), rust_string(s)] {
                assert_eq!(unquote(&quoted), *s, "{quoted}");
            }
        }
        assert_eq!(python_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(java_string("a\nb"), "\"a\\u000ab\"");
    }

    #[test]
    fn comments_stay_on_their_line() {
        for s in NASTY {
            let c = comment(s);
            assert!(!c.chars().any(|c| c.is_control() || is_line_break(c)));
        }
        assert_eq!(comment("a\nb"), "a b");
    }
}
