//! Small pure widgets the screens share: meters, cards, score bars, time.

use std::time::Duration;

use bevy_egui::egui;

use crate::roleplay::score::Line;
use crate::scenario::Lang;
use crate::scenario::text::is_cjk;

/// Picks the interface text for the language on show.
pub fn tr(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A root `Ui` covering the part of the window the frame left for the screen.
pub fn screen_ui(ctx: &egui::Context, area: Option<egui::Rect>, id: &'static str) -> egui::Ui {
    egui::Ui::new(
        ctx.clone(),
        id.into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(area.unwrap_or_else(|| ctx.viewport_rect())),
    )
}

/// A date typed in a form: empty is none; anything but `YYYY-MM-DD` says so in the user's language.
pub fn date_field(text: &str, lang: Lang) -> Result<Option<crate::records::time::Date>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    crate::records::time::Date::parse(text)
        .map(Some)
        .ok_or_else(|| match lang {
            Lang::Zh => format!("“{text}”不是日期，请写成 2026-11-23 这样的格式。"),
            Lang::En => format!("`{text}` is not a date; write it as 2026-11-23."),
        })
}

/// `mm:ss`, or `h:mm:ss` past an hour.
pub fn clock_text(elapsed: Duration) -> String {
    let s = elapsed.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// The colour that says good, bad or in between, in the current theme.
pub fn tone(ui: &egui::Ui, good: bool) -> egui::Color32 {
    if ui.visuals().dark_mode {
        if good {
            egui::Color32::from_rgb(110, 200, 120)
        } else {
            egui::Color32::from_rgb(240, 110, 100)
        }
    } else if good {
        egui::Color32::from_rgb(0, 110, 40)
    } else {
        egui::Color32::from_rgb(170, 20, 20)
    }
}

/// One 0–10 gauge (mood or trust) with the change of the last reply beside it.
pub fn meter(ui: &mut egui::Ui, label: &str, value: u8, change: i32, higher_is_better: bool) {
    ui.horizontal(|ui| {
        let height = ui.text_style_height(&egui::TextStyle::Body);
        // The same room for either label, so that the two gauges' bars line up.
        ui.allocate_ui_with_layout(
            egui::vec2(3.0 * height, height),
            egui::Layout::left_to_right(egui::Align::Center),
            |ui| {
                ui.set_min_width(3.0 * height);
                ui.label(egui::RichText::new(label).strong());
            },
        );
        let fraction = f32::from(value) / 10.0;
        let good = if higher_is_better {
            value >= 5
        } else {
            value <= 5
        };
        // The value beside the bar rather than on it: on a nearly empty bar the text would
        // sit on the rounded end of the fill.
        let width = (ui.available_width().min(220.0) - 90.0).max(40.0);
        bar(
            ui,
            width,
            fraction,
            tone(ui, good).gamma_multiply(0.8),
            None,
        );
        ui.label(format!("{value}/10"));
        if change != 0 {
            let better = (change > 0) == higher_is_better;
            ui.colored_label(tone(ui, better), format!("{change:+}"));
        }
    });
}

/// A bar one line of text high, filled to `fraction` (0–1), with a mark across it at `mark`.
fn bar(ui: &mut egui::Ui, width: f32, fraction: f32, fill: egui::Color32, mark: Option<f32>) {
    let height = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, ui.visuals().extreme_bg_color);
    if fraction > 0.0 {
        let filled = rect.with_max_x(rect.min.x + width * fraction.min(1.0));
        painter.rect_filled(filled, 3.0, fill);
    }
    if let Some(mark) = mark {
        let x = rect.min.x + width * mark;
        painter.line_segment(
            [egui::pos2(x, rect.min.y), egui::pos2(x, rect.max.y)],
            ui.visuals().widgets.noninteractive.fg_stroke,
        );
    }
    painter.rect_stroke(
        rect,
        3.0,
        ui.visuals().widgets.noninteractive.bg_stroke,
        egui::StrokeKind::Inside,
    );
}

/// A horizontal bar per line of a score card: where the attempt fell between the worst (0) and
/// best (100) handling this scenario allows.
pub fn score_bars(ui: &mut egui::Ui, lines: &[Line], lang: Lang, pass_mark: f64) {
    let untested = tr(lang, "本情景不涉及", "not tested here");
    egui::Grid::new(ui.next_auto_id())
        .num_columns(3)
        .spacing([12.0, 6.0])
        .striped(true)
        .show(ui, |ui| {
            for line in lines {
                ui.label(line.name.get(lang));
                match line.percent {
                    Some(p) => {
                        bar(
                            ui,
                            260.0,
                            p as f32 / 100.0,
                            tone(ui, p >= pass_mark).gamma_multiply(0.85),
                            Some(pass_mark as f32 / 100.0),
                        );
                        ui.label(format!("{:.0}", p.clamp(0.0, 100.0)));
                    }
                    None => {
                        ui.weak(untested);
                        ui.label("");
                    }
                }
                ui.end_row();
            }
        });
}

/// Characters that may not begin a line of Chinese text (closing punctuation and the like).
const NO_LINE_START: &str = "，。、；：？！）》」』】〕〉…—”’·%,.;:?!)]}";
/// Characters that may not end one (opening punctuation).
const NO_LINE_END: &str = "“‘（《「『【〔〈([{";

/// Breaks Chinese text into lines of at most `width`, the way Chinese typesetting does: closing
/// punctuation never starts a line and opening punctuation never ends one; the characters
/// next to them move down with them. egui's own wrapping lets "，" or "”" start a line. Text
/// without Chinese characters is returned unchanged.
pub fn fit_lines(ui: &egui::Ui, text: &str, style: egui::TextStyle, width: f32) -> String {
    if width < 40.0 || !text.chars().any(is_cjk) {
        return text.to_string();
    }
    let font = style.resolve(ui.style());
    // A little slack, so egui's own measure never wraps a line a second time.
    ui.ctx()
        .fonts_mut(|fonts| break_lines(text, width - 3.0, |c| fonts.glyph_width(&font, c)))
}

/// A group of widgets that a wrapping row (`horizontal_wrapped`) moves to the next line whole,
/// so a narrow window breaks a toolbar between groups, never between a label and its field.
/// A group's width is known only once it is drawn, so it goes by the width it had last pass,
/// and asks egui to discard a pass whose widths were not yet known. (Labels sit level with
/// the fields beside them because the theme's row height is a button's.)
pub fn wrapping_group<R>(
    ui: &mut egui::Ui,
    id: &str,
    add_contents: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    let id = ui.id().with(("wrapping_group", id));
    let last_width: Option<f32> = ui.ctx().data(|d| d.get_temp(id));
    let at_row_start = ui.cursor().min.x <= ui.max_rect().min.x + 0.5;
    if starts_new_row(ui.available_size_before_wrap().x, at_row_start, last_width) {
        ui.end_row();
    }
    let inner = ui.horizontal(add_contents);
    let width = inner.response.rect.width();
    if last_width.is_none_or(|last| (last - width).abs() > 0.5) {
        ui.ctx().data_mut(|d| d.insert_temp(id, width));
        ui.ctx().request_discard("a toolbar group changed width");
    }
    inner.inner
}

/// Whether a group `last_width` wide goes to the next line: only when it would not fit in what
/// is left of this one, and this line already holds something (else it would leave a gap).
pub fn starts_new_row(remaining: f32, at_row_start: bool, last_width: Option<f32>) -> bool {
    !at_row_start && last_width.is_some_and(|width| width > remaining)
}

/// A body-text label across the width available, with Chinese line breaking.
pub fn wrapped_label(ui: &mut egui::Ui, text: &str) -> egui::Response {
    let width = ui.available_width();
    let text = fit_lines(ui, text, egui::TextStyle::Body, width);
    ui.label(text)
}

/// The line breaking of `fit_lines`, with the width of each character given.
pub fn break_lines(text: &str, width: f32, mut advance: impl FnMut(char) -> f32) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    // The current line's characters: where each starts in `out`, its width, itself.
    let mut line: Vec<(usize, f32, char)> = Vec::new();
    let mut used = 0.0f32;
    for c in text.chars() {
        if c == '\n' {
            out.push(c);
            line.clear();
            used = 0.0;
            continue;
        }
        let w = advance(c);
        if !line.is_empty() && used + w > width {
            // Break before character `k` of the line (`line.len()`: before `c`), moving back
            // while the next line would start with closing punctuation, this one end with
            // opening punctuation, or a number or Latin word be cut in two. A line with no
            // place to break breaks where it must.
            let starts = |k: usize| line.get(k).map_or(c, |&(_, _, ch)| ch);
            let no_break = |before: char, after: char| {
                NO_LINE_START.contains(after)
                    || NO_LINE_END.contains(before)
                    || (before.is_ascii_alphanumeric() && after.is_ascii_alphanumeric())
            };
            let mut k = line.len();
            while k > 0 && no_break(line[k - 1].2, starts(k)) {
                k -= 1;
            }
            if k == 0 {
                k = line.len();
            }
            match line.get(k) {
                Some(&(at, _, _)) => {
                    out.insert(at, '\n');
                    line.drain(..k);
                    for moved in &mut line {
                        moved.0 += 1;
                    }
                }
                None => {
                    out.push('\n');
                    line.clear();
                }
            }
            used = line.iter().map(|&(_, w, _)| w).sum();
        }
        used += w;
        line.push((out.len(), w, c));
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toolbar_group_moves_down_whole_only_when_it_no_longer_fits() {
        // Fits in what is left of the line: stays.
        assert!(!starts_new_row(300.0, false, Some(250.0)));
        // Does not fit: next line.
        assert!(starts_new_row(200.0, false, Some(250.0)));
        // Wider than a whole line: moving it would only leave an empty line above it.
        assert!(!starts_new_row(200.0, true, Some(250.0)));
        // Not measured yet: drawn where it is, and that pass is discarded.
        assert!(!starts_new_row(10.0, false, None));
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        let one = |_: char| 1.0;
        assert_eq!(break_lines("一二三四，五", 4.0, one), "一二三\n四，五");
        assert_eq!(break_lines("一二三四五六", 4.0, one), "一二三四\n五六");
        assert_eq!(break_lines("一二\n三四五", 2.0, one), "一二\n三四\n五");
        // A run of closing marks moves down with the character before it, and an opening
        // mark with the character after it.
        assert_eq!(break_lines("一二问问”：后", 5.0, one), "一二问\n问”：后");
        assert_eq!(break_lines("一二三“四五", 4.0, one), "一二三\n“四五");
        assert_eq!(break_lines("，，，，，，", 4.0, one), "，，，，\n，，");
        assert_eq!(break_lines("花了1860元", 4.0, one), "花了\n1860\n元");
        assert_eq!(break_lines("一二三ABCDEFG", 4.0, one), "一二三\nABCD\nEFG");
        // Whatever is broken, no character is lost or added but the line breaks.
        let text = "孙先生（32岁）只说“没什么，就是问问”：后备箱里有水。这件事由我来跟（好吗？）";
        for width in 3..16 {
            let out = break_lines(text, width as f32, one);
            assert_eq!(out.replace('\n', ""), text);
            for l in out.lines() {
                assert!(l.chars().count() <= width, "{out:?}");
            }
            for pair in out.lines().collect::<Vec<_>>().windows(2) {
                let first = pair[1].chars().next().unwrap();
                let last = pair[0].chars().last().unwrap();
                assert!(!NO_LINE_START.contains(first), "{width}: {out:?}");
                assert!(!NO_LINE_END.contains(last), "{width}: {out:?}");
                assert!(
                    !(first.is_ascii_digit() && last.is_ascii_digit()),
                    "{out:?}"
                );
            }
        }
    }

    #[test]
    fn formats_the_clock() {
        assert_eq!(clock_text(Duration::from_secs(0)), "00:00");
        assert_eq!(clock_text(Duration::from_secs(125)), "02:05");
        assert_eq!(clock_text(Duration::from_secs(3725)), "1:02:05");
    }
}
