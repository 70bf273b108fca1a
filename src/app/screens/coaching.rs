//! Coaching: what the last reply kept or broke, citing the manual, and the better reply.

use bevy_egui::egui;

use crate::app::widgets::{fit_lines, tone, tr, wrapped_label};
use crate::roleplay::TurnRecord;
use crate::roleplay::score::ScoreEvent;
use crate::scenario::{Catalogue, Lang};

/// The panel shown after each reply in practice mode (and per turn in the debrief).
pub fn coaching_panel(ui: &mut egui::Ui, turn: &TurnRecord, catalogue: &Catalogue, lang: Lang) {
    let kept = turn.events.iter().filter(|e| e.points > 0).count();
    let broke = turn.events.iter().filter(|e| e.points < 0).count();
    let critical: Vec<&str> = turn
        .techniques
        .iter()
        .filter_map(|id| catalogue.technique_by_id(id))
        .map(|t| catalogue.technique(t))
        .filter(|t| t.critical)
        .map(|t| t.name.get(lang))
        .collect();
    let headline = if !critical.is_empty() {
        (tr(lang, "严重错误", "Critical error"), false)
    } else if turn.better.is_none() && broke == 0 {
        (tr(lang, "处理得当", "Well handled"), true)
    } else if turn.better.is_none() {
        (
            tr(
                lang,
                "这是此处最好的选择，但仍有代价",
                "The best reply here, though it costs something",
            ),
            true,
        )
    } else if kept > broke {
        (
            tr(
                lang,
                "不错，但还有更好的说法",
                "Good, but there was a better reply",
            ),
            true,
        )
    } else {
        (
            tr(lang, "这样回应有问题", "This reply works against you"),
            false,
        )
    };
    ui.label(
        egui::RichText::new(headline.0)
            .heading()
            .color(tone(ui, headline.1)),
    );
    for name in &critical {
        ui.colored_label(
            tone(ui, false),
            match lang {
                Lang::Zh => format!("“{name}”是手册明确禁止的做法，本次练习因此判为不通过。"),
                Lang::En => {
                    format!("\"{name}\" is one of the manual's don'ts: this attempt cannot pass.")
                }
            },
        );
    }
    for event in &turn.events {
        score_event(ui, event, catalogue, lang);
    }
    if turn.events.is_empty() {
        ui.weak(tr(
            lang,
            "这一步不影响得分。",
            "This reply does not change the score.",
        ));
    }
    if let Some(better) = &turn.better_text {
        ui.add_space(4.0);
        ui.strong(tr(lang, "更好的回应：", "A better reply:"));
        wrapped_label(ui, better.get(lang));
        // Why it is better, in the same terms as the trainee's own reply.
        if !turn.better_events.is_empty() {
            ui.indent("better_events", |ui| {
                for event in &turn.better_events {
                    score_event(ui, event, catalogue, lang);
                }
            });
        }
    }
    if let Some(notice) = turn.escalation_notice() {
        ui.colored_label(tone(ui, false), notice.get(lang));
    }
}

/// One line of points: sign, principle, why, and where the manual says so.
pub fn score_event(ui: &mut egui::Ui, event: &ScoreEvent, catalogue: &Catalogue, lang: Lang) {
    let principle = catalogue
        .principles
        .iter()
        .find(|p| p.id == event.principle);
    let name = principle.map_or(event.principle.as_str(), |p| p.name.get(lang));
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(
            tone(ui, event.points > 0),
            egui::RichText::new(format!("{:+}", event.points)).strong(),
        );
        ui.strong(name);
    });
    ui.indent(("why", &event.source, &event.principle), |ui| {
        wrapped_label(ui, event.why.get(lang));
        if let Some(p) = principle {
            // The source itself names the manual ("Manual §III …", "讲师手册 第三部分 …").
            let source = match lang {
                Lang::Zh => format!("出处：{}", p.source.get(lang)),
                Lang::En => format!("Source: {}", p.source.get(lang)),
            };
            let width = ui.available_width();
            ui.weak(fit_lines(ui, &source, egui::TextStyle::Body, width));
        }
    });
}
