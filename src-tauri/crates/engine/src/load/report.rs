//! A run as a self-contained HTML report: its request and settings, the summary, thresholds,
//! statuses, the estimated cost, and the charts — latency percentiles, throughput and error
//! rate over time with the previous run beside them, and the latency histogram — drawn as inline
//! SVG, so the file opens anywhere without scripts or a network.

use std::fmt::Write as _;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use super::stats::Snapshot;
use super::store::SavedRun;

/// `2026-12-07 15:22:32 UTC` for milliseconds since the epoch.
pub fn timestamp(millis: u64) -> String {
    let stamp = DateTime::from_millis(millis as i64)
        .fmt(Format::DateTime)
        .unwrap_or_default();
    // `2026-12-07T15:22:32.123Z` → `2026-12-07 15:22:32 UTC`.
    match stamp.get(..19) {
        Some(head) => format!("{} UTC", head.replace('T', " ")),
        None => stamp,
    }
}

/// The run as JSON, with the run it is compared with.
pub fn json(run: &SavedRun, previous: Option<&SavedRun>) -> String {
    let document = serde_json::json!({ "run": run, "previous": previous });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

/// The run as one HTML document.
pub fn html(run: &SavedRun, previous: Option<&SavedRun>) -> String {
    let summary = &run.summary;
    let mut out = String::with_capacity(32 * 1024);
    let title = format!("Load test — {}", run.name());
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"request\"><code>{} {}</code></p><p>{} · {} virtual users · {} profile · {:.1} s</p>",
        escape(&title),
        escape(&run.method),
        escape(&run.url),
        timestamp(run.id),
        run.vus,
        escape(&run.profile),
        summary.duration_s
    );
    if let Some(body) = &run.body {
        let _ = write!(
            out,
            "<details><summary>Body</summary><pre>{}</pre></details>",
            escape(body)
        );
    }
    out.push_str("<table><tr><th></th><th>this run</th>");
    if let Some(previous) = previous {
        let _ = write!(out, "<th>{}</th>", escape(&previous.name()));
    }
    out.push_str("</tr>");
    type Row = (&'static str, fn(&SavedRun) -> String);
    let rows: [Row; 10] = [
        ("requests", |r| r.summary.requests.to_string()),
        ("throughput", |r| {
            format!("{:.1} req/s", r.summary.throughput_rps)
        }),
        ("errors", |r| {
            format!(
                "{} ({:.2} %)",
                r.summary.errors,
                r.summary.error_rate * 100.0
            )
        }),
        ("average", |r| format!("{:.1} ms", r.summary.latency_ms.avg)),
        ("p50", |r| format!("{:.1} ms", r.summary.latency_ms.p50)),
        ("p90", |r| format!("{:.1} ms", r.summary.latency_ms.p90)),
        ("p95", |r| format!("{:.1} ms", r.summary.latency_ms.p95)),
        ("p99", |r| format!("{:.1} ms", r.summary.latency_ms.p99)),
        ("max", |r| format!("{:.1} ms", r.summary.latency_ms.max)),
        ("estimated cost", |r| {
            r.estimate
                .as_ref()
                .map_or_else(|| "—".to_owned(), |e| format!("${:.6}", e.total_usd))
        }),
    ];
    for (name, value) in rows {
        let _ = write!(out, "<tr><th>{name}</th><td>{}</td>", escape(&value(run)));
        if let Some(previous) = previous {
            let _ = write!(out, "<td>{}</td>", escape(&value(previous)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    if !summary.thresholds.is_empty() {
        out.push_str("<h2>Thresholds</h2><ul>");
        for verdict in &summary.thresholds {
            let _ = write!(
                out,
                "<li class=\"{}\">{} — {}</li>",
                if verdict.passed { "pass" } else { "fail" },
                escape(&verdict.expr),
                if verdict.passed { "passed" } else { "failed" }
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("<h2>Statuses</h2><p>");
    let statuses: Vec<String> = summary
        .status
        .iter()
        .map(|(status, count)| format!("{status}: {count}"))
        .collect();
    let causes = &summary.errors_by_cause;
    let _ = write!(
        out,
        "{} · throttled (429) {} · refused {} · timed out {} · broken {}</p>",
        escape(&statuses.join(" · ")),
        causes.throttled,
        causes.refused,
        causes.timed_out,
        causes.other
    );
    if let Some(estimate) = &run.estimate {
        let _ = write!(
            out,
            "<h2>Estimated cost</h2><p>{}</p>",
            escape(&estimate.describe())
        );
    }
    let previous_timeline = previous.map(|p| p.summary.timeline.as_slice());
    let name = previous.map(SavedRun::name).unwrap_or_default();
    out.push_str("<h2>Latency over time (ms)</h2>");
    let mut series = vec![
        Series::of("p50", "#4e79a7", &summary.timeline, |s| s.latency_ms.p50),
        Series::of("p95", "#f28e2b", &summary.timeline, |s| s.latency_ms.p95),
        Series::of("p99", "#e15759", &summary.timeline, |s| s.latency_ms.p99),
    ];
    if let Some(timeline) = previous_timeline {
        series.push(
            Series::of(&format!("p95, {name}"), "#f28e2b", timeline, |s| {
                s.latency_ms.p95
            })
            .dashed(),
        );
    }
    out.push_str(&line_chart(&series));
    out.push_str("<h2>Throughput (requests/s)</h2>");
    let mut series = vec![Series::of("this run", "#59a14f", &summary.timeline, |s| {
        s.rps
    })];
    if let Some(timeline) = previous_timeline {
        series.push(Series::of(&name, "#59a14f", timeline, |s| s.rps).dashed());
    }
    out.push_str(&line_chart(&series));
    out.push_str("<h2>Error rate (%)</h2>");
    let error_rate = |s: &Snapshot| {
        if s.requests == 0 {
            0.0
        } else {
            s.errors.total() as f64 * 100.0 / s.requests as f64
        }
    };
    let mut series = vec![Series::of(
        "this run",
        "#e15759",
        &summary.timeline,
        error_rate,
    )];
    if let Some(timeline) = previous_timeline {
        series.push(Series::of(&name, "#e15759", timeline, error_rate).dashed());
    }
    out.push_str(&line_chart(&series));
    out.push_str("<h2>Latency distribution</h2>");
    out.push_str(&histogram(run));
    out.push_str("</body></html>\n");
    out
}

const STYLE: &str = "body{font:14px system-ui,sans-serif;max-width:860px;margin:2em auto;color:#222}\
table{border-collapse:collapse}th,td{padding:2px 12px;text-align:left;border-bottom:1px solid #ddd}\
.pass{color:#2a7a2a}.fail{color:#b22}svg{background:#fafafa;border:1px solid #ddd}\
.legend span{margin-right:1em}code,pre{background:#f3f3f3;padding:2px 4px}";

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 220.0;
const PAD: f64 = 40.0;

/// One line of a chart: `(second, value)` points.
struct Series {
    name: String,
    color: &'static str,
    points: Vec<(f64, f64)>,
    dashed: bool,
}

impl Series {
    fn of(
        name: &str,
        color: &'static str,
        timeline: &[Snapshot],
        value: impl Fn(&Snapshot) -> f64,
    ) -> Self {
        Self {
            name: name.to_owned(),
            color,
            points: timeline.iter().map(|s| (s.second, value(s))).collect(),
            dashed: false,
        }
    }

    fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

fn line_chart(series: &[Series]) -> String {
    let points = || series.iter().flat_map(|s| s.points.iter());
    let max_x = points().map(|p| p.0).fold(1.0, f64::max);
    let max_y = nice_ceiling(points().map(|p| p.1).fold(0.0, f64::max));
    let x = |value: f64| PAD + value / max_x * (WIDTH - PAD - 10.0);
    let y = |value: f64| HEIGHT - PAD / 2.0 - value / max_y * (HEIGHT - PAD);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\">"
    );
    axes(&mut svg, max_x, max_y, "s");
    for line in series {
        let path: Vec<String> = line
            .points
            .iter()
            .map(|(px, py)| format!("{:.1},{:.1}", x(*px), y(*py)))
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{} points=\"{}\"/>",
            line.color,
            if line.dashed {
                " stroke-dasharray=\"6 4\" opacity=\"0.7\""
            } else {
                ""
            },
            path.join(" ")
        );
    }
    svg.push_str("</svg><p class=\"legend\">");
    for line in series {
        let _ = write!(
            svg,
            "<span style=\"color:{}\">{} {}</span>",
            line.color,
            if line.dashed { "┄" } else { "━" },
            escape(&line.name)
        );
    }
    svg.push_str("</p>");
    svg
}

fn histogram(run: &SavedRun) -> String {
    let buckets = &run.summary.histogram;
    if buckets.is_empty() {
        return "<p>No answers.</p>".to_owned();
    }
    let max_count = buckets.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let width = (WIDTH - PAD - 10.0) / buckets.len() as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\">"
    );
    for (index, bucket) in buckets.iter().enumerate() {
        let height = bucket.count as f64 / max_count * (HEIGHT - PAD);
        let left = PAD + index as f64 * width;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\" fill=\"#76b7b2\"><title>≤ {:.1} ms: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">≤{:.0}</text>",
            left + 1.0,
            HEIGHT - PAD / 2.0 - height,
            width - 2.0,
            bucket.le_ms,
            bucket.count,
            left + width / 2.0,
            HEIGHT - 4.0,
            bucket.le_ms
        );
    }
    svg.push_str("</svg><p class=\"legend\">answers by latency (ms)</p>");
    svg
}

/// The axes with a few labels.
fn axes(svg: &mut String, max_x: f64, max_y: f64, unit: &str) {
    let bottom = HEIGHT - PAD / 2.0;
    let _ = write!(
        svg,
        "<line x1=\"{PAD}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"#999\"/><line x1=\"{PAD}\" y1=\"{}\" x2=\"{PAD}\" y2=\"{bottom}\" stroke=\"#999\"/>",
        WIDTH - 10.0,
        PAD / 2.0
    );
    for step in 0..=4 {
        let value = max_y * step as f64 / 4.0;
        let at = bottom - value / max_y * (HEIGHT - PAD);
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            PAD - 4.0,
            at + 3.0,
            short(value)
        );
        let seconds = max_x * step as f64 / 4.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}{unit}</text>",
            PAD + seconds / max_x * (WIDTH - PAD - 10.0),
            HEIGHT - 4.0,
            short(seconds)
        );
    }
}

/// A round number at or above `value` (1, 2 or 5 × 10ⁿ), so the axis reads well.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * magnitude)
        .find(|ceiling| *ceiling >= value)
        .unwrap_or(10.0 * magnitude)
}

fn short(value: f64) -> String {
    if value >= 100.0 || value == value.trunc() {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::stats::{Bucket, Summary};

    fn run(id: u64, label: &str, rps: f64) -> SavedRun {
        let timeline = (1..=3)
            .map(|second| Snapshot {
                second: second as f64,
                vus: 2,
                requests: rps as u64,
                rps,
                ..Snapshot::default()
            })
            .collect();
        SavedRun {
            id,
            method: "POST".into(),
            url: "http://127.0.0.1:1/<x>".into(),
            vus: 2,
            profile: "fixed".into(),
            label: Some(label.into()),
            body: None,
            headers: Vec::new(),
            summary: Summary {
                requests: 30,
                timeline,
                histogram: vec![Bucket {
                    le_ms: 2.0,
                    count: 30,
                }],
                ..Summary::default()
            },
            estimate: None,
        }
    }

    #[test]
    fn a_report_stands_alone_and_draws_both_runs() {
        let before = run(1, "128 MB", 10.0);
        let after = run(2, "1024 MB", 40.0);
        let page = html(&after, Some(&before));
        assert!(
            !page.contains("<script") && !page.contains("src=\"http"),
            "self-contained"
        );
        assert!(page.contains("&lt;x&gt;"), "the URL is escaped");
        assert!(page.contains("128 MB") && page.contains("1024 MB"));
        // Three latency lines and the previous run's p95; two throughput and two error lines.
        assert_eq!(page.matches("<polyline").count(), 4 + 2 + 2);
        assert_eq!(page.matches("stroke-dasharray").count(), 3);
        assert_eq!(page.matches("<rect").count(), 1);
    }

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.3), 10.0);
        assert_eq!(nice_ceiling(130.0), 200.0);
        assert_eq!(nice_ceiling(0.04), 0.05);
        assert_eq!(timestamp(0), "1970-01-01 00:00:00 UTC");
    }
}
