//! `MeshMapView`: the mesh as SVG, rendered on the server. Clusters are boxes
//! in one column per platform (onprem first); running links are curved
//! arrows from source to target, labelled with records/s and lag. An
//! unreachable cluster or a broken link is drawn dashed and red, the reason
//! in its `<title>`.
//!
//! For tests: `data-testid="mesh-map"`; nodes `data-cluster`,
//! `data-reachable`; edges `data-link`, `data-source`, `data-target`,
//! `data-rate`, `data-lag`, `data-broken`.

use leptos::prelude::*;

use crate::format::{number, thousands};
use crate::monitoring::{MapEdge, MapNode, MeshMap};

const COL_W: f64 = 300.0;
const NODE_W: f64 = 176.0;
const NODE_H: f64 = 58.0;
const ROW_H: f64 = 96.0;
const HEAD: f64 = 60.0;
const PAD: f64 = 12.0;

/// Where each cluster is drawn: its column and row.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub platforms: Vec<String>,
    /// (cluster, column, row).
    pub places: Vec<(String, usize, usize)>,
    pub rows: usize,
}

/// Columns by platform, `onprem` first then by name; clusters in the order given.
pub fn layout(nodes: &[MapNode]) -> Layout {
    let mut platforms: Vec<String> = Vec::new();
    for n in nodes {
        if !platforms.contains(&n.platform) {
            platforms.push(n.platform.clone());
        }
    }
    platforms.sort_by_key(|p| (p != "onprem", p.clone()));
    let mut counts = vec![0usize; platforms.len()];
    let places = nodes
        .iter()
        .map(|n| {
            let col = platforms.iter().position(|p| *p == n.platform).unwrap_or(0);
            counts[col] += 1;
            (n.cluster.clone(), col, counts[col] - 1)
        })
        .collect();
    Layout {
        rows: counts.into_iter().max().unwrap_or(0),
        platforms,
        places,
    }
}

/// Top-left corner of a node's box.
fn node_xy(col: usize, row: usize) -> (f64, f64) {
    (
        PAD + col as f64 * COL_W + (COL_W - NODE_W) / 2.0,
        PAD + HEAD + row as f64 * ROW_H,
    )
}

/// An edge's path (a quadratic curve) and its label's anchor. Edges leave
/// and enter boxes at their sides; the `k`-th of parallel edges bends further.
pub fn edge_path(from: (usize, usize), to: (usize, usize), k: usize) -> (String, (f64, f64)) {
    let (sx, sy) = node_xy(from.0, from.1);
    let (tx, ty) = node_xy(to.0, to.1);
    let (sy, ty) = (sy + NODE_H / 2.0, ty + NODE_H / 2.0);
    // Past a column in between, bend clear of the boxes in it.
    let skipped = from.0.abs_diff(to.0).saturating_sub(1) as f64;
    let bend = 22.0 + 32.0 * k as f64 + 80.0 * skipped;
    let (p0, p2, c) = if from.0 == to.0 {
        // Same column: out of the right side and back in, bulging right.
        let p0 = (sx + NODE_W, sy);
        let p2 = (tx + NODE_W, ty);
        (p0, p2, (sx + NODE_W + 40.0 + bend, (sy + ty) / 2.0))
    } else {
        let (p0, p2) = if to.0 > from.0 {
            ((sx + NODE_W, sy), (tx, ty))
        } else {
            ((sx, sy), (tx + NODE_W, ty))
        };
        let (dx, dy) = (p2.0 - p0.0, p2.1 - p0.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        // Left of the direction of travel, so A→B and B→A part ways.
        let (nx, ny) = (dy / len, -dx / len);
        let mid = ((p0.0 + p2.0) / 2.0, (p0.1 + p2.1) / 2.0);
        (p0, p2, (mid.0 + nx * bend, mid.1 + ny * bend))
    };
    let label = (
        0.25 * p0.0 + 0.5 * c.0 + 0.25 * p2.0,
        0.25 * p0.1 + 0.5 * c.1 + 0.25 * p2.1,
    );
    let d = format!(
        "M{:.1},{:.1} Q{:.1},{:.1} {:.1},{:.1}",
        p0.0, p0.1, c.0, c.1, p2.0, p2.1
    );
    (d, label)
}

fn edge_label(e: &MapEdge) -> String {
    let rate = e.rate.map(|r| format!("{} rec/s", number(r)));
    let lag = e.lag.map(|l| format!("lag {}", thousands(l)));
    match (rate, lag) {
        (Some(r), Some(l)) => format!("{r} · {l}"),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => "no sample".into(),
    }
}

#[component]
pub fn MeshMapView(map: MeshMap) -> impl IntoView {
    if map.nodes.is_empty() {
        return view! { <p class="empty" data-testid="mesh-map-empty">"No clusters on the map yet."</p> }
            .into_any();
    }
    let plan = layout(&map.nodes);
    let place = |cluster: &str| {
        plan.places
            .iter()
            .find(|(c, ..)| c == cluster)
            .map(|(_, col, row)| (*col, *row))
    };
    let width = PAD * 2.0 + plan.platforms.len() as f64 * COL_W;
    let height = PAD * 2.0 + HEAD + plan.rows as f64 * ROW_H + 20.0;
    let columns = plan
        .platforms
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = PAD + i as f64 * COL_W + 8.0;
            view! {
                <g class="mesh-platform" data-platform=p.clone()>
                    <rect x=x y=PAD width=COL_W - 16.0 height=height - PAD * 2.0 rx=10/>
                    <text class="mesh-platform-label" x=x + (COL_W - 16.0) / 2.0 y=PAD + 22.0 text-anchor="middle">{p.clone()}</text>
                </g>
            }
        })
        .collect_view();
    let mut seen: Vec<(String, String)> = Vec::new();
    let edges = map
        .edges
        .iter()
        .filter_map(|e| {
            let (from, to) = (place(&e.source)?, place(&e.target)?);
            let pair = (e.source.clone(), e.target.clone());
            let k = seen.iter().filter(|p| **p == pair).count();
            seen.push(pair);
            let (d, (lx, ly)) = edge_path(from, to, k);
            Some(view! { <Edge e=e.clone() d lx ly/> })
        })
        .collect_view();
    let nodes = map
        .nodes
        .iter()
        .filter_map(|n| {
            let (col, row) = place(&n.cluster)?;
            let (x, y) = node_xy(col, row);
            Some(view! { <Node n=n.clone() x y/> })
        })
        .collect_view();
    view! {
        <svg data-testid="mesh-map" class="mesh-map" role="img" aria-label="Mesh map: clusters by platform and the links between them"
            viewBox=format!("0 0 {width} {height}") style=format!("max-width: {width}px")>
            <defs>
                <marker id="mesh-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
                    <path class="mesh-arrowhead" d="M0,0 L10,5 L0,10 z"/>
                </marker>
                <marker id="mesh-arrow-broken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
                    <path class="mesh-arrowhead broken" d="M0,0 L10,5 L0,10 z"/>
                </marker>
            </defs>
            {columns}
            {edges}
            {nodes}
        </svg>
    }
    .into_any()
}

#[component]
fn Node(n: MapNode, x: f64, y: f64) -> impl IntoView {
    let status = if n.reachable {
        n.rate
            .map(|r| format!("{} records/s", number(r)))
            .unwrap_or_else(|| "no sample yet".into())
    } else {
        "unreachable".into()
    };
    let title = match (&n.reachable, &n.last_error) {
        (false, Some(err)) => format!("{} ({}): unreachable: {err}", n.name, n.cluster),
        (false, None) => format!("{} ({}): unreachable", n.name, n.cluster),
        (true, _) => format!("{} ({}): {status}", n.name, n.cluster),
    };
    // A long name is squeezed into its box rather than spilling out of it
    // (about 7.4 px per character at the name's size).
    let fit = (n.name.chars().count() as f64 * 7.4 > NODE_W - 12.0).then_some(NODE_W - 12.0);
    let class = if n.reachable {
        "mesh-node"
    } else {
        "mesh-node unreachable"
    };
    view! {
        <g class=class data-cluster=n.cluster.clone() data-reachable=n.reachable.to_string()>
            <title>{title}</title>
            <rect x=x y=y width=NODE_W height=NODE_H rx=8/>
            <text class="mesh-node-name" x=x + NODE_W / 2.0 y=y + 20.0 text-anchor="middle"
                textLength=fit lengthAdjust="spacingAndGlyphs">{n.name.clone()}</text>
            <text class="mesh-node-id" x=x + NODE_W / 2.0 y=y + 35.0 text-anchor="middle">{n.cluster.clone()}</text>
            <text class="mesh-node-status" x=x + NODE_W / 2.0 y=y + 50.0 text-anchor="middle">{status}</text>
        </g>
    }
}

#[component]
fn Edge(e: MapEdge, d: String, lx: f64, ly: f64) -> impl IntoView {
    let label = if e.broken {
        match &e.last_error {
            Some(_) => "error".to_string(),
            None => "broken".to_string(),
        }
    } else {
        edge_label(&e)
    };
    let title = format!(
        "{}: {} → {} · {}{}",
        e.event,
        e.source,
        e.target,
        edge_label(&e),
        e.last_error
            .as_ref()
            .map(|m| format!(" · error: {m}"))
            .unwrap_or_default()
    );
    let (class, marker) = if e.broken {
        ("mesh-edge broken", "url(#mesh-arrow-broken)")
    } else {
        ("mesh-edge", "url(#mesh-arrow)")
    };
    view! {
        <g class=class data-link=e.link_id.clone() data-source=e.source.clone() data-target=e.target.clone()
            data-rate=e.rate.map(|r| r.to_string()).unwrap_or_default()
            data-lag=e.lag.map(|l| l.to_string()).unwrap_or_default()
            data-broken=e.broken.to_string() data-event=e.event.clone()>
            <title>{title}</title>
            <path d=d marker-end=marker/>
            <text class="mesh-edge-label" x=format!("{lx:.1}") y=format!("{ly:.1}") text-anchor="middle">{label}</text>
        </g>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(cluster: &str, platform: &str) -> MapNode {
        MapNode {
            cluster: cluster.into(),
            name: cluster.into(),
            platform: platform.into(),
            reachable: true,
            last_error: None,
            rate: None,
            sampled_at: None,
        }
    }

    #[test]
    fn mesh_map_layout_puts_onprem_first_and_stacks_each_platform() {
        let plan = layout(&[
            node("gcp-1", "gcp"),
            node("dc-1", "onprem"),
            node("aws-1", "aws"),
            node("dc-2", "onprem"),
        ]);
        assert_eq!(plan.platforms, ["onprem", "aws", "gcp"]);
        assert_eq!(plan.rows, 2);
        assert!(plan.places.contains(&("dc-2".into(), 0, 1)));
        assert!(plan.places.contains(&("gcp-1".into(), 2, 0)));
    }

    #[test]
    fn mesh_map_edges_in_opposite_directions_bend_apart() {
        let (_, there) = edge_path((0, 0), (1, 0), 0);
        let (_, back) = edge_path((1, 0), (0, 0), 0);
        assert!(there.1 < back.1, "{there:?} {back:?}");
        let (d, _) = edge_path((0, 0), (1, 0), 0);
        assert!(d.starts_with("M") && d.contains(" Q"));
        // A second parallel edge bends further.
        let (_, second) = edge_path((0, 0), (1, 0), 1);
        assert!(second.1 < there.1);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn mesh_map_marks_unreachable_clusters_and_broken_links() {
        let mut down = node("aws-1", "aws");
        down.reachable = false;
        down.last_error = Some("timed out".into());
        let map = MeshMap {
            nodes: vec![node("dc-1", "onprem"), down],
            edges: vec![MapEdge {
                link_id: "l1".into(),
                event: "orders".into(),
                source: "dc-1".into(),
                target: "aws-1".into(),
                rate: Some(12.5),
                lag: Some(1_234),
                broken: true,
                last_error: Some("target unreachable".into()),
            }],
        };
        let html = Owner::new().with(|| view! { <MeshMapView map/> }.to_html());
        assert!(html.contains(r#"data-testid="mesh-map""#), "{html}");
        assert!(html.contains(r#"data-cluster="aws-1" data-reachable="false""#));
        assert!(html.contains("unreachable: timed out"));
        assert!(html.contains(r#"data-link="l1" data-source="dc-1" data-target="aws-1""#));
        assert!(html.contains(r#"data-rate="12.5" data-lag="1234" data-broken="true""#));
        assert!(html.contains("error: target unreachable"));
    }
}
