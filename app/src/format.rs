//! Times and numbers as people read them, by hand on Unix seconds (UTC):
//! no date crate reaches the WASM. Timestamps on the wire are RFC 3339 UTC
//! (`2025-03-01T12:00:00.000000Z`).

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Now, in Unix seconds: the system clock on the server, the browser's in the WASM.
pub fn now_secs() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        (leptos::web_sys::js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1–12, day 1–31) of a day number since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, usize, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m as usize, d)
}

/// Unix seconds of an RFC 3339 timestamp (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`).
pub fn parse_utc(s: &str) -> Option<i64> {
    let num = |range: std::ops::Range<usize>| s.get(range)?.parse::<i64>().ok();
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let rest = s[19..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest.as_bytes().first() {
        None | Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let oh = rest.get(1..3)?.parse::<i64>().ok()?;
            let om = rest.get(4..6)?.parse::<i64>().ok()?;
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// `12:05` (UTC).
pub fn hh_mm(t: i64) -> String {
    let s = t.rem_euclid(86_400);
    format!("{:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// `Mon 5` (UTC).
pub fn weekday_day(t: i64) -> String {
    let days = t.div_euclid(86_400);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[(days + 3).rem_euclid(7) as usize];
    format!("{weekday} {}", civil_from_days(days).2)
}

/// `5 Dec` (UTC).
pub fn day_month(t: i64) -> String {
    let (_, m, d) = civil_from_days(t.div_euclid(86_400));
    format!("{d} {}", MONTHS[m - 1])
}

/// `2025-12-05 12:05 UTC`.
pub fn exact(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02} {} UTC", hh_mm(t))
}

/// A duration, roughly: `45 s`, `3 min`, `2 h 5 min`, `3 d 4 h`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=59 => format!("{s} s"),
        60..=3_599 => format!("{} min", s / 60),
        3_600..=86_399 => match s % 3600 / 60 {
            0 => format!("{} h", s / 3600),
            m => format!("{} h {m} min", s / 3600),
        },
        _ => match s % 86_400 / 3600 {
            0 => format!("{} d", s / 86_400),
            h => format!("{} d {h} h", s / 86_400),
        },
    }
}

/// `5 min ago` (or `just now`; `in 2 min` for a time ahead of `now`).
pub fn ago(then: i64, now: i64) -> String {
    let d = now - then;
    if d.abs() < 10 {
        "just now".into()
    } else if d > 0 {
        format!("{} ago", duration(d))
    } else {
        format!("in {}", duration(-d))
    }
}

/// `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A measured value: whole numbers with separators from 100 up, else at most
/// two decimals without trailing zeros (`41.5`, `0.25`, `1,234`).
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v.abs() >= 100.0 {
        return thousands(v.round() as i64);
    }
    let text = format!("{v:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2025-12-05 was a Friday.
    const FRI_5_DEC_12_05: i64 = 1_764_936_300;

    #[test]
    fn parses_the_stored_timestamp_format() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_utc("2025-12-05T12:05:00.000000Z"),
            Some(FRI_5_DEC_12_05)
        );
        assert_eq!(
            parse_utc("2025-12-05T13:05:00+01:00"),
            Some(FRI_5_DEC_12_05)
        );
        assert_eq!(
            parse_utc("2025-12-05T07:05:00-05:00"),
            Some(FRI_5_DEC_12_05)
        );
        assert_eq!(parse_utc("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        assert_eq!(parse_utc("yesterday"), None);
        assert_eq!(parse_utc("2025-12-05T12:05:00Q"), None);
    }

    #[test]
    fn formats_times_in_utc() {
        assert_eq!(hh_mm(FRI_5_DEC_12_05), "12:05");
        assert_eq!(weekday_day(FRI_5_DEC_12_05), "Fri 5");
        assert_eq!(weekday_day(0), "Thu 1");
        assert_eq!(day_month(FRI_5_DEC_12_05), "5 Dec");
        assert_eq!(day_month(1_709_164_800), "29 Feb");
        assert_eq!(exact(FRI_5_DEC_12_05), "2025-12-05 12:05 UTC");
        assert_eq!(exact(-1), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        for days in (-146_097..146_097).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m as i64, d), days);
        }
    }

    #[test]
    fn durations_and_relative_times_read_like_speech() {
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(180), "3 min");
        assert_eq!(duration(7_500), "2 h 5 min");
        assert_eq!(duration(7_200), "2 h");
        assert_eq!(duration(3 * 86_400 + 4 * 3600 + 59), "3 d 4 h");
        assert_eq!(ago(1_000, 1_300), "5 min ago");
        assert_eq!(ago(1_000, 1_005), "just now");
        assert_eq!(ago(1_120, 1_000), "in 2 min");
    }

    #[test]
    fn numbers_get_separators_and_few_decimals() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
        assert_eq!(number(41.5), "41.5");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(12_345.6), "12,346");
        assert_eq!(number(f64::NAN), "—");
    }
}
