//! Charts drawn on the server as HTML and a little SVG, so that their text is page text: it
//! is the body's size (15 px; captions a little smaller) at every width (an SVG scaled to a phone's width would shrink its
//! labels to a few pixels) and reflows instead of overflowing.
//!
//! - [`bars`]: horizontal bars, each labelled with its name and value beside it.
//! - [`lines`]: lines over a period, drawn in an SVG that stretches to its box (strokes keep
//!   their width); axis labels and the key are HTML around it.
//! - [`heatmap`]: a table whose cells are tinted by their value: the chart is its own table
//!   view, and on a narrow screen it becomes a list per row like every other table.
//! - [`stacked`]: one small stacked bar (a tally), its parts named in words beside it.
//!
//! Every chart is in a `<figure>` with a caption and alt text (`role="img"`, `aria-label`),
//! and its data as a table ("Table view", the same [`Table`] the page exports as CSV and JSON).

use maud::{html, Markup};

use super::table::Table;

/// Series colours: distinguishable, each with a contrast of at least 3:1 on white (WCAG 2.1
/// 1.4.11 for graphics).
const PALETTE: [&str; 6] = [
    "#0b5cad", "#b04a00", "#12793d", "#8c3aa0", "#a01e28", "#5a5a5a",
];

fn number(s: &str) -> f64 {
    s.trim_end_matches('%').trim().parse().unwrap_or(0.0)
}

/// The figure around a chart: the chart, its caption and its table view.
fn figure(chart: Markup, table: &Table) -> Markup {
    html! {
        figure.chart {
            (chart)
            figcaption { (table.caption) }
            details { summary { "Table view" } (table.render_plain()) }
        }
    }
}

/// A horizontal bar chart of the second column of `table` by its first, each bar labelled
/// with its value; `alt` describes the chart in words.
pub fn bars(table: &Table, alt: &str) -> Markup {
    let percent = table.head.get(1).is_some_and(|h| h.contains('%'));
    let values: Vec<f64> = table.rows.iter().map(|r| number(&r[1].text)).collect();
    let top = if percent {
        100.0
    } else {
        values.iter().cloned().fold(1.0f64, f64::max)
    };
    figure(
        html! {
            div.bars role="img" aria-label=(alt) {
                @for (r, v) in table.rows.iter().zip(&values) {
                    div.bar-row {
                        span.bar-label { (r[0].text) }
                        span.bar-track {
                            span.bar style={ "width:" (format!("{:.1}", 100.0 * v.max(0.0) / top)) "%" } {}
                            span.bar-value { (r[1].text) @if percent { " %" } }
                        }
                    }
                }
            }
        },
        table,
    )
}

/// A line chart over the x labels of `table` (its first column), one line per other column,
/// with a key of the series above it; `alt` describes it in words. At most about eight x
/// labels are shown, counted back from the last (every other one on a narrow screen).
pub fn lines(table: &Table, alt: &str) -> Markup {
    let n = table.rows.len();
    let series = table.head.len().saturating_sub(1);
    let values: Vec<Vec<f64>> = table
        .rows
        .iter()
        .map(|r| r[1..].iter().map(|c| number(&c.text)).collect())
        .collect();
    let top = nice_ceiling(values.iter().flatten().cloned().fold(1.0f64, f64::max));
    let x = |i: usize| {
        if n <= 1 {
            50.0
        } else {
            100.0 * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| 100.0 - 100.0 * v / top;
    let every = n.div_ceil(8).max(1);
    let ticks = [0.0, 0.25, 0.5, 0.75, 1.0];
    figure(
        html! {
            ul.key aria-hidden="true" {
                @for s in 0..series {
                    li { span.swatch style={ "background:" (PALETTE[s % PALETTE.len()]) } {} (table.head[s + 1]) }
                }
            }
            div.lines role="img" aria-label=(alt) {
                div.y-axis {
                    @for t in ticks {
                        span style={ "top:" (format!("{:.1}", 100.0 - 100.0 * t)) "%" } { (axis_number(top * t)) }
                    }
                }
                svg viewBox="0 0 100 100" preserveAspectRatio="none" aria-hidden="true" {
                    @for t in ticks {
                        line.grid x1="0" x2="100" y1=(format!("{:.2}", 100.0 - 100.0 * t)) y2=(format!("{:.2}", 100.0 - 100.0 * t)) {}
                    }
                    @for s in 0..series {
                        polyline fill="none" stroke=(PALETTE[s % PALETTE.len()]) stroke-width="2.5" vector-effect="non-scaling-stroke"
                            points=(values.iter().enumerate().map(|(i, v)| format!("{:.2},{:.2}", x(i), y(v[s]))).collect::<Vec<_>>().join(" ")) {}
                    }
                }
                div.x-axis {
                    @for (i, r) in table.rows.iter().enumerate() {
                        // Counted back from the last point, which is always labelled.
                        @if (n - 1 - i).is_multiple_of(every) {
                            span class=[((n - 1 - i) / every % 2 == 1).then_some("minor")]
                                style={ "left:" (format!("{:.1}", x(i))) "%" } { (r[0].text) }
                        }
                    }
                }
            }
        },
        table,
    )
}

/// The smallest of 1, 1.2, 1.6, 2, 2.4, 3.2, 4, 4.8, 6, 8 × 10^k at or above `v`: a top for
/// the axis that divides into quarters with round labels and wastes little height.
fn nice_ceiling(v: f64) -> f64 {
    let magnitude = 10f64.powf(v.max(1.0).log10().floor());
    [1.0, 1.2, 1.6, 2.0, 2.4, 3.2, 4.0, 4.8, 6.0, 8.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * magnitude)
}

fn axis_number(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A heat map of scores 0–100: `table` with each score cell tinted from red (0) through
/// amber to green (100), the value printed in it (colour is never the only carrier), and a
/// key; empty cells are blank and disappear on a narrow screen. Column headings are set
/// sideways so that names fit.
pub fn heatmap(table: &Table) -> Markup {
    html! {
        div.table-wrap {
            (table.render_with(|_, col, cell| {
                if col == 0 {
                    return None;
                }
                Some(match cell.text.parse::<f64>() {
                    Ok(v) => format!("heat h{}", (v.clamp(0.0, 100.0) / 10.0).round() as u32),
                    Err(_) => "heat empty".to_owned(),
                })
            }, "heatmap"))
            p.heat-key {
                "Key: " span.heat.h0 { "0 %" } " " span.heat.h5 { "50 %" } " " span.heat.h10 { "100 %" }
                " · blank: no commitment or no data"
            }
        }
    }
}

/// One tally as a small stacked bar: each part (name, count, CSS class) a segment as wide
/// as its share, and named with its count in words under the bar.
pub fn stacked(parts: &[(&str, usize, &str)], alt: &str) -> Markup {
    let total: usize = parts.iter().map(|p| p.1).sum();
    html! {
        div.stacked {
            span.stack role="img" aria-label=(alt) {
                @for (_, count, class) in parts.iter().filter(|p| p.1 > 0) {
                    span class={ "seg " (class) } style={ "width:" (format!("{:.2}", 100.0 * *count as f64 / total.max(1) as f64)) "%" } {}
                }
            }
            span.stack-legend {
                @for (i, (name, count, class)) in parts.iter().enumerate() {
                    @if i > 0 { " · " }
                    span class={ "dot " (class) } {} (count) " " (name)
                }
            }
        }
    }
}

/// The CSS of the charts (part of the page's style sheet).
pub const STYLE: &str = r#"
figure.chart{margin:0 0 .5rem} figcaption{font-size:.9em;color:#4a5360;margin-top:.4rem}
.bars{display:grid;grid-template-columns:minmax(6rem,max-content) 1fr;gap:.3rem .8rem;align-items:center;max-width:48rem}
.bar-row{display:contents} .bar-label{font-size:1em;overflow-wrap:anywhere}
.bar-track{display:flex;align-items:center;gap:.4rem;min-width:0} .bar{display:block;height:1.1rem;background:#0b5cad;border-radius:2px;min-width:1px}
.bar-value{font-size:1em;white-space:nowrap}
ul.key{display:flex;flex-wrap:wrap;gap:.2rem 1rem;list-style:none;padding:0;margin:0 0 .4rem;font-size:1em}
.swatch{display:inline-block;width:1rem;height:.25rem;vertical-align:middle;margin-right:.35rem;border-radius:1px}
.lines{display:grid;grid-template-columns:3rem 1fr;grid-template-rows:13rem 2rem;max-width:52rem;font-size:1em;margin-top:.8rem;padding-right:1.5rem}
.lines svg{grid-column:2;grid-row:1;width:100%;height:100%;border-left:1px solid #9aa3ad;border-bottom:1px solid #9aa3ad;overflow:visible}
.lines .grid{stroke:#e3e7ec;stroke-width:1;vector-effect:non-scaling-stroke}
.y-axis{grid-column:1;grid-row:1;position:relative} .y-axis span{position:absolute;right:.4rem;transform:translateY(-50%)}
.x-axis{grid-column:2;grid-row:2;position:relative} .x-axis span{position:absolute;top:.2rem;transform:translateX(-50%);white-space:nowrap}
.x-axis span:last-child{transform:translateX(-100%)}
@media (max-width:40em){.x-axis span.minor{display:none}}
table.heatmap thead th:not(:first-child){writing-mode:sideways-lr;vertical-align:bottom;font-weight:500;font-size:1em;max-height:17rem;min-width:1.8rem;padding:.3rem .1rem}
table.heatmap tbody td:first-child{min-width:8rem;overflow-wrap:normal}
table.heatmap td.heat{text-align:center;font-size:1em;font-variant-numeric:tabular-nums;border:1px solid #fff;white-space:nowrap;overflow-wrap:normal}
.heat.h0{background:#f6c4bf}.heat.h1{background:#f7cdb9}.heat.h2{background:#f8d6b4}.heat.h3{background:#f9dfae}.heat.h4{background:#fae7aa}
.heat.h5{background:#fcefa8}.heat.h6{background:#e8eda9}.heat.h7{background:#d3e9ad}.heat.h8{background:#c0e4b2}.heat.h9{background:#b3dfbc}.heat.h10{background:#a7dbc4}
.heat.empty{background:#f6f7f9} .heat-key span.heat{padding:0 .4rem;border-radius:3px}
.stacked{display:flex;flex-direction:column;gap:.2rem;min-width:8rem} .stack{display:flex;height:.8rem;width:100%;max-width:14rem;background:#eceff3;border-radius:2px;overflow:hidden}
.seg{display:block;height:100%} .stack-legend{font-size:1em}
article.instrument{border-top:1px solid #eceff3;padding:.4rem 0} article.instrument h3{margin:.3rem 0}
dl.tally{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.3rem 1rem;align-items:center;margin:.4rem 0} dl.tally dd{margin:0}
@media (max-width:40em){dl.tally{grid-template-columns:minmax(0,1fr)} dl.tally dt{margin-top:.3rem}}
.dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;margin-right:.25rem}
.t-yes{background:#12793d} .t-no{background:#a01e28} .t-abstain{background:#8a6d00} .t-pending{background:#c3c9d1}
@media (max-width:48em){table.heatmap thead th:not(:first-child){writing-mode:horizontal-tb} table.heatmap td.heat.empty{display:none} table.heatmap td.heat{text-align:left;white-space:normal}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round_and_never_below_the_data() {
        for (v, top) in [
            (0.0, 1.0),
            (1.0, 1.0),
            (3.0, 3.2),
            (7.2, 8.0),
            (13.0, 16.0),
            (100.0, 100.0),
            (104.0, 120.0),
            (230.0, 240.0),
        ] {
            assert_eq!(nice_ceiling(v), top, "{v}");
            assert!(nice_ceiling(v) >= v);
        }
    }

    #[test]
    fn a_bar_is_as_wide_as_its_share_and_says_its_value() {
        let mut t = Table::new("t", "T", &["region", "mean %"]);
        t.row(vec!["europe".into(), "80.0".into()]);
        t.row(vec!["africa".into(), "40.0".into()]);
        let html = bars(&t, "alt").into_string();
        assert!(html.contains("width:80.0%"), "{html}");
        assert!(html.contains("width:40.0%"), "{html}");
        assert!(html.contains("40.0 %"), "{html}");
    }
}
