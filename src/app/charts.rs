//! Charts drawn with egui's painter: a score line over time and horizontal bars per principle.

use bevy_egui::egui;

use crate::app::widgets::tone;
use crate::records::time::Zone;

/// One bar: a label, a 0–100 value, and whether to highlight it (a weakest principle).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub highlight: bool,
    /// Shown after the value, e.g. "weakest" or "12 attempts".
    pub note: String,
}

/// Totals (0–100) in the order they were made, with the pass mark as a dashed line. Points are
/// spaced evenly; the first and last dates label the axis.
pub fn score_line(ui: &mut egui::Ui, points: &[(i64, f64)], pass_mark: f64, height: f32) {
    let width = ui.available_width().max(200.0);
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let text_color = visuals.text_color();
    let font = egui::TextStyle::Small.resolve(ui.style());
    painter.rect_filled(rect, 4.0, visuals.extreme_bg_color);
    let plot = egui::Rect::from_min_max(
        rect.min + egui::vec2(36.0, 10.0),
        rect.max - egui::vec2(12.0, 22.0),
    );
    let y_of = |v: f64| plot.bottom() - plot.height() * (v.clamp(0.0, 100.0) as f32 / 100.0);
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let y = y_of(tick);
        painter.line_segment(
            [egui::pos2(plot.left(), y), egui::pos2(plot.right(), y)],
            egui::Stroke::new(0.5, visuals.widgets.noninteractive.bg_stroke.color),
        );
        painter.text(
            egui::pos2(plot.left() - 6.0, y),
            egui::Align2::RIGHT_CENTER,
            format!("{tick:.0}"),
            font.clone(),
            text_color,
        );
    }
    // The pass mark, dashed.
    let y = y_of(pass_mark);
    painter.extend(egui::Shape::dashed_line(
        &[egui::pos2(plot.left(), y), egui::pos2(plot.right(), y)],
        egui::Stroke::new(1.5, tone(ui, true).gamma_multiply(0.8)),
        6.0,
        4.0,
    ));
    if points.is_empty() {
        return;
    }
    let step = if points.len() > 1 {
        plot.width() / (points.len() - 1) as f32
    } else {
        0.0
    };
    let x_of = |i: usize| {
        if points.len() > 1 {
            plot.left() + step * i as f32
        } else {
            plot.center().x
        }
    };
    let line: Vec<egui::Pos2> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| egui::pos2(x_of(i), y_of(*v)))
        .collect();
    painter.add(egui::Shape::line(
        line.clone(),
        egui::Stroke::new(2.0, visuals.selection.bg_fill),
    ));
    // Dots only while they stay apart.
    if points.len() <= 200 {
        for (p, (_, v)) in line.iter().zip(points) {
            painter.circle_filled(*p, 3.5, tone(ui, *v >= pass_mark));
        }
    }
    let zone = Zone::local();
    let first = zone.date_of(points[0].0).to_string();
    let last = zone.date_of(points[points.len() - 1].0).to_string();
    painter.text(
        egui::pos2(plot.left(), plot.bottom() + 4.0),
        egui::Align2::LEFT_TOP,
        first,
        font.clone(),
        text_color,
    );
    painter.text(
        egui::pos2(plot.right(), plot.bottom() + 4.0),
        egui::Align2::RIGHT_TOP,
        last,
        font,
        text_color,
    );
    // The nearest attempt's score under the pointer.
    if let Some(pointer) = response.hover_pos()
        && let Some((i, p)) = line.iter().enumerate().min_by(|a, b| {
            (a.1.x - pointer.x)
                .abs()
                .total_cmp(&(b.1.x - pointer.x).abs())
        })
    {
        painter.circle_stroke(*p, 6.0, egui::Stroke::new(1.5, text_color));
        let (when, value) = points[i];
        // Beside the pointer: below the wide chart it would cover the next heading.
        response.on_hover_text_at_pointer(format!("{} · {value:.1}", zone.short_timestamp(when)));
    }
}

/// Horizontal 0–100 bars with labels on the left; highlighted bars are drawn in the warning colour.
pub fn bars(ui: &mut egui::Ui, bars: &[Bar], pass_mark: f64) {
    let row = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    let label_width = bars
        .iter()
        .map(|b| {
            ui.painter()
                .layout_no_wrap(
                    b.label.clone(),
                    egui::TextStyle::Body.resolve(ui.style()),
                    ui.visuals().text_color(),
                )
                .size()
                .x
        })
        .fold(80.0f32, f32::max)
        .min(ui.available_width() * 0.4);
    let width = ui.available_width().max(label_width + 160.0);
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(width, row * bars.len() as f32 + 4.0),
        egui::Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let body = egui::TextStyle::Body.resolve(ui.style());
    let small = egui::TextStyle::Small.resolve(ui.style());
    let bar_left = rect.left() + label_width + 12.0;
    let bar_width = (rect.right() - bar_left - 150.0).max(60.0);
    for (i, b) in bars.iter().enumerate() {
        let top = rect.top() + row * i as f32 + 2.0;
        let mid = top + row / 2.0;
        painter.text(
            egui::pos2(bar_left - 8.0, mid),
            egui::Align2::RIGHT_CENTER,
            &b.label,
            body.clone(),
            visuals.text_color(),
        );
        let track = egui::Rect::from_min_size(
            egui::pos2(bar_left, top + 3.0),
            egui::vec2(bar_width, row - 6.0),
        );
        painter.rect_filled(track, 3.0, visuals.extreme_bg_color);
        let fill =
            track.with_max_x(track.left() + bar_width * (b.value.clamp(0.0, 100.0) as f32 / 100.0));
        let color = if b.highlight {
            visuals.warn_fg_color
        } else {
            visuals.selection.bg_fill
        };
        painter.rect_filled(fill, 3.0, color);
        let mark = track.left() + bar_width * (pass_mark.clamp(0.0, 100.0) as f32 / 100.0);
        painter.line_segment(
            [
                egui::pos2(mark, track.top()),
                egui::pos2(mark, track.bottom()),
            ],
            visuals.widgets.noninteractive.fg_stroke,
        );
        let text = if b.note.is_empty() {
            format!("{:.0}", b.value)
        } else {
            format!("{:.0}  {}", b.value, b.note)
        };
        let color = if b.highlight {
            visuals.warn_fg_color
        } else {
            visuals.text_color()
        };
        painter.text(
            egui::pos2(track.right() + 8.0, mid),
            egui::Align2::LEFT_CENTER,
            text,
            small.clone(),
            color,
        );
    }
}
