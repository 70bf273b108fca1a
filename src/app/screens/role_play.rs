//! Role play: the customer's card, mood and trust, the conversation, the replies, the pause menu.

use std::time::Duration;

use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::{EguiPrimaryContextPass, egui};

use super::chrome::ScreenView;
use super::coaching::coaching_panel;
use super::{Screen, ViewSet};
use crate::app::settings::SettingsWindow;
use crate::app::state::{Action, ActiveAttempt, Attempt, Notices, RecordsStore, SignedIn};
use crate::app::widgets::{clock_text, fit_lines, meter, tone, tr, wrapped_label};
use crate::records::{progress_of_session, record_of_session};
use crate::roleplay::{Mode, Phase};
use crate::scenario::{Catalogue, Lang, is_narration};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::RolePlay), tick_every_second);
    app.add_systems(OnExit(Screen::RolePlay), back_to_reactive);
    app.add_systems(
        Update,
        (handle_actions, record_when_over)
            .chain()
            .run_if(in_state(Screen::RolePlay)),
    );
    app.add_systems(
        EguiPrimaryContextPass,
        view.in_set(ViewSet::Screen)
            .run_if(in_state(Screen::RolePlay)),
    );
}

/// The clock on screen counts seconds, so the idle app wakes once a second here, and only here.
fn tick_every_second(settings: Option<ResMut<WinitSettings>>) {
    if let Some(mut s) = settings {
        s.focused_mode = UpdateMode::reactive(Duration::from_secs(1));
    }
}

fn back_to_reactive(settings: Option<ResMut<WinitSettings>>) {
    if let Some(mut s) = settings {
        *s = WinitSettings::desktop_app();
    }
}

fn handle_actions(
    mut actions: MessageReader<Action>,
    mut attempt: ResMut<Attempt>,
    signed_in: Res<SignedIn>,
    records: Res<RecordsStore>,
    mut notices: ResMut<Notices>,
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        if matches!(action, Action::Abandon) {
            attempt.0 = None;
            // Leaving on purpose: nothing to offer to resume later.
            if let Some(t) = &signed_in.0
                && let Err(e) = records.db.clear_progress(t.id)
            {
                notices.failed(
                    "未能清除未完成的练习",
                    "Cannot clear the unfinished attempt",
                    |l| e.message(l),
                );
            }
            next.set(Screen::Home);
            continue;
        }
        let Some(active) = attempt.0.as_mut() else {
            continue;
        };
        let session = &mut active.session;
        let result = match action {
            Action::Choose(i) if !active.paused => session.choose(i + 1).map(|_| ()),
            Action::Continue if !active.paused => match session.phase() {
                Phase::Feedback => session.proceed(),
                Phase::Ended => {
                    next.set(Screen::Debrief);
                    Ok(())
                }
                Phase::Choosing => Ok(()),
            },
            Action::Retry if !active.paused => session.retry(),
            Action::Pause => {
                active.paused = true;
                active.clock.pause();
                Ok(())
            }
            Action::Resume => {
                active.paused = false;
                if !session.is_over() {
                    active.clock.resume();
                }
                Ok(())
            }
            _ => Ok(()),
        };
        let changed = result.is_ok() && matches!(action, Action::Choose(_) | Action::Retry);
        active.problem = result.err();
        // After every turn the attempt so far is saved, so that a crash loses nothing.
        if changed
            && !active.session.is_over()
            && let Some(t) = &signed_in.0
        {
            let progress = progress_of_session(
                t.id,
                &active.session,
                active.started_at,
                active.clock.elapsed().as_secs(),
            );
            if let Err(e) = records.db.save_progress(&progress) {
                notices.failed(
                    "未能保存练习进度",
                    "Cannot save how far the attempt has got",
                    |l| e.message(l),
                );
            }
        }
    }
}

/// Writes the record once the ending is reached (nothing for guests).
fn record_when_over(
    mut attempt: ResMut<Attempt>,
    signed_in: Res<SignedIn>,
    records: Res<RecordsStore>,
    mut notices: ResMut<Notices>,
) {
    let Some(active) = attempt.0.as_mut() else {
        return;
    };
    if active.recorded || !active.session.is_over() {
        return;
    }
    active.recorded = true;
    active.clock.pause();
    let Some(trainee) = &signed_in.0 else {
        return;
    };
    let record = record_of_session(
        trainee.id,
        &active.session,
        active.started_at,
        active.clock.elapsed().as_secs(),
    );
    if let Err(e) = records.db.save_attempt(&record) {
        notices.failed(
            "成绩未能保存",
            "The attempt could not be recorded",
            |l| e.message(l),
        );
    }
}

fn view(
    mut view: ScreenView,
    attempt: Res<Attempt>,
    mut settings_window: ResMut<SettingsWindow>,
    mut actions: MessageWriter<Action>,
    mut quit: MessageWriter<AppExit>,
) -> Result {
    let (ctx, mut root, lang) = view.begin("role_play")?;
    let Some(active) = attempt.0.as_ref() else {
        return Ok(());
    };
    let session = &active.session;
    let catalogue = session.analysis().catalogue.clone();
    let practice = session.mode() == Mode::Practice;

    // Keys: 1–9 choose, Enter continues, R takes a reply back, H shows the hint, Esc pauses.
    let mut show_hint = false;
    if !ctx.egui_wants_keyboard_input() && !settings_window.open {
        ctx.input(|i| {
            if i.key_pressed(egui::Key::Escape) {
                actions.write(if active.paused {
                    Action::Resume
                } else {
                    Action::Pause
                });
            }
            if active.paused {
                return;
            }
            const DIGITS: [egui::Key; 9] = [
                egui::Key::Num1,
                egui::Key::Num2,
                egui::Key::Num3,
                egui::Key::Num4,
                egui::Key::Num5,
                egui::Key::Num6,
                egui::Key::Num7,
                egui::Key::Num8,
                egui::Key::Num9,
            ];
            if session.phase() == Phase::Choosing {
                for (n, key) in DIGITS.iter().enumerate() {
                    if i.key_pressed(*key) && session.prompt().is_some_and(|p| n < p.offered.len())
                    {
                        actions.write(Action::Choose(n));
                    }
                }
                show_hint = practice && i.key_down(egui::Key::H);
            }
            if i.key_pressed(egui::Key::Enter) && session.phase() != Phase::Choosing {
                actions.write(Action::Continue);
            }
            if i.key_pressed(egui::Key::R) && practice && session.phase() == Phase::Feedback {
                actions.write(Action::Retry);
            }
        });
    }

    egui::Panel::left("customer")
        .resizable(false)
        .exact_size(300.0)
        .show(&mut root, |ui| {
            customer_card(ui, active, &catalogue, lang);
            ui.add_space(12.0);
            ui.horizontal(|ui| {
                if ui
                    .button(tr(lang, "⏸ 暂停 (Esc)", "⏸ Pause (Esc)"))
                    .clicked()
                {
                    actions.write(Action::Pause);
                }
            });
        });

    egui::Panel::bottom("replies")
        .resizable(false)
        .show(&mut root, |ui| {
            ui.add_space(6.0);
            match session.phase() {
                Phase::Choosing => replies(ui, active, &catalogue, lang, show_hint, &mut actions),
                Phase::Feedback => {
                    if let Some(turn) = session.last_turn() {
                        egui::ScrollArea::vertical()
                            .id_salt("coaching")
                            .max_height(ui.ctx().content_rect().height() * 0.4)
                            .show(ui, |ui| coaching_panel(ui, turn, &catalogue, lang));
                    }
                    ui.horizontal(|ui| {
                        if ui
                            .button(
                                egui::RichText::new(tr(lang, "继续 (Enter)", "Continue (Enter)"))
                                    .strong(),
                            )
                            .clicked()
                        {
                            actions.write(Action::Continue);
                        }
                        if ui
                            .button(tr(lang, "重试这一步 (R)", "Try this turn again (R)"))
                            .clicked()
                        {
                            actions.write(Action::Retry);
                        }
                    });
                }
                Phase::Ended => {
                    if let Some(ending) = &session.transcript().ending {
                        ui.label(egui::RichText::new(ending.title.get(lang)).heading().color(
                            tone(
                                ui,
                                matches!(ending.outcome, crate::scenario::Outcome::Resolved),
                            ),
                        ));
                    }
                    if ui
                        .button(
                            egui::RichText::new(tr(
                                lang,
                                "查看讲评 (Enter)",
                                "See the debrief (Enter)",
                            ))
                            .strong(),
                        )
                        .clicked()
                    {
                        actions.write(Action::Continue);
                    }
                }
            }
            if let Some(problem) = &active.problem {
                ui.colored_label(ui.visuals().error_fg_color, problem.message(lang));
            }
            ui.add_space(6.0);
        });

    egui::CentralPanel::default().show(&mut root, |ui| {
        conversation(ui, active, &catalogue, lang);
    });

    if active.paused {
        egui::Modal::new(egui::Id::new("pause")).show(&ctx, |ui| {
            ui.set_width(320.0);
            ui.heading(tr(lang, "已暂停", "Paused"));
            ui.label(tr(lang, "计时已停止。", "The clock is stopped."));
            ui.add_space(8.0);
            if ui
                .button(tr(lang, "继续练习 (Esc)", "Resume (Esc)"))
                .clicked()
            {
                actions.write(Action::Resume);
            }
            if ui.button(tr(lang, "设置 (F3)", "Settings (F3)")).clicked() {
                settings_window.open = true;
            }
            if ui
                .button(tr(
                    lang,
                    "放弃本次练习，返回列表",
                    "Abandon this attempt and go back",
                ))
                .clicked()
            {
                actions.write(Action::Abandon);
            }
            if ui.button(tr(lang, "退出程序", "Quit")).clicked() {
                quit.write(AppExit::Success);
            }
        });
    }
    Ok(())
}

fn customer_card(ui: &mut egui::Ui, active: &ActiveAttempt, catalogue: &Catalogue, lang: Lang) {
    let scenario = &active.scenario;
    let session = &active.session;
    let persona = catalogue.persona(session.analysis().persona);
    ui.heading(scenario.customer.name.get(lang));
    wrapped_label(ui, scenario.customer.car.get(lang));
    let width = ui.available_width();
    let complaint = fit_lines(
        ui,
        scenario.customer.complaint.get(lang),
        egui::TextStyle::Body,
        width,
    );
    ui.label(egui::RichText::new(complaint).italics());
    ui.horizontal_wrapped(|ui| {
        ui.weak(tr(lang, "客户类型：", "Behaviour type:"));
        ui.label(persona.name.get(lang))
            .on_hover_text(persona.description.get(lang));
    });
    ui.separator();
    let now = session.customer();
    let before = session.last_turn().map(|t| &t.before);
    let (mood_change, trust_change) = match (session.phase(), before) {
        (Phase::Choosing, _) | (_, None) => (0, 0),
        (_, Some(b)) => (
            i32::from(now.mood) - i32::from(b.mood),
            i32::from(now.trust) - i32::from(b.trust),
        ),
    };
    meter(ui, tr(lang, "不满", "Anger"), now.mood, mood_change, false);
    meter(ui, tr(lang, "信任", "Trust"), now.trust, trust_change, true);
    ui.separator();
    ui.horizontal(|ui| {
        ui.weak(tr(lang, "用时", "Time"));
        ui.label(egui::RichText::new(clock_text(active.clock.elapsed())).monospace());
        ui.weak(tr(lang, "回合", "Turn"));
        ui.label(format!(
            "{}",
            session.transcript().turns.len() + usize::from(session.phase() == Phase::Choosing)
        ));
    });
    if let Some(prompt) = session.prompt()
        && let Some(step) = catalogue.steps.iter().find(|s| s.id == prompt.step)
    {
        ui.horizontal_wrapped(|ui| {
            ui.weak(tr(lang, "处理步骤：", "Handling step:"));
            ui.label(step.name.get(lang));
        });
    }
    ui.horizontal_wrapped(|ui| {
        ui.weak(tr(lang, "方式：", "Mode:"));
        ui.label(match session.mode() {
            Mode::Practice => tr(lang, "练习", "Practice"),
            Mode::Assessment => tr(lang, "考核", "Assessment"),
        });
    });
}

/// Everything said so far, newest at the bottom.
fn conversation(ui: &mut egui::Ui, active: &ActiveAttempt, catalogue: &Catalogue, lang: Lang) {
    let session = &active.session;
    let practice = session.mode() == Mode::Practice;
    let customer = active.scenario.customer.name.get(lang);
    let you = tr(lang, "你", "You");
    egui::ScrollArea::vertical()
        .id_salt("conversation")
        .stick_to_bottom(true)
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for turn in &session.transcript().turns {
                speech(ui, customer, turn.say.get(lang), None);
                let labels = if practice {
                    technique_names(&turn.techniques, catalogue, lang)
                } else {
                    String::new()
                };
                speech(ui, you, turn.chosen_text.get(lang), Some(&labels));
                if let Some(react) = &turn.react {
                    speech(ui, customer, react.get(lang), None);
                }
            }
            match (
                session.phase(),
                session.prompt(),
                &session.transcript().ending,
            ) {
                (Phase::Choosing, Some(prompt), _) => {
                    speech(ui, customer, prompt.say.get(lang), None)
                }
                (Phase::Ended, _, Some(ending)) => speech(ui, customer, ending.say.get(lang), None),
                _ => {}
            }
        });
}

/// One speech bubble: the customer's on the left, the trainee's on the right (with the
/// techniques of the reply underneath, in practice mode); narration centred, without a bubble.
fn speech(ui: &mut egui::Ui, who: &str, said: &str, trainee_labels: Option<&str>) {
    if is_narration(said) {
        ui.vertical_centered(|ui| {
            ui.set_max_width(ui.available_width() * 0.8);
            ui.label(egui::RichText::new(said.trim()).italics().weak());
        });
        ui.add_space(6.0);
        return;
    }
    let visuals = ui.visuals().clone();
    let trainee = trainee_labels.is_some();
    let fill = if trainee {
        visuals.selection.bg_fill.gamma_multiply(0.25)
    } else {
        visuals.faint_bg_color
    };
    let layout = if trainee {
        egui::Layout::top_down(egui::Align::Max)
    } else {
        egui::Layout::top_down(egui::Align::Min)
    };
    let max_width = ui.available_width() * 0.66;
    ui.with_layout(layout, |ui| {
        egui::Frame::new()
            .fill(fill)
            .stroke(visuals.widgets.noninteractive.bg_stroke)
            .corner_radius(8.0)
            .inner_margin(egui::Margin::symmetric(12, 8))
            .show(ui, |ui| {
                ui.set_max_width(max_width);
                ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                    ui.strong(who);
                    wrapped_label(ui, said);
                    if let Some(labels) = trainee_labels.filter(|l| !l.is_empty()) {
                        ui.label(egui::RichText::new(labels).small().weak());
                    }
                });
            });
    });
    ui.add_space(6.0);
}

fn technique_names(ids: &[String], catalogue: &Catalogue, lang: Lang) -> String {
    ids.iter()
        .map(|id| {
            catalogue
                .technique_by_id(id)
                .map_or(id.as_str(), |t| catalogue.technique(t).name.get(lang))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The replies on offer, numbered as the keys that choose them.
fn replies(
    ui: &mut egui::Ui,
    active: &ActiveAttempt,
    catalogue: &Catalogue,
    lang: Lang,
    show_hint: bool,
    actions: &mut MessageWriter<Action>,
) {
    let session = &active.session;
    let Some(prompt) = session.prompt() else {
        return;
    };
    let practice = session.mode() == Mode::Practice;
    let hint = if show_hint {
        session.hint().ok().flatten()
    } else {
        None
    };
    ui.horizontal(|ui| {
        ui.strong(tr(
            lang,
            "你的回应（按数字键选择）",
            "Your reply (press its number)",
        ));
        if practice {
            ui.weak(tr(lang, "按住 H 查看提示", "Hold H for a hint"));
        }
    });
    for (n, offered) in prompt.offered.iter().enumerate() {
        let padding = ui.spacing().button_padding.x * 2.0;
        let width = ui.available_width() - padding;
        let reply = format!("{}.  {}", n + 1, offered.text.get(lang));
        let mut text = fit_lines(ui, &reply, egui::TextStyle::Button, width);
        if practice {
            text.push_str("\n      ");
            text.push_str(&technique_names(&offered.techniques, catalogue, lang));
        }
        let mut button = egui::Button::new(egui::RichText::new(text)).wrap();
        if hint == Some(n + 1) {
            button = button.selected(true);
        }
        let width = ui.available_width();
        if ui.add(button.min_size(egui::vec2(width, 0.0))).clicked() {
            actions.write(Action::Choose(n));
        }
    }
}
