//! Debrief: total and pass/fail, scores per principle and step, the ending, the whole transcript.

use bevy::prelude::*;
use bevy_egui::{EguiPrimaryContextPass, egui};

use super::chrome::ScreenView;
use super::coaching::coaching_panel;
use super::{Screen, ViewSet};
use crate::app::state::{Action, Attempt, ScenarioLibrary};
use crate::app::widgets::{clock_text, fit_lines, score_bars, tone, tr, wrapped_label};
use crate::roleplay::{ScoreCard, Transcript};
use crate::scenario::{Catalogue, Lang, Outcome};

/// The behaviour type picked for "same scenario, another type".
#[derive(Resource, Debug, Default)]
struct OtherPersona(Option<String>);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<OtherPersona>();
    app.add_systems(
        Update,
        handle_actions
            .run_if(in_state(Screen::Debrief))
            .run_if(on_message::<Action>),
    );
    app.add_systems(
        EguiPrimaryContextPass,
        view.in_set(ViewSet::Screen)
            .run_if(in_state(Screen::Debrief)),
    );
}

fn handle_actions(mut actions: MessageReader<Action>, mut next: ResMut<NextState<Screen>>) {
    for action in actions.read() {
        if matches!(action, Action::Home) {
            next.set(Screen::Home);
        }
    }
}

fn view(
    mut view: ScreenView,
    attempt: Res<Attempt>,
    library: Res<ScenarioLibrary>,
    mut other: ResMut<OtherPersona>,
    mut actions: MessageWriter<Action>,
) -> Result {
    let (ctx, mut root, lang) = view.begin("debrief")?;
    let Some(active) = attempt.0.as_ref() else {
        return Ok(());
    };
    let session = &active.session;
    let analysis = session.analysis();
    let catalogue = analysis.catalogue.clone();
    let card = session.score();
    let transcript = session.transcript();
    let persona_id = catalogue.persona(analysis.persona).id.clone();
    let again = Action::Start {
        scenario: active.scenario.id.clone(),
        persona: Some(persona_id.clone()),
        mode: session.mode(),
    };
    if !ctx.egui_wants_keyboard_input() && ctx.input(|i| i.key_pressed(egui::Key::Enter)) {
        actions.write(again.clone());
    }
    egui::Panel::bottom("debrief_actions").show(&mut root, |ui| {
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            if ui
                .button(
                    egui::RichText::new(tr(lang, "再练一次 (Enter)", "Play again (Enter)"))
                        .strong(),
                )
                .clicked()
            {
                actions.write(again.clone());
            }
            ui.separator();
            ui.label(tr(
                lang,
                "换一种客户类型：",
                "Same scenario, another behaviour type:",
            ));
            let others: Vec<_> = catalogue
                .personas
                .iter()
                .filter(|p| p.id != persona_id)
                .collect();
            if other
                .0
                .as_ref()
                .is_none_or(|o| !others.iter().any(|p| &p.id == o))
            {
                other.0 = others.first().map(|p| p.id.clone());
            }
            let selected = others
                .iter()
                .find(|p| Some(&p.id) == other.0.as_ref())
                .map_or("", |p| p.name.get(lang));
            egui::ComboBox::from_id_salt("other_persona")
                .selected_text(selected)
                .show_ui(ui, |ui| {
                    for p in &others {
                        ui.selectable_value(&mut other.0, Some(p.id.clone()), p.name.get(lang));
                    }
                });
            if ui.button(tr(lang, "开始 ▶", "Start ▶")).clicked() {
                actions.write(Action::Start {
                    scenario: active.scenario.id.clone(),
                    persona: other.0.clone(),
                    mode: session.mode(),
                });
            }
            ui.separator();
            if ui
                .button(tr(lang, "返回情景列表", "Back to the scenarios"))
                .clicked()
            {
                actions.write(Action::Home);
            }
        });
        ui.add_space(6.0);
    });
    egui::CentralPanel::default().show(&mut root, |ui| {
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                attempt_report(
                    ui,
                    &ReportInput {
                        title: active.scenario.title.get(lang),
                        customer: active.scenario.customer.name.get(lang),
                        card: &card,
                        transcript,
                        catalogue: &catalogue,
                        time: clock_text(active.clock.elapsed()),
                    },
                    lang,
                );
                if library.generation > 0 && library.scenario(&active.scenario.id).is_none() {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        tr(
                            lang,
                            "这个情景文件刚刚出错，暂时不能再练。",
                            "This scenario's file now has problems; fix it to play again.",
                        ),
                    );
                }
            });
    });
    Ok(())
}

/// What the debrief of one attempt shows: the live one, or one opened from the records.
pub struct ReportInput<'a> {
    pub title: &'a str,
    pub customer: &'a str,
    pub card: &'a ScoreCard,
    pub transcript: &'a Transcript,
    pub catalogue: &'a Catalogue,
    /// Time spent, as shown.
    pub time: String,
}

/// The score, ending, critical errors, principle and step bars, and every turn with coaching.
pub fn attempt_report(ui: &mut egui::Ui, input: &ReportInput<'_>, lang: Lang) {
    let card = input.card;
    ui.heading(input.title);
    summary(ui, card, lang, input.time.clone());
    if let Some(ending) = &input.transcript.ending {
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            ui.strong(tr(lang, "结局：", "Ending:"));
            ui.label(ending.title.get(lang));
        });
        let said = fit_lines(
            ui,
            ending.say.get(lang),
            egui::TextStyle::Body,
            ui.available_width(),
        );
        ui.label(egui::RichText::new(said).italics());
        wrapped_label(ui, ending.debrief.get(lang));
    }
    if !card.critical.is_empty() {
        ui.add_space(6.0);
        for c in &card.critical {
            ui.colored_label(
                tone(ui, false),
                match lang {
                    Lang::Zh => format!("第 {} 回合：严重错误“{}”", c.turn + 1, c.name.get(lang)),
                    Lang::En => {
                        format!(
                            "Turn {}: critical error \"{}\"",
                            c.turn + 1,
                            c.name.get(lang)
                        )
                    }
                },
            );
        }
    }
    ui.add_space(10.0);
    ui.columns(2, |cols| {
        cols[0].strong(tr(
            lang,
            "处理原则（0 = 本情景最差，100 = 最佳）",
            "Principles (0 = worst possible here, 100 = best)",
        ));
        score_bars(&mut cols[0], &card.principles, lang, card.pass_mark);
        cols[1].strong(tr(lang, "处理步骤", "Handling steps"));
        score_bars(&mut cols[1], &card.steps, lang, card.pass_mark);
    });
    ui.add_space(10.0);
    ui.heading(tr(lang, "对话回顾", "The conversation, turn by turn"));
    for turn in &input.transcript.turns {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                ui.weak(match lang {
                    Lang::Zh => format!("第 {} 回合", turn.turn + 1),
                    Lang::En => format!("Turn {}", turn.turn + 1),
                });
                ui.label(format!(
                    "{}{}{}",
                    input.customer,
                    tr(lang, "：", ": "),
                    turn.say.get(lang)
                ));
            });
            ui.horizontal_wrapped(|ui| {
                ui.strong(tr(lang, "你：", "You: "));
                ui.label(turn.chosen_text.get(lang));
            });
            if turn.retries > 0 {
                ui.weak(match lang {
                    Lang::Zh => format!("（重试了 {} 次）", turn.retries),
                    Lang::En if turn.retries == 1 => "(taken back once)".to_string(),
                    Lang::En => format!("(taken back {} times)", turn.retries),
                });
            }
            coaching_panel(ui, turn, input.catalogue, lang);
        });
    }
}

fn summary(ui: &mut egui::Ui, card: &ScoreCard, lang: Lang, time: String) {
    ui.horizontal_wrapped(|ui| {
        ui.label(
            egui::RichText::new(format!("{:.1}", card.total))
                .size(ui.text_style_height(&egui::TextStyle::Heading) * 2.0)
                .strong()
                .color(tone(ui, card.passed)),
        );
        ui.vertical(|ui| {
            ui.label(
                egui::RichText::new(if card.passed {
                    tr(lang, "通过", "Passed")
                } else {
                    tr(lang, "未通过", "Not passed")
                })
                .heading()
                .color(tone(ui, card.passed)),
            );
            ui.label(match lang {
                Lang::Zh => format!(
                    "及格线 {:.0} · 本情景可得 {:.1}–{:.1} · 用时 {time}",
                    card.pass_mark, card.worst_possible, card.best_possible
                ),
                Lang::En => format!(
                    "Pass mark {:.0} · possible here {:.1}–{:.1} · time {time}",
                    card.pass_mark, card.worst_possible, card.best_possible
                ),
            });
            if let Some(outcome) = card.outcome {
                ui.colored_label(
                    tone(ui, outcome == Outcome::Resolved),
                    outcome.label().get(lang).to_string(),
                );
            }
        });
    });
}
