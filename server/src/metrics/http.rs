//! Counts of HTTP requests and their latency, by route template, method and
//! status class. Labels stay bounded: the route is the matched template
//! (`/api/v1/events/{name}`, a page's `/events/{name}`), never the path,
//! and `other` where no route matched (static files, unknown paths); methods
//! outside the standard ones are `other` too. One mutex, taken once per
//! request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use super::exposition::{borrowed, Exposition, Histogram, Kind};

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// What one route, method and status class saw.
#[derive(Debug, Clone, Default)]
struct Series {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

type Key = (String, &'static str, &'static str);

#[derive(Debug, Default)]
pub struct HttpMetrics {
    series: Mutex<HashMap<Key, Series>>,
}

impl HttpMetrics {
    pub fn observe(&self, route: &str, method: &Method, status: u16, seconds: f64) {
        let key = (
            route.to_string(),
            method_label(method),
            status_class(status),
        );
        let bucket = BUCKETS.iter().position(|b| seconds <= *b);
        let mut series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let s = series.entry(key).or_default();
        s.count += 1;
        s.sum += seconds;
        if let Some(i) = bucket {
            s.buckets[i] += 1;
        }
    }

    /// Writes `switchboard_http_requests_total` and
    /// `switchboard_http_request_duration_seconds`.
    pub fn write(&self, out: &mut Exposition) {
        let mut series: Vec<(Key, Series)> = {
            let map = self.series.lock().unwrap_or_else(|e| e.into_inner());
            map.iter().map(|(k, s)| (k.clone(), s.clone())).collect()
        };
        series.sort_by(|a, b| a.0.cmp(&b.0));
        let labels = |(route, method, status): &Key| {
            [
                ("route", route.clone()),
                ("method", method.to_string()),
                ("status", status.to_string()),
            ]
        };
        let mut requests = out.family(
            "switchboard_http_requests_total",
            Kind::Counter,
            "HTTP requests answered by this process, by matched route template (`other` where none matched), method and status class.",
        );
        for (key, s) in &series {
            let l = labels(key);
            requests.sample(&borrowed(&l), s.count as f64);
        }
        let mut latency = out.family(
            "switchboard_http_request_duration_seconds",
            Kind::Histogram,
            "Time from a request's arrival to its response's head (a streamed page's body may take longer), by route template, method and status class.",
        );
        for (key, s) in &series {
            let l = labels(key);
            latency.histogram(
                &borrowed(&l),
                Histogram {
                    bounds: &BUCKETS,
                    buckets: &s.buckets,
                    count: s.count,
                    sum: s.sum,
                },
            );
        }
    }
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// The middleware: times the request and records it under its route.
pub async fn record(
    State(metrics): State<std::sync::Arc<HttpMetrics>>,
    req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let method = req.method().clone();
    let response = next.run(req).await;
    metrics.observe(
        route.as_deref().unwrap_or("other"),
        &method,
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_their_bucket_and_class() {
        let m = HttpMetrics::default();
        m.observe("/healthz", &Method::GET, 200, 0.003);
        m.observe("/healthz", &Method::GET, 204, 0.2);
        m.observe("/healthz", &Method::GET, 404, 60.0);
        m.observe("other", &Method::from_bytes(b"BREW").unwrap(), 500, 0.01);
        let mut e = Exposition::new();
        m.write(&mut e);
        let text = e.finish();
        for line in [
            "switchboard_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"2xx\"} 2",
            "switchboard_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"4xx\"} 1",
            "switchboard_http_requests_total{route=\"other\",method=\"other\",status=\"5xx\"} 1",
            "switchboard_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",status=\"2xx\",le=\"0.005\"} 1",
            "switchboard_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",status=\"2xx\",le=\"0.1\"} 1",
            "switchboard_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",status=\"2xx\",le=\"0.25\"} 2",
            "switchboard_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",status=\"4xx\",le=\"30\"} 0",
            "switchboard_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",status=\"4xx\",le=\"+Inf\"} 1",
            "switchboard_http_request_duration_seconds_count{route=\"/healthz\",method=\"GET\",status=\"4xx\"} 1",
            "switchboard_http_request_duration_seconds_sum{route=\"/healthz\",method=\"GET\",status=\"4xx\"} 60",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
    }
}
