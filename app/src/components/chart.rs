//! `LineChart`: a `Chart` drawn as inline SVG on the server (no script):
//! one line per series with a legend, an optional min/max band for rolled-up
//! points, UTC time ticks, round value ticks with the unit, gaps where
//! samples are missing. Colours come from CSS variables (light and dark).
//!
//! For tests: `<svg data-testid="chart">`, one `<g data-series data-kind
//! data-cluster>` per series, and per point a `<circle data-at data-value>`
//! whose `<title>` is its tooltip.

use leptos::prelude::*;

use super::chart_geom::{
    extent, nice_ticks, point_time, polyline, segments, time_label, time_ticks, value_label, Scale,
};
use crate::format::number;
use crate::monitoring::{Chart, Point, Series};

const WIDTH: f64 = 720.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 26.0;
/// Colours the stylesheet defines (`--chart-1` …).
const PALETTE: usize = 6;

#[component]
pub fn LineChart(
    chart: Chart,
    /// Drawing height in SVG units (the width is 720, scaled to fit).
    #[prop(optional)]
    height: Option<f64>,
    /// Draw the min/max band of rolled-up points.
    #[prop(default = true)]
    band: bool,
) -> impl IntoView {
    let height = height.unwrap_or(240.0);
    let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, height - BOTTOM, TOP);
    let empty = chart.series.iter().all(|s| s.points.is_empty());
    let (lo, hi) = extent(chart.series.iter().flat_map(|s| &s.points)).unwrap_or((0.0, 1.0));
    let ticks = nice_ticks(lo.min(0.0), hi, ((height - TOP - BOTTOM) / 40.0) as usize);
    let (vmin, vmax) = (ticks[0], ticks[ticks.len() - 1]);
    let xs = Scale::new((chart.from as f64, chart.to as f64), (x0, x1));
    let ys = Scale::new((vmin, vmax), (y0, y1));

    let y_axis = ticks
        .iter()
        .map(|v| {
            let y = format!("{:.1}", ys.map(*v));
            view! {
                <line class="chart-grid" x1=x0 x2=x1 y1=y.clone() y2=y.clone()/>
                <text class="chart-tick" x=x0 - 6.0 y=y text-anchor="end" dominant-baseline="middle">
                    {value_label(*v)}
                </text>
            }
        })
        .collect_view();
    let x_axis = time_ticks(chart.from, chart.to, 8)
        .into_iter()
        .map(|t| {
            let x = format!("{:.1}", xs.map(t as f64));
            view! {
                <line class="chart-axis" x1=x.clone() x2=x.clone() y1=y0 y2=y0 + 4.0/>
                <text class="chart-tick" x=x y=y0 + 16.0 text-anchor="middle">
                    {time_label(t, chart.range)}
                </text>
            }
        })
        .collect_view();
    let lines = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            view! { <SeriesLines s=s.clone() i xs ys step=chart.step_secs unit=chart.unit.clone() range=chart.range band/> }
        })
        .collect_view();
    let legend = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            view! {
                <li data-series=s.label.clone()>
                    <span class=format!("chart-swatch chart-c{}", i % PALETTE + 1) aria-hidden="true"></span>
                    {s.label.clone()}
                </li>
            }
        })
        .collect_view();
    let empty_note = empty.then(|| {
        view! {
            <text class="chart-empty" data-testid="chart-empty" x=(x0 + x1) / 2.0 y=(y0 + y1) / 2.0 text-anchor="middle">
                "No samples yet: the sampler writes a point every 30 s"
            </text>
        }
    });
    let label = format!(
        "{} ({}), {} UTC",
        chart.title,
        chart.unit,
        chart.range.label()
    );
    view! {
        <figure class="chart" data-range=chart.range.as_str()>
            <figcaption class="chart-title">{chart.title.clone()}</figcaption>
            <svg data-testid="chart" class="chart-svg" role="img" aria-label=label
                viewBox=format!("0 0 {WIDTH} {height}") preserveAspectRatio="xMidYMid meet">
                <text class="chart-unit" x=4 y=12>{chart.unit.clone()}</text>
                <text class="chart-unit" x=x1 y=12 text-anchor="end">"time (UTC)"</text>
                {y_axis}
                <line class="chart-axis" x1=x0 x2=x1 y1=y0 y2=y0/>
                {x_axis}
                {lines}
                {empty_note}
            </svg>
            <ul class="chart-legend">{legend}</ul>
        </figure>
    }
}

/// A chart whose series measure in different units (a link's lag in records
/// and its records/s), split into one chart per unit, in order of appearance.
pub fn split_by_unit(chart: Chart) -> Vec<Chart> {
    let mut units: Vec<&'static str> = Vec::new();
    for s in &chart.series {
        if !units.contains(&s.kind.unit()) {
            units.push(s.kind.unit());
        }
    }
    if units.len() < 2 {
        return vec![chart];
    }
    units
        .into_iter()
        .map(|unit| Chart {
            title: format!("{} ({unit})", chart.title),
            unit: unit.to_string(),
            series: chart
                .series
                .iter()
                .filter(|s| s.kind.unit() == unit)
                .cloned()
                .collect(),
            ..chart.clone()
        })
        .collect()
}

/// One series: its band, one polyline per run without gaps, and a dot per
/// point carrying its tooltip (visible only where a run is a single point).
#[component]
fn SeriesLines(
    s: Series,
    i: usize,
    xs: Scale,
    ys: Scale,
    step: i64,
    unit: String,
    range: crate::monitoring::ChartRange,
    band: bool,
) -> impl IntoView {
    let runs = segments(&s.points, step);
    let xy = |p: &Point| (xs.map(p.at as f64), ys.map(p.value));
    let bands = runs
        .iter()
        .filter(|run| {
            band && run.len() > 1 && run.iter().all(|p| p.min.is_some() && p.max.is_some())
        })
        .map(|run| {
            let upper = run
                .iter()
                .map(|p| (xs.map(p.at as f64), ys.map(p.max.unwrap_or(p.value))));
            let lower = run
                .iter()
                .rev()
                .map(|p| (xs.map(p.at as f64), ys.map(p.min.unwrap_or(p.value))));
            view! { <polygon class="chart-band" points=polyline(upper.chain(lower))/> }
        })
        .collect_view();
    let paths = runs
        .iter()
        .map(|run| view! { <polyline class="chart-line" points=polyline(run.iter().map(xy))/> })
        .collect_view();
    let dots = runs
        .iter()
        .flat_map(|run| {
            let lone = run.len() == 1;
            run.iter().map(move |p| (p, lone))
        })
        .map(|(p, lone)| {
            let (x, y) = xy(p);
            let mut tip = format!("{} · {} {unit}", point_time(p.at, range), number(p.value));
            if let (Some(lo), Some(hi)) = (p.min, p.max) {
                tip.push_str(&format!(" (min {}, max {})", number(lo), number(hi)));
            }
            view! {
                <circle class=if lone { "chart-dot lone" } else { "chart-dot" }
                    cx=format!("{x:.1}") cy=format!("{y:.1}") r=if lone { 3 } else { 4 }
                    data-at=p.at data-value=p.value.to_string()>
                    <title>{tip}</title>
                </circle>
            }
        })
        .collect_view();
    view! {
        <g class=format!("chart-series chart-c{}", i % PALETTE + 1) data-series=s.label.clone()
            data-kind=s.kind.as_str() data-cluster=s.cluster.clone()>
            {bands}
            {paths}
            {dots}
        </g>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::monitoring::{ChartRange, SeriesKind};

    fn point(at: i64, value: f64) -> Point {
        Point {
            at,
            value,
            min: None,
            max: None,
        }
    }

    fn chart(points: Vec<Point>) -> Chart {
        // Fri 5 Dec 2025 12:00 to 13:00 UTC.
        let from = 1_764_936_000;
        Chart {
            title: "Records/s".into(),
            unit: "records/s".into(),
            range: ChartRange::Hour,
            from,
            to: from + 3_600,
            step_secs: 30,
            series: vec![Series {
                kind: SeriesKind::TopicRate,
                cluster: "dc-1".into(),
                subject: "orders".into(),
                label: "dc-1".into(),
                points,
            }],
        }
    }

    fn render(c: Chart) -> String {
        let owner = Owner::new();
        owner.with(|| view! { <LineChart chart=c/> }.to_html())
    }

    #[test]
    fn chart_renders_series_points_and_tooltips_for_machines_and_people() {
        let from = 1_764_936_000;
        let html = render(chart(vec![
            point(from + 300, 41.5),
            point(from + 330, 40.0),
            // Missed samples: a gap, so a second line.
            point(from + 600, 12.0),
            point(from + 630, 13.0),
        ]));
        assert!(html.contains(r#"data-testid="chart""#), "{html}");
        assert!(html.contains(r#"data-series="dc-1""#));
        assert!(html.contains(r#"data-kind="topic_rate""#));
        assert!(html.contains(r#"data-cluster="dc-1""#));
        assert_eq!(html.matches("<polyline").count(), 2);
        assert_eq!(html.matches("<circle").count(), 4);
        assert!(html.contains(r#"data-at="1764936300""#));
        assert!(html.contains(r#"data-value="41.5""#));
        assert!(html.contains("12:05 UTC · 41.5 records/s"));
        assert!(html.contains(">12:10<"), "time ticks read as HH:MM");
        assert!(!html.contains("No samples yet"));
    }

    #[test]
    fn chart_without_points_says_why() {
        let html = render(chart(Vec::new()));
        assert!(html.contains("No samples yet: the sampler writes a point every 30 s"));
        assert!(!html.contains("<polyline"));
    }

    #[test]
    fn chart_split_by_unit_separates_lag_from_rate() {
        let mut c = chart(vec![point(1_764_936_300, 1.0)]);
        let mut lag = c.series[0].clone();
        lag.kind = SeriesKind::LinkLag;
        c.series.push(lag);
        let parts = split_by_unit(c);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].unit, "records");
        assert_eq!(parts[1].series.len(), 1);
    }
}
