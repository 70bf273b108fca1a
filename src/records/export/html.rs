//! Printable HTML reports per trainee and per cohort, with charts, needing no network.
//!
//! Each report is one self-contained page: inline CSS, charts as inline SVG, no scripts, fonts,
//! images or links, so that it opens and prints the same on a machine with no network. Every
//! name and content text is escaped; a trainee may well be called `<script>`.

use std::fmt::{self, Write as _};

use crate::records::time::{Date, Zone, human_duration};
use crate::records::{
    AttemptSummary, Cohort, Db, Filter, PrincipleAverage, RecordsError, principle_averages,
};
use crate::roleplay::Mode;
use crate::scenario::{Lang, Text, count_en};

use super::ExportRequest;
use super::csv::ExportError;

/// The one URL a report contains: SVG's namespace, which is a name and is never fetched.
const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// How many of the lowest principles a bar chart marks as the weakest.
const WEAKEST_MARKED: usize = 2;

/// The longest principle name a bar chart shows, in half-width characters (about 240 px at
/// 12 px); longer names are cut, the full name stays in the bar's tooltip.
const LABEL_UNITS: usize = 36;

const CSS: &str = r#"
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; --weak: #ea580c; --pass: #16a34a; --fail: #dc2626; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 960px; padding: 32px 40px; color: var(--ink); background: #fff;
  font: 14px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
    "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "WenQuanYi Micro Hei", Roboto, Arial, sans-serif; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 20px; }
.kind { margin: 0; color: var(--accent); font-size: 12px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; }
h1 { margin: 4px 0 6px; font-size: 26px; line-height: 1.25; word-break: break-word; }
h2 { margin: 28px 0 10px; font-size: 17px; border-left: 4px solid var(--accent); padding-left: 8px; }
.meta { margin: 2px 0; color: var(--muted); }
.meta span + span::before { content: "·"; margin: 0 8px; color: #9ca3af; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 0; padding: 0; list-style: none; }
.figures li { flex: 1 1 140px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: #f9fafb; }
.figures .label { display: block; color: var(--muted); font-size: 12px; }
.figures .value { display: block; font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; }
figure { margin: 0; }
svg { display: block; width: 100%; height: auto; font-family: inherit; }
svg text { fill: var(--ink); font-size: 12px; }
svg .axis text, svg text.muted { fill: var(--muted); font-size: 11px; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .weak-label { fill: var(--weak); font-weight: 700; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.legend span { margin-right: 16px; white-space: nowrap; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; vertical-align: -1px; }
.dash { display: inline-block; width: 18px; border-top: 2px dashed var(--fail); margin-right: 4px; vertical-align: 3px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-size: 12px; color: #374151; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafafa; }
.yes { color: var(--pass); font-weight: 600; }
.no { color: var(--fail); font-weight: 600; }
.weak { color: var(--weak); }
.empty { color: var(--muted); font-style: italic; }
.sub { color: var(--muted); font-size: 12px; }
footer { margin-top: 32px; padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted); font-size: 11px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 12px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, svg, .figures, table, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tbody tr:nth-child(even) td { background: #f7f7f7; }
}
"#;

/// A page being written. Writing into a String cannot fail, so nothing here returns errors.
struct Page {
    html: String,
    lang: Lang,
}

impl Page {
    fn new(lang: Lang) -> Page {
        Page {
            html: String::with_capacity(32 * 1024),
            lang,
        }
    }

    /// Markup and figures we write ourselves, never user or content text.
    fn raw(&mut self, markup: &str) {
        self.html.push_str(markup);
    }

    fn fmt(&mut self, args: fmt::Arguments<'_>) {
        // A String accepts any formatted text; only a failing Display impl could err.
        let _ = self.html.write_fmt(args);
    }

    /// User or content text, escaped for both element content and attribute values.
    fn text(&mut self, text: &str) {
        push_escaped(&mut self.html, text);
    }

    /// The fixed label in the page's language.
    fn tr(&self, zh: &'static str, en: &'static str) -> &'static str {
        tr(self.lang, zh, en)
    }

    fn label(&mut self, zh: &'static str, en: &'static str) {
        let label = self.tr(zh, en);
        self.raw(label);
    }
}

fn tr(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// A name from an (id, name) list, or the id itself when the list does not have it.
fn name_of<'a>(names: &'a [(String, Text)], id: &'a str, lang: Lang) -> &'a str {
    names
        .iter()
        .find(|(i, _)| i == id)
        .map_or(id, |(_, name)| name.get(lang))
}

fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "—".to_string(), |s| format!("{s:.1}"))
}

fn percent_text(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_string(), |r| format!("{:.0}%", r * 100.0))
}

fn mode_text(mode: Mode, lang: Lang) -> &'static str {
    match mode {
        Mode::Practice => tr(lang, "练习", "Practice"),
        Mode::Assessment => tr(lang, "考核", "Assessment"),
    }
}

/// The document up to the opening of `<body>`.
fn begin(page: &mut Page, title: &str) {
    let lang = match page.lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    };
    page.fmt(format_args!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
    ));
    page.text(title);
    page.raw("</title>\n<style>");
    page.raw(CSS);
    page.raw("</style>\n</head>\n<body>\n");
}

fn end(page: &mut Page, generated_at: i64, zone: &Zone) {
    page.raw("<footer>");
    page.label(
        "投诉处理情景演练 · 生成于 ",
        "Complaint handling role-play trainer · generated ",
    );
    page.text(&zone.short_timestamp(generated_at));
    page.label(" · 时间均为本地时间，", " · all times are local, ");
    page.text(&zone.label(generated_at));
    page.raw("</footer>\n</body>\n</html>\n");
}

/// What the filter narrows the report to, as `<span>`s for a `.meta` line; nothing when it
/// covers everything.
fn filter_meta(page: &mut Page, filter: &Filter, scenario_titles: &[(String, Text)], zone: &Zone) {
    if filter.since.is_some() || filter.until.is_some() {
        page.raw("<span>");
        page.label("时间段：", "Period: ");
        let from = filter.since.map(|s| zone.date_of(s).to_string());
        // `until` is exclusive: the last day shown is the one before it.
        let to = filter.until.map(|u| zone.date_of(u - 1).to_string());
        page.fmt(format_args!(
            "{} – {}</span>",
            from.as_deref().unwrap_or("…"),
            to.as_deref().unwrap_or("…")
        ));
    }
    if let Some(id) = &filter.scenario {
        page.raw("<span>");
        page.label("情景：", "Scenario: ");
        page.text(name_of(scenario_titles, id, page.lang));
        page.raw("</span>");
    }
    if let Some(mode) = filter.mode {
        page.raw("<span>");
        page.label("练习方式：", "Mode: ");
        page.raw(mode_text(mode, page.lang));
        page.raw("</span>");
    }
}

/// A `.meta` line of the `<span>`s that `spans` writes, left out when it writes none.
fn meta_line(page: &mut Page, spans: impl FnOnce(&mut Page)) {
    let start = page.html.len();
    page.raw("<p class=\"meta\">");
    let opened = page.html.len();
    spans(page);
    if page.html.len() == opened {
        page.html.truncate(start);
    } else {
        page.raw("</p>\n");
    }
}

/// The row of headline figures: (label, value) with values already formatted (not escaped).
fn figures(page: &mut Page, items: &[(&'static str, String)]) {
    page.raw("<ul class=\"figures\">\n");
    for (label, value) in items {
        page.raw("<li><span class=\"label\">");
        page.raw(label);
        page.raw("</span><span class=\"value\">");
        page.text(value);
        page.raw("</span></li>\n");
    }
    page.raw("</ul>\n");
}

// ---- charts ----

/// Total score of each attempt in order, 0–100, with the pass mark dashed across.
fn score_chart(page: &mut Page, attempts: &[AttemptSummary], pass_mark: f64) {
    const W: f64 = 720.0;
    const H: f64 = 260.0;
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 40.0;
    let (plot_w, plot_h) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let y = |score: f64| TOP + plot_h * (1.0 - score.clamp(0.0, 100.0) / 100.0);
    let n = attempts.len();
    let x = |i: usize| {
        if n <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let aria = page.tr(
        "各次练习总分折线图",
        "Line chart of the total score of each attempt",
    );
    page.fmt(format_args!(
        "<figure>\n<svg xmlns=\"{SVG_NS}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{aria}\">\n<g class=\"axis\">\n"
    ));
    for tick in (0..=100).step_by(20) {
        let ty = y(f64::from(tick));
        page.fmt(format_args!(
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{ty:.1}\" x2=\"{:.1}\" y2=\"{ty:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{tick}</text>\n",
            W - RIGHT,
            LEFT - 6.0,
            ty + 4.0
        ));
    }
    // At most about 12 numbers under the axis, however many attempts there are; the last
    // attempt's always, and no other crowding it.
    let every = n.div_ceil(12).max(1);
    let labelled =
        |i: usize| i == n - 1 || (i.is_multiple_of(every) && n - 1 - i >= every.div_ceil(2));
    for i in (0..n).filter(|&i| labelled(i)) {
        page.fmt(format_args!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            x(i),
            TOP + plot_h + 16.0,
            i + 1
        ));
    }
    let x_title = page.tr("练习次序", "Attempt");
    page.fmt(format_args!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{x_title}</text>\n</g>\n",
        LEFT + plot_w / 2.0,
        H - 4.0
    ));
    let py = y(pass_mark);
    let pass_label = page.tr("及格线", "Pass mark");
    // A pass mark that is not a number has no line to draw.
    if pass_mark.is_finite() {
        page.fmt(format_args!(
        "<line x1=\"{LEFT}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"#dc2626\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\
         <text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{pass_label} {pass_mark}</text>\n",
        W - RIGHT,
        W - RIGHT - 2.0,
        py - 5.0
    ));
    }
    if n > 1 {
        page.raw("<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"");
        for (i, a) in attempts.iter().enumerate() {
            page.fmt(format_args!("{:.1},{:.1} ", x(i), y(a.total)));
        }
        page.raw("\"/>\n");
    }
    // Dots only while they stay apart; beyond that the line says enough.
    if n <= 80 {
        for (i, a) in attempts.iter().enumerate() {
            let colour = if a.passed { "#16a34a" } else { "#dc2626" };
            page.fmt(format_args!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"1.5\"><title>{} · {:.1}</title></circle>\n",
                x(i),
                y(a.total),
                i + 1,
                a.total
            ));
        }
    }
    page.raw("</svg>\n<figcaption class=\"legend\"><span><i class=\"dot\" style=\"background:#16a34a\"></i>");
    page.label("通过", "Passed");
    page.raw("</span><span><i class=\"dot\" style=\"background:#dc2626\"></i>");
    page.label("未通过", "Not passed");
    page.raw("</span><span><i class=\"dash\"></i>");
    page.label("及格线（总分）", "Pass mark (total)");
    page.raw("</span></figcaption>\n</figure>\n");
}

/// Cuts a label that would run into the bars, counting CJK and other wide characters as two.
fn fit(label: &str, max_units: usize) -> String {
    let width = |c: char| if c.is_ascii() { 1 } else { 2 };
    if label.chars().map(width).sum::<usize>() <= max_units {
        return label.to_string();
    }
    let mut out = String::new();
    let mut used = 1; // room for the ellipsis
    for c in label.chars() {
        used += width(c);
        if used > max_units {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Horizontal bars of the average per principle, in the catalogue's order, with the lowest
/// marked "weakest". Principles never tested are left out.
fn principle_chart(page: &mut Page, averages: &[PrincipleAverage], principles: &[(String, Text)]) {
    const W: f64 = 720.0;
    const LABEL_W: f64 = 250.0;
    const VALUE_W: f64 = 96.0;
    const ROW: f64 = 28.0;
    const TOP: f64 = 22.0;
    let lang = page.lang;
    // `averages` comes lowest first; the weakest are its head, unless every principle would be.
    let marked = WEAKEST_MARKED.min(averages.len().saturating_sub(1));
    let weakest: Vec<&str> = averages
        .iter()
        .take(marked)
        .map(|a| a.id.as_str())
        .collect();
    let mut rows: Vec<&PrincipleAverage> = principles
        .iter()
        .filter_map(|(id, _)| averages.iter().find(|a| a.id == *id))
        .collect();
    rows.extend(
        averages
            .iter()
            .filter(|a| !principles.iter().any(|(id, _)| *id == a.id)),
    );

    let bar_x = LABEL_W;
    let bar_w = W - LABEL_W - VALUE_W;
    let h = TOP + ROW * rows.len() as f64 + 8.0;
    let aria = page.tr(
        "各原则平均得分条形图",
        "Bar chart of the average score per principle",
    );
    page.fmt(format_args!(
        "<figure>\n<svg xmlns=\"{SVG_NS}\" viewBox=\"0 0 {W} {h}\" role=\"img\" aria-label=\"{aria}\">\n<g class=\"axis\">\n"
    ));
    for tick in (0..=100).step_by(25) {
        let gx = bar_x + bar_w * f64::from(tick) / 100.0;
        page.fmt(format_args!(
            "<line class=\"grid\" x1=\"{gx:.1}\" y1=\"{:.1}\" x2=\"{gx:.1}\" y2=\"{:.1}\"/>\
             <text x=\"{gx:.1}\" y=\"12\" text-anchor=\"middle\">{tick}</text>\n",
            TOP - 4.0,
            h - 4.0
        ));
    }
    page.raw("</g>\n");
    for (i, a) in rows.iter().enumerate() {
        let top = TOP + ROW * i as f64;
        let is_weak = weakest.contains(&a.id.as_str());
        let name = name_of(principles, &a.id, lang);
        let width = bar_w * a.average.clamp(0.0, 100.0) / 100.0;
        let colour = if is_weak { "#ea580c" } else { "#3b82f6" };
        let count = match lang {
            Lang::Zh => format!("{} 次练习", a.attempts),
            Lang::En => count_en(a.attempts, "attempt", "attempts"),
        };
        page.fmt(format_args!(
            "<g><title>{} · {:.1} · {count}</title>",
            escape(name),
            a.average
        ));
        page.fmt(format_args!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{bar_x}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{:.1}</text>",
            LABEL_W - 10.0,
            top + ROW / 2.0 + 4.0,
            escape(&fit(name, LABEL_UNITS)),
            top + 5.0,
            ROW - 10.0,
            bar_x + width + 6.0,
            top + ROW / 2.0 + 4.0,
            a.average
        ));
        if is_weak {
            let weak_label = page.tr("最弱", "weakest");
            page.fmt(format_args!(
                "<text class=\"weak-label\" x=\"{:.1}\" y=\"{:.1}\">{weak_label}</text>",
                bar_x + width + 44.0,
                top + ROW / 2.0 + 4.0
            ));
        }
        page.raw("</g>\n");
    }
    page.raw("</svg>\n<figcaption>");
    page.label(
        "各原则的平均得分（0–100），橙色为最弱的原则。",
        "Average score per principle (0–100); the weakest are in orange.",
    );
    page.raw("</figcaption>\n</figure>\n");
}

/// Column alignment in tables: figures right-aligned.
const NUM: bool = true;
const TEXT: bool = false;

/// Opens a table with its header row; (Chinese, English, numeric) per column.
fn table_head(page: &mut Page, columns: &[(&'static str, &'static str, bool)]) {
    page.raw("<table>\n<thead><tr>");
    for &(zh, en, numeric) in columns {
        page.raw(if numeric {
            "<th class=\"num\">"
        } else {
            "<th>"
        });
        page.label(zh, en);
        page.raw("</th>");
    }
    page.raw("</tr></thead>\n<tbody>\n");
}

fn no_attempts(page: &mut Page) {
    page.raw("<p class=\"empty\">");
    page.label("尚无练习记录。", "No attempts yet.");
    page.raw("</p>\n");
}

// ---- the reports ----

/// What a report reads from its request.
struct Report<'a> {
    filter: &'a Filter,
    /// (id, name) from the catalogue.
    principles: &'a [(String, Text)],
    /// (id, title) from the library.
    scenario_titles: &'a [(String, Text)],
    lang: Lang,
    pass_mark: f64,
    generated_at: i64,
    zone: &'a Zone,
}

impl<'a> Report<'a> {
    fn of(request: &'a ExportRequest<'a>) -> Self {
        Report {
            filter: &request.filter,
            principles: &request.names.principles,
            scenario_titles: &request.names.titles,
            lang: request.lang,
            pass_mark: request.names.pass_mark,
            generated_at: request.generated_at,
            zone: &request.zone,
        }
    }
}

/// One trainee's report: who they are, headline figures, their totals over time, their average
/// per principle with the weakest marked, and every attempt.
pub fn trainee_report(
    db: &Db,
    trainee_id: i64,
    request: &ExportRequest<'_>,
) -> Result<String, ExportError> {
    let Report {
        filter,
        principles,
        scenario_titles,
        lang,
        pass_mark,
        generated_at,
        zone,
    } = Report::of(request);
    let trainee = db.trainee(trainee_id)?;
    let attempts = db.history(trainee_id, filter)?;
    let mut page = Page::new(lang);
    let title = format!(
        "{} · {}",
        trainee.name,
        page.tr("练习报告", "Training report")
    );
    begin(&mut page, &title);

    page.raw("<header>\n<p class=\"kind\">");
    page.label("学员练习报告", "Trainee report");
    page.raw("</p>\n<h1>");
    page.text(&trainee.name);
    page.raw("</h1>\n");
    meta_line(&mut page, |page| {
        for (zh, en, value) in [
            ("员工编号：", "Employee no. ", &trainee.employee_no),
            ("经销店：", "Site: ", &trainee.site),
            ("班级：", "Cohort: ", &trainee.cohort),
        ] {
            if !value.is_empty() {
                page.raw("<span>");
                page.label(zh, en);
                page.text(value);
                page.raw("</span>");
            }
        }
    });
    meta_line(&mut page, |page| {
        filter_meta(page, filter, scenario_titles, zone)
    });
    page.raw("</header>\n");

    let n = attempts.len();
    let best = attempts.iter().map(|a| a.total).reduce(f64::max);
    let latest = attempts.last().map(|a| a.total);
    let passed = attempts.iter().filter(|a| a.passed).count();
    let pass_rate = (n > 0).then(|| passed as f64 / n as f64);
    let practised: u64 = attempts.iter().map(|a| a.duration_secs).sum();
    page.raw("<section>\n");
    figures(
        &mut page,
        &[
            (tr(lang, "练习次数", "Attempts"), n.to_string()),
            (tr(lang, "最高分", "Best"), score_text(best)),
            (tr(lang, "最近得分", "Latest"), score_text(latest)),
            (tr(lang, "通过率", "Pass rate"), percent_text(pass_rate)),
            (
                tr(lang, "练习时长", "Time practised"),
                human_duration(practised, lang),
            ),
        ],
    );
    page.raw("</section>\n<section>\n<h2>");
    page.label("总分变化", "Total score over time");
    page.raw("</h2>\n");
    if attempts.is_empty() {
        no_attempts(&mut page);
    } else {
        score_chart(&mut page, &attempts, pass_mark);
    }
    page.raw("</section>\n<section>\n<h2>");
    page.label("各原则平均得分", "Average per principle");
    page.raw("</h2>\n");
    let averages = principle_averages(&attempts);
    if averages.is_empty() {
        no_attempts(&mut page);
    } else {
        principle_chart(&mut page, &averages, principles);
    }
    page.raw("</section>\n<section>\n<h2>");
    page.label("练习记录", "Attempts");
    page.raw("</h2>\n");
    if attempts.is_empty() {
        no_attempts(&mut page);
    } else {
        attempts_table(&mut page, &attempts, scenario_titles, zone);
    }
    page.raw("</section>\n");
    end(&mut page, generated_at, zone);
    Ok(page.html)
}

fn attempts_table(
    page: &mut Page,
    attempts: &[AttemptSummary],
    scenario_titles: &[(String, Text)],
    zone: &Zone,
) {
    let lang = page.lang;
    table_head(
        page,
        &[
            ("#", "#", NUM),
            ("日期（本地时间）", "Date (local time)", TEXT),
            ("情景", "Scenario", TEXT),
            ("客户类型", "Behaviour type", TEXT),
            ("练习方式", "Mode", TEXT),
            ("总分", "Total", NUM),
            ("是否通过", "Passed", TEXT),
            ("用时", "Duration", NUM),
        ],
    );
    for (i, a) in attempts.iter().enumerate() {
        page.fmt(format_args!(
            "<tr><td class=\"num\">{}</td><td class=\"nowrap\">{}</td><td>",
            i + 1,
            zone.short_timestamp(a.started_at)
        ));
        page.text(name_of(scenario_titles, &a.scenario, lang));
        page.raw("</td><td>");
        page.text(&a.persona);
        page.fmt(format_args!(
            "</td><td>{}</td><td class=\"num\">{:.1}</td>",
            mode_text(a.mode, lang),
            a.total
        ));
        if a.passed {
            page.fmt(format_args!(
                "<td class=\"yes\">✓ {}</td>",
                tr(lang, "是", "yes")
            ));
        } else {
            page.fmt(format_args!(
                "<td class=\"no\">✗ {}</td>",
                tr(lang, "否", "no")
            ));
        }
        page.fmt(format_args!(
            "<td class=\"num\">{}</td></tr>\n",
            human_duration(a.duration_secs, lang)
        ));
    }
    page.raw("</tbody>\n</table>\n");
}

/// A cohort's report (or everyone's, when the filter names no cohort): the cohort, headline
/// figures, one row per trainee, and the cohort's average per principle with the weakest marked.
pub fn cohort_report(db: &Db, request: &ExportRequest<'_>) -> Result<String, ExportError> {
    let Report {
        filter,
        principles,
        scenario_titles,
        lang,
        pass_mark,
        generated_at,
        zone,
    } = Report::of(request);
    let cohort: Option<Cohort> = match filter.cohort {
        Some(id) => Some(
            db.cohorts()?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| RecordsError::UnknownCohort(id.to_string()))?,
        ),
        None => None,
    };
    let rows = db.cohort_table(filter, false)?;
    let profile = db.principle_profile(filter)?;
    let mut page = Page::new(lang);
    let heading = cohort.as_ref().map_or_else(
        || page.tr("全部学员", "All trainees").to_string(),
        |c| c.name.clone(),
    );
    let title = format!("{heading} · {}", page.tr("班级报告", "Cohort report"));
    begin(&mut page, &title);

    page.raw("<header>\n<p class=\"kind\">");
    page.label("班级练习报告", "Cohort report");
    page.raw("</p>\n<h1>");
    page.text(&heading);
    page.raw("</h1>\n");
    meta_line(&mut page, |page| {
        let Some(c) = &cohort else { return };
        if !c.trainer.is_empty() {
            page.raw("<span>");
            page.label("培训师：", "Trainer: ");
            page.text(&c.trainer);
            page.raw("</span>");
        }
        if c.starts.is_some() || c.ends.is_some() {
            page.raw("<span>");
            page.label("日期：", "Dates: ");
            let day = |d: Option<Date>| d.map_or_else(|| "…".to_string(), |d| d.to_string());
            page.fmt(format_args!("{} – {}</span>", day(c.starts), day(c.ends)));
        }
    });
    meta_line(&mut page, |page| {
        filter_meta(page, filter, scenario_titles, zone)
    });
    page.raw("</header>\n");

    let attempts: u64 = rows.iter().map(|r| r.attempts).sum();
    let active = rows.iter().filter(|r| r.attempts > 0).count();
    // Each row's rate times its attempts gives back its passed count.
    let passed: f64 = rows
        .iter()
        .map(|r| r.pass_rate.unwrap_or(0.0) * r.attempts as f64)
        .sum();
    let pass_rate = (attempts > 0).then(|| passed / attempts as f64);
    let practised: u64 = rows.iter().map(|r| r.practised_secs).sum();
    let latest_passing = rows
        .iter()
        .filter(|r| r.latest_total.is_some_and(|t| t >= pass_mark))
        .count();
    page.raw("<section>\n");
    figures(
        &mut page,
        &[
            (tr(lang, "学员人数", "Trainees"), rows.len().to_string()),
            (
                tr(lang, "已练习学员", "Trainees who practised"),
                active.to_string(),
            ),
            (
                tr(lang, "最近得分达及格线", "Latest at pass mark"),
                format!("{latest_passing} / {active}"),
            ),
            (tr(lang, "练习次数", "Attempts"), attempts.to_string()),
            (tr(lang, "通过率", "Pass rate"), percent_text(pass_rate)),
            (
                tr(lang, "练习时长", "Time practised"),
                human_duration(practised, lang),
            ),
        ],
    );
    page.raw("</section>\n<section>\n<h2>");
    page.label("学员一览", "Trainees");
    page.raw("</h2>\n");
    if rows.is_empty() {
        page.raw("<p class=\"empty\">");
        page.label("没有学员。", "No trainees.");
        page.raw("</p>\n");
    } else {
        table_head(
            &mut page,
            &[
                ("学员", "Trainee", TEXT),
                ("练习次数", "Attempts", NUM),
                ("最高分", "Best", NUM),
                ("最近得分", "Latest", NUM),
                ("通过率", "Pass rate", NUM),
                ("练习时长", "Time practised", NUM),
                ("最弱原则", "Weakest principle", TEXT),
            ],
        );
        for r in &rows {
            page.raw("<tr><td>");
            page.text(&r.trainee.name);
            if !r.trainee.employee_no.is_empty() {
                page.raw("<br><span class=\"sub\">");
                page.text(&r.trainee.employee_no);
                page.raw("</span>");
            }
            // The latest total against the pass mark: green reached, red not.
            let latest_class = match r.latest_total {
                Some(t) if t >= pass_mark => "num yes",
                Some(_) => "num no",
                None => "num",
            };
            page.fmt(format_args!(
                "</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"{latest_class}\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td>",
                r.attempts,
                score_text(r.best_total),
                score_text(r.latest_total),
                percent_text(r.pass_rate),
                human_duration(r.practised_secs, lang)
            ));
            match &r.weakest {
                Some(w) => {
                    page.raw("<span class=\"weak\">");
                    page.text(name_of(principles, &w.id, lang));
                    page.fmt(format_args!(
                        "</span> <span class=\"sub\">{:.1}</span>",
                        w.average
                    ));
                }
                None => page.raw("—"),
            }
            page.raw("</td></tr>\n");
        }
        page.raw("</tbody>\n</table>\n");
    }
    page.raw("</section>\n<section>\n<h2>");
    page.label("各原则平均得分", "Average per principle");
    page.raw("</h2>\n");
    if profile.is_empty() {
        no_attempts(&mut page);
    } else {
        principle_chart(&mut page, &profile, principles);
    }
    page.raw("</section>\n");
    end(&mut page, generated_at, zone);
    Ok(page.html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::export::csv::tests::{
        catalogue, library, played, principle_names, scenario_titles, trainee, warmup,
        warmup_and_one_trainee,
    };
    use crate::records::export::{ExportFormat, Names};
    use crate::roleplay::Strategy;

    /// A report as the export writes it, from the figures the tests have at hand.
    fn report_request<'a>(names: &'a Names, filter: &Filter, lang: Lang) -> ExportRequest<'a> {
        ExportRequest {
            format: ExportFormat::Html,
            filter: filter.clone(),
            names,
            lang,
            home_page: String::new(),
            generated_at: NOW,
            zone: Zone::utc(),
        }
    }

    fn names(principles: &[(String, Text)], titles: &[(String, Text)], pass_mark: f64) -> Names {
        Names {
            principles: principles.to_vec(),
            titles: titles.to_vec(),
            pass_mark,
            ..Names::default()
        }
    }

    fn trainee_page(
        db: &Db,
        trainee_id: i64,
        filter: &Filter,
        principles: &[(String, Text)],
        titles: &[(String, Text)],
        lang: Lang,
        pass_mark: f64,
    ) -> Result<String, ExportError> {
        let names = names(principles, titles, pass_mark);
        trainee_report(db, trainee_id, &report_request(&names, filter, lang))
    }

    fn cohort_page(
        db: &Db,
        filter: &Filter,
        principles: &[(String, Text)],
        titles: &[(String, Text)],
        lang: Lang,
        pass_mark: f64,
    ) -> Result<String, ExportError> {
        let names = names(principles, titles, pass_mark);
        cohort_report(db, &report_request(&names, filter, lang))
    }

    const XSS: &str = "<script>alert(1)</script>";
    const NOW: i64 = 1_790_100_000;

    /// The page's text with the SVG namespace taken out: nothing else may name a URL.
    fn assert_offline(html: &str) {
        let rest = html.replace(SVG_NS, "");
        assert!(
            !rest.contains("http://") && !rest.contains("https://"),
            "a URL in the report"
        );
        assert!(
            !html.to_ascii_lowercase().contains("<script"),
            "a script in the report"
        );
        assert!(!html.contains("<img") && !html.contains("@import") && !html.contains("url("));
    }

    fn assert_document(html: &str, lang: &str) {
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("@media print"));
        for font in [
            "\"Noto Sans CJK SC\"",
            "\"Microsoft YaHei\"",
            "\"PingFang SC\"",
            "sans-serif",
        ] {
            assert!(html.contains(font), "{font}");
        }
        assert!(html.trim_end().ends_with("</html>"));
    }

    fn figure(html: &str, label: &str) -> String {
        let start = format!("<span class=\"label\">{label}</span><span class=\"value\">");
        let from = html.find(&start).map(|i| i + start.len()).expect("figure");
        html[from..]
            .split('<')
            .next()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn trainee_report_escapes_names_and_matches_the_data() {
        let library = library();
        let analysis = warmup(&library);
        let catalogue = catalogue(&library);
        let principles = principle_names(&catalogue);
        let titles = scenario_titles(&library);
        let db = Db::in_memory().expect("db");
        let t = db
            .add_trainee(&trainee(
                XSS,
                "<b>7</b>",
                "\"Quotes\" & 'apostrophes'",
                "<i>cohort</i>",
            ))
            .expect("trainee");
        let other = db
            .add_trainee(&trainee("王喆", "", "", ""))
            .expect("trainee");
        for (i, strategy) in [Strategy::Worst, Strategy::Best, Strategy::Best]
            .into_iter()
            .enumerate()
        {
            db.save_attempt(&played(
                &analysis,
                t.id,
                strategy,
                NOW - 3600 * (3 - i as i64),
            ))
            .expect("save");
        }
        db.save_attempt(&played(&analysis, other.id, Strategy::Best, NOW))
            .expect("save");
        let history = db.history(t.id, &Filter::default()).expect("history");

        let html = trainee_page(
            &db,
            t.id,
            &Filter::default(),
            &principles,
            &titles,
            Lang::En,
            catalogue.pass_mark,
        )
        .expect("report");
        assert_document(&html, "en");
        assert_offline(&html);
        assert!(!html.contains(XSS));
        assert!(html.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
        assert!(html.contains("&lt;b&gt;7&lt;/b&gt;"));
        assert!(html.contains("&quot;Quotes&quot; &amp; &#39;apostrophes&#39;"));
        assert!(html.contains("&lt;i&gt;cohort&lt;/i&gt;"));
        assert_eq!(html.matches("<svg").count(), 2);
        assert!(html.contains("stroke-dasharray"), "the pass mark line");
        assert!(html.contains(&format!("Pass mark {}", catalogue.pass_mark)));

        assert_eq!(figure(&html, "Attempts"), "3");
        let best = history.iter().map(|a| a.total).fold(f64::MIN, f64::max);
        assert_eq!(figure(&html, "Best"), format!("{best:.1}"));
        assert_eq!(figure(&html, "Latest"), format!("{:.1}", history[2].total));
        let passed = history.iter().filter(|a| a.passed).count();
        assert_eq!(
            figure(&html, "Pass rate"),
            format!("{:.0}%", passed as f64 * 100.0 / 3.0)
        );
        assert_eq!(figure(&html, "Time practised"), "9 min");
        // One row per attempt of this trainee only, and one dot per attempt on the chart.
        assert_eq!(html.matches("<tr><td class=\"num\">").count(), 3);
        assert_eq!(html.matches("<circle").count(), 3);
        let title = &titles
            .iter()
            .find(|(id, _)| id == "warmup-late-car")
            .expect("title")
            .1;
        assert!(html.contains(&escape(&title.en)));

        let tested = principle_averages(&history).len();
        assert_eq!(
            html.matches("class=\"weak-label\"").count(),
            WEAKEST_MARKED.min(tested - 1)
        );
        assert_eq!(html.matches("<rect").count(), tested);

        let zh = trainee_page(
            &db,
            t.id,
            &Filter::default(),
            &principles,
            &titles,
            Lang::Zh,
            catalogue.pass_mark,
        )
        .expect("report");
        assert_document(&zh, "zh-CN");
        assert_offline(&zh);
        assert_eq!(figure(&zh, "练习次数"), "3");
        assert_eq!(figure(&zh, "练习时长"), "9 分钟");
        assert!(zh.contains("最弱"));
        assert!(zh.contains(&escape(&title.zh)));
        let weakest = &principle_averages(&history)[0].id;
        let weakest_name = &principles
            .iter()
            .find(|(id, _)| id == weakest)
            .expect("name")
            .1
            .zh;
        assert!(zh.contains(&escape(&fit(weakest_name, LABEL_UNITS))));
    }

    #[test]
    fn a_report_shows_times_and_days_in_its_zone_and_says_which() {
        let (analysis, db, t) = warmup_and_one_trainee();
        // Ended at 23:30 UTC on 2026-11-22: already the 23rd, 07:30, in China.
        let ended = Date::parse("2026-11-22").expect("date").start_secs() + 23 * 3600 + 1800;
        let attempt = played(&analysis, t.id, Strategy::Best, ended);
        db.save_attempt(&attempt).expect("save");
        let china = Zone::fixed_hours(8);
        let filter = Filter {
            since: Some(china.day_start(Date::parse("2026-11-23").expect("date"))),
            until: Some(china.day_end(Date::parse("2026-11-23").expect("date"))),
            ..Filter::default()
        };
        let names = names(&[], &[], 80.0);
        for (lang, local) in [
            (Lang::Zh, "时间均为本地时间，"),
            (Lang::En, "all times are local, "),
        ] {
            let request = ExportRequest {
                zone: china.clone(),
                ..report_request(&names, &filter, lang)
            };
            let html = trainee_report(&db, t.id, &request).expect("report");
            // The attempt counts as the 23rd's, and its row gives China's clock.
            assert!(html.contains("2026-11-23 – 2026-11-23"), "{lang:?}");
            assert!(html.contains(&china.short_timestamp(attempt.started_at)));
            assert!(
                china
                    .short_timestamp(attempt.started_at)
                    .starts_with("2026-11-23 07:2")
            );
            assert!(
                html.contains(&format!("{local}UTC+08:00</footer>")),
                "{lang:?}"
            );
            let utc =
                trainee_report(&db, t.id, &report_request(&names, &filter, lang)).expect("report");
            assert!(utc.contains("2026-11-22 – 2026-11-23"), "{lang:?}");
            assert!(utc.contains(&format!("{local}UTC</footer>")), "{lang:?}");
        }
    }

    #[test]
    fn a_trainee_with_no_attempts_gets_a_report_without_charts() {
        let db = Db::in_memory().expect("db");
        let t = db
            .add_trainee(&trainee("李堃玥", "", "", ""))
            .expect("trainee");
        let filter = Filter {
            since: Some(Date::parse("2026-01-01").expect("date").start_secs()),
            until: Some(Date::parse("2026-02-01").expect("date").start_secs()),
            scenario: Some("warmup-late-car".into()),
            mode: Some(Mode::Assessment),
            ..Filter::default()
        };
        let titles = vec![("warmup-late-car".to_string(), Text::new("<迟到>", "<Late>"))];
        let html = trainee_page(&db, t.id, &filter, &[], &titles, Lang::Zh, 80.0).expect("report");
        assert_offline(&html);
        assert!(!html.contains("<svg"));
        assert!(html.contains("尚无练习记录"));
        assert_eq!(figure(&html, "练习次数"), "0");
        assert!(html.contains("2026-01-01 – 2026-01-31"));
        assert!(html.contains("情景：&lt;迟到&gt;"));
        assert!(html.contains("考核"));
        assert!(matches!(
            trainee_page(&db, t.id + 100, &filter, &[], &titles, Lang::Zh, 80.0),
            Err(ExportError::Records(RecordsError::UnknownTrainee(_)))
        ));
    }

    #[test]
    fn cohort_report_lists_its_trainees_and_profile() {
        let library = library();
        let analysis = warmup(&library);
        let catalogue = catalogue(&library);
        let principles = principle_names(&catalogue);
        let titles = scenario_titles(&library);
        let db = Db::in_memory().expect("db");
        let cohort = db
            .add_cohort(&Cohort {
                name: "2026 秋季班 <A&B>".into(),
                trainer: "O'Brien <trainer>".into(),
                starts: Date::parse("2026-09-01"),
                ends: Date::parse("2026-12-20"),
                ..Cohort::default()
            })
            .expect("cohort");
        let a = db
            .add_trainee(&trainee(XSS, "E-1", "", &cohort.name))
            .expect("trainee");
        let b = db
            .add_trainee(&trainee("王喆", "E-2", "", &cohort.name))
            .expect("trainee");
        let idle = db
            .add_trainee(&trainee("李堃玥", "E-3", "", &cohort.name))
            .expect("trainee");
        let outsider = db
            .add_trainee(&trainee("Outsider", "E-4", "", ""))
            .expect("trainee");
        db.save_attempt(&played(&analysis, a.id, Strategy::Best, NOW - 100))
            .expect("save");
        db.save_attempt(&played(&analysis, a.id, Strategy::Worst, NOW - 50))
            .expect("save");
        db.save_attempt(&played(&analysis, b.id, Strategy::Best, NOW - 10))
            .expect("save");
        db.save_attempt(&played(&analysis, outsider.id, Strategy::Best, NOW))
            .expect("save");

        let filter = Filter {
            cohort: Some(cohort.id),
            ..Filter::default()
        };
        let html = cohort_page(
            &db,
            &filter,
            &principles,
            &titles,
            Lang::En,
            catalogue.pass_mark,
        )
        .expect("report");
        assert_document(&html, "en");
        assert_offline(&html);
        assert!(!html.contains(XSS));
        assert!(html.contains("<h1>2026 秋季班 &lt;A&amp;B&gt;</h1>"));
        assert!(html.contains("O&#39;Brien &lt;trainer&gt;"));
        assert!(html.contains("2026-09-01 – 2026-12-20"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains(&escape(&idle.name)));
        assert!(!html.contains("Outsider"));
        assert_eq!(figure(&html, "Trainees"), "3");
        assert_eq!(figure(&html, "Trainees who practised"), "2");
        assert_eq!(figure(&html, "Attempts"), "3");
        assert_eq!(html.matches("<svg").count(), 1);
        let rows = db.cohort_table(&filter, false).expect("table");
        let weakest = rows
            .iter()
            .find(|r| r.trainee.id == a.id)
            .and_then(|r| r.weakest.clone())
            .expect("weakest");
        let weakest_name = &principles
            .iter()
            .find(|(id, _)| *id == weakest.id)
            .expect("name")
            .1
            .en;
        assert!(html.contains(&format!(
            "<span class=\"weak\">{}</span>",
            escape(weakest_name)
        )));
        let profile = db.principle_profile(&filter).expect("profile");
        assert_eq!(html.matches("<rect").count(), profile.len());

        let everyone = cohort_page(
            &db,
            &Filter::default(),
            &principles,
            &titles,
            Lang::Zh,
            catalogue.pass_mark,
        )
        .expect("report");
        assert_document(&everyone, "zh-CN");
        assert_offline(&everyone);
        assert!(everyone.contains("<h1>全部学员</h1>"));
        assert_eq!(figure(&everyone, "学员人数"), "4");
        assert_eq!(figure(&everyone, "练习次数"), "4");
        assert!(everyone.contains("Outsider"));

        let missing = Filter {
            cohort: Some(cohort.id + 100),
            ..Filter::default()
        };
        assert!(matches!(
            cohort_page(&db, &missing, &principles, &titles, Lang::En, 80.0),
            Err(ExportError::Records(RecordsError::UnknownCohort(_)))
        ));
    }

    #[test]
    fn long_labels_are_cut_to_fit() {
        assert_eq!(fit("Short", 10), "Short");
        assert_eq!(fit("先处理心情，再处理事情", 10), "先处理心…");
        assert_eq!(fit("abcdefghijk", 10), "abcdefghi…");
    }
}
