//! Small pure widgets the screens share: meters, cards, score bars, time.

use std::time::Duration;

use bevy_egui::egui;

use crate::roleplay::score::Line;
use crate::scenario::Lang;

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
        ui.label(egui::RichText::new(label).strong());
        let fraction = f32::from(value) / 10.0;
        let good = if higher_is_better {
            value >= 5
        } else {
            value <= 5
        };
        let bar = egui::ProgressBar::new(fraction)
            .desired_width(ui.available_width().min(220.0) - 60.0)
            .fill(tone(ui, good).gamma_multiply(0.8))
            .text(format!("{value}/10"));
        ui.add(bar);
        if change != 0 {
            let better = (change > 0) == higher_is_better;
            ui.colored_label(tone(ui, better), format!("{change:+}"));
        }
    });
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
                        let width = 260.0;
                        let height = ui.text_style_height(&egui::TextStyle::Body);
                        let (rect, _) =
                            ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
                        let painter = ui.painter_at(rect);
                        painter.rect_filled(rect, 3.0, ui.visuals().extreme_bg_color);
                        let filled = rect
                            .with_max_x(rect.min.x + width * (p as f32 / 100.0).clamp(0.0, 1.0));
                        painter.rect_filled(
                            filled,
                            3.0,
                            tone(ui, p >= pass_mark).gamma_multiply(0.85),
                        );
                        let mark_x = rect.min.x + width * (pass_mark as f32 / 100.0);
                        painter.line_segment(
                            [
                                egui::pos2(mark_x, rect.min.y),
                                egui::pos2(mark_x, rect.max.y),
                            ],
                            ui.visuals().widgets.noninteractive.fg_stroke,
                        );
                        painter.rect_stroke(
                            rect,
                            3.0,
                            ui.visuals().widgets.noninteractive.bg_stroke,
                            egui::StrokeKind::Inside,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_clock() {
        assert_eq!(clock_text(Duration::from_secs(0)), "00:00");
        assert_eq!(clock_text(Duration::from_secs(125)), "02:05");
        assert_eq!(clock_text(Duration::from_secs(3725)), "1:02:05");
    }
}
