//! Charts as SVG drawn on the server with plotters: a line chart, a bar chart and a heat map.
//! Each comes in a `<figure>` with a title, alt text (`role="img"` and `aria-label`) and its
//! data as a table (the same [`Table`] the page exports as CSV and JSON).

use maud::{html, Markup, PreEscaped};
use plotters::prelude::*;

use super::table::Table;

const INK: RGBColor = RGBColor(27, 31, 36);
const PALETTE: [RGBColor; 6] = [
    RGBColor(11, 92, 173),
    RGBColor(196, 82, 0),
    RGBColor(18, 121, 61),
    RGBColor(140, 58, 160),
    RGBColor(160, 30, 40),
    RGBColor(90, 90, 90),
];

/// Wraps plotters' SVG in a figure with alt text and the table view.
fn figure(svg: String, alt: &str, table: &Table) -> Markup {
    // plotters writes `<svg width=… height=… viewBox=… xmlns=…>`; make it scale and speak.
    let svg = svg.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMinYMin meet\" style=\"max-width:100%;height:auto\" ",
            super::escape(alt)
        ),
        1,
    );
    html! {
        figure.chart {
            (PreEscaped(svg))
            figcaption { (table.caption) }
            details { summary { "Table view" } (table.render_plain()) }
        }
    }
}

fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&INK)
}

/// A line chart of `series` over the x labels of `table` (first column), one line per other
/// column; `alt` describes it in words.
pub fn lines(table: &Table, alt: &str) -> Markup {
    let labels: Vec<String> = table.rows.iter().map(|r| r[0].text.clone()).collect();
    let values: Vec<Vec<f64>> = table
        .rows
        .iter()
        .map(|r| {
            r[1..]
                .iter()
                .map(|c| c.text.parse().unwrap_or(0.0))
                .collect()
        })
        .collect();
    let top = values
        .iter()
        .flatten()
        .cloned()
        .fold(1.0f64, f64::max)
        .ceil();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 300)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let n = labels.len().max(1);
        let built = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(0..n.saturating_sub(1).max(1), 0f64..top * 1.1);
        if let Ok(mut chart) = built {
            let _ = chart
                .configure_mesh()
                .light_line_style(RGBColor(236, 239, 243))
                .x_labels(n.min(12))
                .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
                .label_style(font(12))
                .draw();
            for (s, name) in table.head.iter().skip(1).enumerate() {
                let color = PALETTE[s % PALETTE.len()];
                let points: Vec<(usize, f64)> =
                    values.iter().enumerate().map(|(i, v)| (i, v[s])).collect();
                if let Ok(series) =
                    chart.draw_series(LineSeries::new(points, color.stroke_width(2)))
                {
                    series.label(name.clone()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                    });
                }
            }
            let _ = chart
                .configure_series_labels()
                .label_font(font(12))
                .background_style(WHITE.mix(0.9))
                .border_style(RGBColor(200, 204, 210))
                .draw();
        }
        let _ = root.present();
    }
    figure(svg, alt, table)
}

/// A horizontal bar chart of the second column of `table` by its first.
pub fn bars(table: &Table, alt: &str) -> Markup {
    let rows: Vec<(String, f64)> = table
        .rows
        .iter()
        .map(|r| (r[0].text.clone(), r[1].text.parse().unwrap_or(0.0)))
        .collect();
    let top = rows.iter().map(|r| r.1).fold(1.0f64, f64::max);
    let height = 40 + 26 * rows.len().max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let n = rows.len();
        let built = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(24)
            .y_label_area_size(170)
            .build_cartesian_2d(0f64..top * 1.15, (0..n).into_segmented());
        if let Ok(mut chart) = built {
            let _ = chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(RGBColor(236, 239, 243))
                .y_labels(n.max(1))
                .y_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) => {
                        rows.get(*i).map(|r| r.0.clone()).unwrap_or_default()
                    }
                    _ => String::new(),
                })
                .label_style(font(12))
                .draw();
            let _ = chart.draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (*v, SegmentValue::Exact(i + 1)),
                    ],
                    PALETTE[0].filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            }));
        }
        let _ = root.present();
    }
    figure(svg, alt, table)
}

/// A heat map: rows × columns of `cells` (0–100, or none), with a legend. The table view is
/// `table` (first column the row label, one column per heat-map column).
pub fn heatmap(table: &Table, alt: &str) -> Markup {
    let rows: Vec<String> = table.rows.iter().map(|r| r[0].text.clone()).collect();
    let cols: Vec<String> = table.head.iter().skip(1).cloned().collect();
    let (cell, left, topm) = (22i32, 190i32, 120i32);
    let width = (left + cell * cols.len() as i32 + 20).max(300) as u32;
    let height = (topm + cell * rows.len() as i32 + 50) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        for (j, c) in cols.iter().enumerate() {
            let x = left + cell * j as i32 + cell / 2;
            let style = font(11).transform(FontTransform::Rotate270);
            let _ = root.draw(&Text::new(c.clone(), (x - 5, topm - 6), style));
        }
        for (i, r) in rows.iter().enumerate() {
            let y = topm + cell * i as i32;
            let _ = root.draw(&Text::new(r.clone(), (6, y + 5), font(11)));
            for (j, c) in table.rows[i][1..].iter().enumerate() {
                let x = left + cell * j as i32;
                let color = match c.text.parse::<f64>() {
                    Ok(v) => shade(v),
                    Err(_) => RGBColor(236, 239, 243),
                };
                let _ = root.draw(&Rectangle::new(
                    [(x + 1, y + 1), (x + cell - 1, y + cell - 1)],
                    color.filled(),
                ));
            }
        }
        let y = topm + cell * rows.len() as i32 + 14;
        for (k, (label, v)) in [("0", 0.0), ("50", 50.0), ("100", 100.0)]
            .iter()
            .enumerate()
        {
            let x = left + 70 * k as i32;
            let _ = root.draw(&Rectangle::new(
                [(x, y), (x + 16, y + 16)],
                shade(*v).filled(),
            ));
            let _ = root.draw(&Text::new(format!("{label} %"), (x + 20, y + 3), font(11)));
        }
        let x = left + 220;
        let _ = root.draw(&Rectangle::new(
            [(x, y), (x + 16, y + 16)],
            RGBColor(236, 239, 243).filled(),
        ));
        let _ = root.draw(&Text::new(
            "no commitment or no data",
            (x + 20, y + 3),
            font(11),
        ));
        let _ = root.present();
    }
    figure(svg, alt, table)
}

/// From red (0 %) through amber to green (100 %).
fn shade(v: f64) -> RGBColor {
    let t = (v / 100.0).clamp(0.0, 1.0);
    let lerp = |a: u8, b: u8, t: f64| (f64::from(a) + (f64::from(b) - f64::from(a)) * t) as u8;
    if t < 0.5 {
        let t = t * 2.0;
        RGBColor(lerp(200, 230, t), lerp(60, 170, t), lerp(50, 40, t))
    } else {
        let t = (t - 0.5) * 2.0;
        RGBColor(lerp(230, 30, t), lerp(170, 140, t), lerp(40, 70, t))
    }
}
