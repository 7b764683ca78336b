//! Latency statistics, process and machine facts, targets, and the result
//! files (shared by the benches).

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

pub struct Stats {
    pub count: usize,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Stats {
    pub fn of(mut times: Vec<Duration>) -> Stats {
        times.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        // Nearest rank: the smallest value with at least p% of values at or below it.
        let at = |p: usize| {
            let rank = (times.len() * p).div_ceil(100).max(1);
            times.get(rank - 1).copied().map_or(0.0, ms)
        };
        let sum: Duration = times.iter().sum();
        Stats {
            count: times.len(),
            mean_ms: ms(sum) / times.len().max(1) as f64,
            p50_ms: at(50),
            p90_ms: at(90),
            p99_ms: at(99),
            max_ms: times.last().copied().map_or(0.0, ms),
        }
    }

    pub fn json(&self) -> Value {
        json!({
            "count": self.count,
            "mean_ms": round(self.mean_ms, 3),
            "p50_ms": round(self.p50_ms, 3),
            "p90_ms": round(self.p90_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "max_ms": round(self.max_ms, 3),
        })
    }
}

pub fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// A `/proc/self/status` figure in MiB (`VmHWM`, `VmRSS`, `RssAnon`, `RssFile`).
pub fn proc_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok());
    round(kib.unwrap_or(0.0) / 1024.0, 1)
}

/// Resets `VmHWM` to the current RSS (Linux), so each phase has its own peak.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
        .map(|(_, v)| v.trim().to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok());
    json!({
        "nproc": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "cpu": cpu,
        "memory_mib": mem_kib.map(|k| k / 1024),
        "kernel": std::fs::read_to_string("/proc/sys/kernel/osrelease").ok().map(|s| s.trim().to_owned()),
    })
}

/// One target of the issue: `measured` against `limit`.
pub fn target(name: &str, measured: f64, unit: &str, limit: f64, at_least: bool) -> Value {
    let met = if at_least {
        measured >= limit
    } else {
        measured <= limit
    };
    json!({
        "name": name,
        "measured": round(measured, 3),
        "unit": unit,
        "limit": limit,
        "comparison": if at_least { ">=" } else { "<=" },
        "met": met,
    })
}

/// Writes `{stem}.json` (the figures) and `{stem}.md` into `dir`.
/// The Markdown table of `target` rows: measured, limit, met or missed.
pub fn targets_table(targets: &Value) -> String {
    let mut md = String::from("| Target | Measured | Limit | Result |\n|---|---|---|---|\n");
    for t in targets.as_array().into_iter().flatten() {
        let unit = t["unit"].as_str().unwrap_or("");
        let result = if t["met"].as_bool() == Some(true) {
            "met"
        } else {
            "**missed**"
        };
        md.push_str(&format!(
            "| {} | {} {unit} | {} {} {unit} | {result} |\n",
            t["name"].as_str().unwrap_or("?"),
            t["measured"],
            t["comparison"].as_str().unwrap_or(""),
            t["limit"],
        ));
    }
    md
}

pub fn write(dir: &Path, stem: &str, figures: &Value, md: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join(format!("{stem}.json")),
        serde_json::to_string_pretty(figures)? + "\n",
    )?;
    std::fs::write(dir.join(format!("{stem}.md")), md)?;
    Ok(())
}

/// A setting from the environment; `default` when unset or unparsable.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Where results are written: `SB_BENCH_OUT_DIR`, else the repository's
/// `bench/results`.
pub fn out_dir() -> std::path::PathBuf {
    std::env::var("SB_BENCH_OUT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/results"))
}
