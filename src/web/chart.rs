//! Server-rendered SVG charts: stacked bars, horizontal bars against a target, lines (median and
//! p90) and distributions (one dot per value, the median marked). Our own small module rather
//! than `plotters` or `charts-rs`: the pages need a `<title>` on every bar and point (a tooltip
//! and a screen-reader label), labels in the page's language, a Chinese-capable font stack,
//! series that stay apart in greyscale print (lightness steps plus hatching), and an SVG that
//! scales to a 390 px phone through its `viewBox` — each of those would have been a fight with a
//! general plotting library, and this is a few hundred lines with no dependency.
//!
//! Every function returns finished markup; all text is XML-escaped here, so a template puts it
//! in with `|safe`. Numbers are plain `f64` figures already computed by `domain::stats`.

use std::fmt::Write;

/// Width and height of the drawing space; the SVG scales to its container.
const W: f64 = 640.0;
const H: f64 = 300.0;
/// Plot area margins: left for the y labels, bottom for the x labels.
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 56.0;

/// Fonts that carry Chinese on Linux, macOS and Windows, then any sans-serif.
pub const FONT: &str = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif";

/// Fills ordered so neighbouring series differ in lightness (they stay apart in greyscale);
/// every second series is also hatched.
const FILLS: [&str; 6] = [
    "#1f4e79", "#9dc3e6", "#c55a11", "#f4b183", "#375623", "#a9d18e",
];

/// One named series of values, one per category.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// A chart's common text: its accessible name and the unit shown in each `<title>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    /// The chart's name (`aria-label`).
    pub title: String,
    /// Appended to each value in the tooltips, e.g. "个" or "%".
    pub unit: String,
}

/// XML-escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A figure as the tooltips show it: whole numbers without decimals, others with one.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// A "nice" axis maximum and step for values up to `max`: 1, 2 or 5 times a power of ten,
/// about five ticks.
pub fn nice_axis(max: f64) -> (f64, f64) {
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 0.2);
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

fn open(out: &mut String, labels: &Labels, height: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" role="img" aria-label="{t}" viewBox="0 0 {W} {height}" width="100%" preserveAspectRatio="xMidYMid meet" font-family="{f}" font-size="12" xmlns="http://www.w3.org/2000/svg">"#,
        t = esc(&labels.title),
        f = esc(FONT),
    );
    let _ = write!(out, "<title>{}</title>", esc(&labels.title));
    out.push_str(r##"<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-opacity="0.35" stroke-width="2"/></pattern></defs>"##);
}

fn y_axis(out: &mut String, max: f64, step: f64, unit: &str) {
    let plot_h = H - TOP - BOTTOM;
    let mut v = 0.0;
    while v <= max + step / 2.0 {
        let y = TOP + plot_h - v / max * plot_h;
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#ccc" stroke-width="1"/><text x="{tx}" y="{ty:.1}" text-anchor="end" fill="#333">{label}{u}</text>"##,
            x2 = W - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0,
            label = num(v),
            u = esc(unit),
        );
        v += step;
    }
    let _ = write!(
        out,
        r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{b}" stroke="#333"/><line x1="{LEFT}" x2="{r}" y1="{b}" y2="{b}" stroke="#333"/>"##,
        b = H - BOTTOM,
        r = W - RIGHT,
    );
}

fn x_label(out: &mut String, x: f64, text: &str, crowded: bool) {
    let y = H - BOTTOM + 16.0;
    if crowded {
        let _ = write!(
            out,
            r##"<text x="{x:.1}" y="{y}" text-anchor="end" transform="rotate(-45 {x:.1} {y})" fill="#333">{t}</text>"##,
            t = esc(text)
        );
    } else {
        let _ = write!(
            out,
            r##"<text x="{x:.1}" y="{y}" text-anchor="middle" fill="#333">{t}</text>"##,
            t = esc(text)
        );
    }
}

fn legend(out: &mut String, names: &[&str], y: f64) {
    let mut x = LEFT;
    for (i, name) in names.iter().enumerate() {
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{ry}" width="12" height="12" fill="{f}" stroke="#333" stroke-width="0.5"/>"##,
            ry = y - 10.0,
            f = FILLS[i % FILLS.len()],
        );
        if i % 2 == 1 {
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{ry}" width="12" height="12" fill="url(#hatch)"/>"##,
                ry = y - 10.0
            );
        }
        let _ = write!(
            out,
            r##"<text x="{tx:.1}" y="{y}" fill="#333">{t}</text>"##,
            tx = x + 16.0,
            t = esc(name)
        );
        x += 28.0
            + 12.0
                * name
                    .chars()
                    .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
                    .sum::<f64>();
    }
}

/// Vertical bars, one per category, the series stacked on each other (one series: plain bars).
/// Each segment's `<title>` reads "category · series: value unit".
pub fn stacked_bars(labels: &Labels, categories: &[String], series: &[Series]) -> String {
    let totals: Vec<f64> = (0..categories.len())
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0).max(0.0))
                .sum()
        })
        .collect();
    // Counts: whole-number ticks, so the axis reaches at least 5.
    let (max, step) = nice_axis(totals.iter().copied().fold(5.0, f64::max));
    let legend_h = if series.len() > 1 { 24.0 } else { 0.0 };
    let mut out = String::new();
    open(&mut out, labels, H + legend_h);
    y_axis(&mut out, max, step, "");
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let slot = plot_w / categories.len().max(1) as f64;
    let bar = (slot * 0.7).min(48.0);
    let crowded = categories.len() > 8;
    for (i, cat) in categories.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = 0.0;
        for (k, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0).max(0.0);
            if v <= 0.0 {
                continue;
            }
            let h = v / max * plot_h;
            let y = TOP + plot_h - (base + v) / max * plot_h;
            let name = if series.len() > 1 {
                format!("{cat} · {}: ", s.name)
            } else {
                format!("{cat}: ")
            };
            let title = format!("{name}{}{}", num(v), labels.unit);
            let _ = write!(
                out,
                r##"<g><title>{t}</title><rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="{f}" stroke="#fff" stroke-width="0.5"/>"##,
                t = esc(&title),
                f = FILLS[k % FILLS.len()],
            );
            if k % 2 == 1 {
                let _ = write!(
                    out,
                    r##"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="url(#hatch)"/>"##
                );
            }
            out.push_str("</g>");
            base += v;
        }
        x_label(&mut out, x + bar / 2.0, cat, crowded);
    }
    if series.len() > 1 {
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        legend(&mut out, &names, H + 12.0);
    }
    out.push_str("</svg>");
    out
}

/// One horizontal bar per row (a share or a ratio in percent), with optional reference lines
/// (e.g. the statutory limit at 100% and the target at 80%) drawn dashed and named.
pub fn hbars(labels: &Labels, rows: &[(String, f64)], refs: &[(String, f64)]) -> String {
    let row_h = 22.0;
    let height = TOP + row_h * rows.len().max(1) as f64 + 40.0;
    let name_w = 150.0;
    let plot_w = W - name_w - RIGHT - 40.0;
    let top = rows
        .iter()
        .map(|r| r.1)
        .chain(refs.iter().map(|r| r.1))
        .fold(0.0, f64::max);
    let (max, step) = nice_axis(top);
    let mut out = String::new();
    open(&mut out, labels, height);
    let axis_y = TOP + row_h * rows.len().max(1) as f64;
    let mut v = 0.0;
    while v <= max + step / 2.0 {
        let x = name_w + v / max * plot_w;
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{axis_y}" stroke="#ddd"/><text x="{x:.1}" y="{ty}" text-anchor="middle" fill="#333">{l}{u}</text>"##,
            ty = axis_y + 14.0,
            l = num(v),
            u = esc(&labels.unit),
        );
        v += step;
    }
    for (i, (name, value)) in rows.iter().enumerate() {
        let y = TOP + row_h * i as f64;
        let w = (value.max(0.0) / max * plot_w).max(0.0);
        let _ = write!(
            out,
            r##"<g><title>{t}</title><rect x="{name_w}" y="{ry:.1}" width="{w:.1}" height="16" fill="{f}"/><text x="{nx}" y="{ty:.1}" text-anchor="end" fill="#333">{n}</text><text x="{vx:.1}" y="{ty:.1}" fill="#333">{vl}{u}</text></g>"##,
            t = esc(&format!("{name}: {}{}", num(*value), labels.unit)),
            ry = y + 2.0,
            f = FILLS[0],
            nx = name_w - 6.0,
            ty = y + 14.0,
            n = esc(&truncate(name, 12)),
            vx = name_w + w + 4.0,
            vl = num(*value),
            u = esc(&labels.unit),
        );
    }
    for (k, (name, value)) in refs.iter().enumerate() {
        let x = name_w + value / max * plot_w;
        let _ = write!(
            out,
            r##"<g><title>{t}</title><line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{axis_y}" stroke="{c}" stroke-width="2" stroke-dasharray="{d}"/></g><text x="{x:.1}" y="{ly}" text-anchor="middle" fill="{c}">{n}</text>"##,
            t = esc(&format!("{name}: {}{}", num(*value), labels.unit)),
            c = if k == 0 { "#000" } else { "#c55a11" },
            d = if k == 0 { "6 3" } else { "2 2" },
            ly = axis_y + 30.0 + 0.0 * k as f64,
            n = esc(name),
        );
    }
    out.push_str("</svg>");
    out
}

/// Lines over categories (e.g. months), one per series, with a marked point and a `<title>` per
/// value. Missing values (`NaN`) break the line.
pub fn lines(labels: &Labels, categories: &[String], series: &[Series]) -> String {
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (max, step) = nice_axis(top);
    let mut out = String::new();
    open(&mut out, labels, H + 24.0);
    y_axis(&mut out, max, step, "");
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let slot = plot_w / categories.len().max(1) as f64;
    let crowded = categories.len() > 8;
    for (i, cat) in categories.iter().enumerate() {
        x_label(&mut out, LEFT + slot * (i as f64 + 0.5), cat, crowded);
    }
    for (k, s) in series.iter().enumerate() {
        let colour = FILLS[(k * 2) % FILLS.len()];
        let dash = if k % 2 == 1 {
            r#" stroke-dasharray="6 3""#
        } else {
            ""
        };
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate() {
            if !v.is_finite() {
                pen_down = false;
                continue;
            }
            let x = LEFT + slot * (i as f64 + 0.5);
            let y = TOP + plot_h - v / max * plot_h;
            let _ = write!(path, "{}{x:.1} {y:.1} ", if pen_down { "L" } else { "M" });
            pen_down = true;
        }
        let _ = write!(
            out,
            r##"<path d="{p}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"##,
            p = path.trim_end()
        );
        for (i, v) in s.values.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            let x = LEFT + slot * (i as f64 + 0.5);
            let y = TOP + plot_h - v / max * plot_h;
            let cat = categories.get(i).map(String::as_str).unwrap_or("");
            let title = format!("{cat} · {}: {}{}", s.name, num(*v), labels.unit);
            let mark = if k % 2 == 0 {
                format!(r##"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{colour}"/>"##)
            } else {
                format!(
                    r##"<rect x="{:.1}" y="{:.1}" width="8" height="8" fill="#fff" stroke="{colour}" stroke-width="2"/>"##,
                    x - 4.0,
                    y - 4.0
                )
            };
            let _ = write!(out, "<g><title>{}</title>{mark}</g>", esc(&title));
        }
    }
    let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    legend_lines(&mut out, &names, H + 12.0);
    out.push_str("</svg>");
    out
}

fn legend_lines(out: &mut String, names: &[&str], y: f64) {
    let mut x = LEFT;
    for (k, name) in names.iter().enumerate() {
        let colour = FILLS[(k * 2) % FILLS.len()];
        let dash = if k % 2 == 1 {
            r#" stroke-dasharray="6 3""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" x2="{x2:.1}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/><text x="{tx:.1}" y="{y}" fill="#333">{t}</text>"##,
            x2 = x + 20.0,
            ly = y - 4.0,
            tx = x + 24.0,
            t = esc(name)
        );
        x += 36.0
            + 12.0
                * name
                    .chars()
                    .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
                    .sum::<f64>();
    }
}

/// A distribution per category: one dot per value (jittered deterministically so equal values
/// stay visible), the median as a bold bar, an optional reference line (e.g. 100% of the cap).
pub fn dots(
    labels: &Labels,
    categories: &[(String, Vec<f64>)],
    reference: Option<(&str, f64)>,
) -> String {
    let top = categories
        .iter()
        .flat_map(|c| c.1.iter().copied())
        .chain(reference.map(|r| r.1))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (max, step) = nice_axis(top);
    let mut out = String::new();
    open(&mut out, labels, H);
    y_axis(&mut out, max, step, &labels.unit);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let slot = plot_w / categories.len().max(1) as f64;
    let crowded = categories.len() > 8;
    let y_of = |v: f64| TOP + plot_h - v / max * plot_h;
    if let Some((name, v)) = reference {
        let _ = write!(
            out,
            r##"<g><title>{t}</title><line x1="{LEFT}" x2="{r}" y1="{y:.1}" y2="{y:.1}" stroke="#000" stroke-width="1.5" stroke-dasharray="6 3"/></g>"##,
            t = esc(&format!("{name}: {}{}", num(v), labels.unit)),
            r = W - RIGHT,
            y = y_of(v),
        );
    }
    for (i, (cat, values)) in categories.iter().enumerate() {
        let cx = LEFT + slot * (i as f64 + 0.5);
        for (j, v) in values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
            let jitter = ((j * 7919) % 17) as f64 / 16.0 - 0.5;
            let x = cx + jitter * (slot * 0.5).min(40.0);
            let _ = write!(
                out,
                r##"<g><title>{t}</title><circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{f}" fill-opacity="0.7" stroke="#000" stroke-width="0.5"/></g>"##,
                t = esc(&format!("{cat}: {}{}", num(*v), labels.unit)),
                y = y_of(*v),
                f = FILLS[1],
            );
        }
        if let Some(m) = crate::domain::stats::median(values) {
            let half = (slot * 0.35).min(30.0);
            let _ = write!(
                out,
                r##"<g class="median"><title>{t}</title><line x1="{x1:.1}" x2="{x2:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{c}" stroke-width="4"/></g>"##,
                t = esc(&format!("{cat} · median: {}{}", num(m), labels.unit)),
                x1 = cx - half,
                x2 = cx + half,
                y = y_of(m),
                c = FILLS[0],
            );
        }
        x_label(&mut out, cx, cat, crowded);
    }
    out.push_str("</svg>");
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels {
            title: "每月公告数".to_string(),
            unit: " 个".to_string(),
        }
    }

    #[test]
    fn nice_axis_rounds_up_to_one_two_five() {
        assert_eq!(nice_axis(7.0), (8.0, 2.0));
        assert_eq!(nice_axis(100.0), (100.0, 20.0));
        assert_eq!(nice_axis(0.0), (1.0, 0.2));
        assert_eq!(nice_axis(43.0), (50.0, 10.0));
    }

    #[test]
    fn text_is_escaped() {
        let svg = stacked_bars(
            &Labels {
                title: "<a&b>".into(),
                unit: String::new(),
            },
            &["\"m\"".to_string()],
            &[Series {
                name: "s".into(),
                values: vec![1.0],
            }],
        );
        assert!(svg.contains("&lt;a&amp;b&gt;"));
        assert!(svg.contains("&quot;m&quot;"));
        assert!(!svg.contains("<a&b>"));
    }

    #[test]
    fn every_bar_has_a_title_and_empty_values_draw_nothing() {
        let svg = stacked_bars(
            &labels(),
            &["2026-01".to_string(), "2026-02".to_string()],
            &[
                Series {
                    name: "随机抽取".into(),
                    values: vec![3.0, 0.0],
                },
                Series {
                    name: "竞价选取".into(),
                    values: vec![2.0, 5.0],
                },
            ],
        );
        assert_eq!(
            svg.matches("<rect x=").count() - svg.matches("url(#hatch)").count(),
            3 + 2
        );
        assert!(svg.contains("<title>2026-01 · 随机抽取: 3 个</title>"));
        assert!(svg.contains("<title>2026-02 · 竞价选取: 5 个</title>"));
        assert!(!svg.contains("2026-02 · 随机抽取"));
    }

    /// The snapshot: a small stacked chart, byte for byte. A change to the drawing shows here
    /// first; look at the new output in a browser before updating it (`ZJ_UPDATE_SNAPSHOTS=1`).
    #[test]
    fn stacked_bars_snapshot() {
        let svg = stacked_bars(
            &labels(),
            &["1月".to_string(), "2月".to_string()],
            &[
                Series {
                    name: "A".into(),
                    values: vec![1.0, 2.0],
                },
                Series {
                    name: "B".into(),
                    values: vec![1.0, 0.0],
                },
            ],
        );
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/chart_snapshot.svg");
        if std::env::var_os("ZJ_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(path, format!("{svg}\n")).unwrap();
        }
        let expected = std::fs::read_to_string(path).unwrap();
        assert_eq!(svg, expected.trim_end());
    }

    #[test]
    fn lines_break_at_missing_values_and_mark_each_point() {
        let svg = lines(
            &labels(),
            &["a".into(), "b".into(), "c".into()],
            &[Series {
                name: "中位数".into(),
                values: vec![1.0, f64::NAN, 3.0],
            }],
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        let d = svg
            .split("<path d=\"")
            .nth(1)
            .and_then(|p| p.split('"').next())
            .unwrap_or("");
        assert_eq!(d.matches('M').count(), 2, "{d}");
    }

    #[test]
    fn dots_mark_the_median() {
        let svg = dots(
            &Labels {
                title: "中标价/最高限价".into(),
                unit: "%".into(),
            },
            &[("测绘".into(), vec![80.0, 90.0, 100.0])],
            Some(("最高限价", 100.0)),
        );
        assert!(svg.contains("测绘 · median: 90%"));
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn hbars_draw_reference_lines() {
        let svg = hbars(
            &Labels {
                title: "用时".into(),
                unit: "%".into(),
            },
            &[("环评".into(), 70.0)],
            &[("法定时限".into(), 100.0), ("提速目标".into(), 80.0)],
        );
        assert!(svg.contains("<title>法定时限: 100%</title>"));
        assert!(svg.contains("<title>提速目标: 80%</title>"));
        assert!(svg.contains("<title>环评: 70%</title>"));
    }
}
