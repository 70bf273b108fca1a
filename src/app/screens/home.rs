//! Home: the scenarios as cards, filters, behaviour-type override, mode, and start.

use std::collections::HashMap;

use bevy::prelude::*;
use bevy_egui::{EguiPrimaryContextPass, egui};

use super::chrome::ScreenView;
use super::dashboard::{DashboardAction, Scope};
use super::{Screen, ViewSet};
use crate::app::state::{Action, RecordsStore, ScenarioLibrary, SignedIn, Unfinished};
use crate::app::widgets::{fit_lines, tr, wrapped_label};
use crate::records::InProgress;
use crate::roleplay::Mode;
use crate::scenario::{Catalogue, Lang, Scenario, ScenarioKind, count_en};

/// The filters and overrides chosen on the home screen.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct HomeFilters {
    pub kind: Option<ScenarioKind>,
    /// Only scenarios written for this behaviour type.
    pub persona: Option<String>,
    /// Play any scenario with this behaviour type instead of its own.
    pub persona_override: Option<String>,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<HomeFilters>();
    app.init_resource::<BestScores>();
    app.add_systems(OnEnter(Screen::Home), read_best_scores);
    app.add_systems(
        EguiPrimaryContextPass,
        view.in_set(ViewSet::Screen).run_if(in_state(Screen::Home)),
    );
}

/// The scenarios that pass the filters, in library order.
pub fn visible<'a>(
    scenarios: &'a [std::sync::Arc<Scenario>],
    catalogue: &Catalogue,
    filters: &HomeFilters,
) -> Vec<&'a Scenario> {
    scenarios
        .iter()
        .map(|s| s.as_ref())
        .filter(|s| filters.kind.is_none_or(|k| s.kind == k))
        .filter(|s| {
            filters
                .persona
                .as_deref()
                .is_none_or(|p| catalogue.persona(s.persona).id == p)
        })
        .collect()
}

/// The signed-in trainee's best total per scenario, read once when the home screen opens.
#[derive(Resource, Debug, Default)]
struct BestScores(HashMap<String, f64>);

fn read_best_scores(
    mut best: ResMut<BestScores>,
    records: Res<RecordsStore>,
    signed_in: Res<SignedIn>,
) {
    best.0 = signed_in
        .0
        .as_ref()
        .and_then(|t| records.db.best_scores(t.id).ok())
        .unwrap_or_default();
}

#[expect(
    clippy::too_many_arguments,
    reason = "a system: each parameter is a resource it uses"
)]
fn view(
    mut view: ScreenView,
    library: Res<ScenarioLibrary>,
    unfinished: Res<Unfinished>,
    signed_in: Res<SignedIn>,
    mut dashboard: MessageWriter<DashboardAction>,
    best: Res<BestScores>,
    mut filters: ResMut<HomeFilters>,
    mut actions: MessageWriter<Action>,
) -> Result {
    let (_, mut root, lang) = view.begin("home")?;
    let best = &best.0;
    egui::CentralPanel::default().show(&mut root, |ui| {
        let Some(catalogue) = library.library.catalogue.clone() else {
            ui.heading(tr(
                lang,
                "无法载入情景目录",
                "The scenario catalogue could not be loaded",
            ));
            ui.label(tr(
                lang,
                "请点击上方的问题提示查看原因。",
                "Open the problems notice above to see why.",
            ));
            return;
        };
        if let Some(t) = &signed_in.0
            && ui.button(tr(lang, "我的成绩记录", "My records")).clicked()
        {
            dashboard.write(DashboardAction::Open(Scope::Own(t.id)));
        }
        if let Some(progress) = &unfinished.0 {
            unfinished_banner(ui, progress, &library, lang, &mut actions);
        }
        // Filters, behaviour type, mode.
        ui.horizontal_wrapped(|ui| {
            ui.strong(tr(lang, "显示：", "Show:"));
            ui.selectable_value(&mut filters.kind, None, tr(lang, "全部", "All"));
            ui.selectable_value(
                &mut filters.kind,
                Some(ScenarioKind::Case),
                tr(lang, "案例分析", "Case studies"),
            );
            ui.selectable_value(
                &mut filters.kind,
                Some(ScenarioKind::RolePlay),
                tr(lang, "角色演练", "Role plays"),
            );
            ui.separator();
            ui.strong(tr(lang, "客户类型：", "Behaviour type:"));
            persona_combo(
                ui,
                "persona_filter",
                &mut filters.persona,
                tr(lang, "全部", "All"),
                &catalogue,
                lang,
            );
        });
        ui.horizontal_wrapped(|ui| {
            ui.strong(tr(lang, "练习方式：", "Mode:"));
            ui.selectable_value(
                &mut view.prefs.0.mode,
                Mode::Practice,
                tr(
                    lang,
                    "练习（每步点评）",
                    "Practice (coaching after each reply)",
                ),
            );
            ui.selectable_value(
                &mut view.prefs.0.mode,
                Mode::Assessment,
                tr(
                    lang,
                    "考核（结束后讲评）",
                    "Assessment (feedback at the end)",
                ),
            );
            ui.separator();
            ui.strong(tr(lang, "扮演客户类型：", "Play the customer as:"));
            let as_written = tr(lang, "按情景设定", "As written");
            persona_combo(
                ui,
                "persona_override",
                &mut filters.persona_override,
                as_written,
                &catalogue,
                lang,
            );
        });
        ui.separator();
        let shown = visible(&library.library.scenarios, &catalogue, &filters);
        if shown.is_empty() {
            ui.label(tr(
                lang,
                "没有符合筛选条件的情景。",
                "No scenario matches these filters.",
            ));
        }
        let mode = view.prefs.0.mode;
        egui::ScrollArea::vertical().show(ui, |ui| {
            let columns = ((ui.available_width() / 400.0).floor() as usize).clamp(1, 4);
            for row in shown.chunks(columns) {
                ui.columns(columns, |cols| {
                    for (col, scenario) in cols.iter_mut().zip(row) {
                        // Columns justify text; ragged lines read better in a narrow card.
                        let ragged = egui::Layout::top_down(egui::Align::Min);
                        col.with_layout(ragged, |ui| {
                            card(
                                ui,
                                scenario,
                                &catalogue,
                                lang,
                                best.get(&scenario.id).copied(),
                                &mut |s| {
                                    actions.write(Action::Start {
                                        scenario: s.to_string(),
                                        persona: filters.persona_override.clone(),
                                        mode,
                                    });
                                },
                            )
                        });
                    }
                });
                ui.add_space(8.0);
            }
        });
    });
    Ok(())
}

/// A drop-down of the behaviour types, with `none` for "no choice".
fn persona_combo(
    ui: &mut egui::Ui,
    id: &'static str,
    choice: &mut Option<String>,
    none: &str,
    catalogue: &Catalogue,
    lang: Lang,
) {
    let current = choice
        .as_deref()
        .and_then(|id| catalogue.persona_by_id(id))
        .map_or(none, |p| catalogue.persona(p).name.get(lang));
    egui::ComboBox::from_id_salt(id)
        .selected_text(current.to_string())
        .show_ui(ui, |ui| {
            ui.selectable_value(choice, None, none);
            for p in &catalogue.personas {
                ui.selectable_value(choice, Some(p.id.clone()), p.name.get(lang));
            }
        });
}

/// One scenario card with its start button.
fn card(
    ui: &mut egui::Ui,
    scenario: &Scenario,
    catalogue: &Catalogue,
    lang: Lang,
    best: Option<f64>,
    start: &mut dyn FnMut(&str),
) {
    egui::Frame::group(ui.style())
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.set_min_height(170.0);
            ui.set_width(ui.available_width());
            let width = ui.available_width();
            let title = fit_lines(
                ui,
                scenario.title.get(lang),
                egui::TextStyle::Heading,
                width,
            );
            ui.label(egui::RichText::new(title).heading());
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new(scenario.kind.label().get(lang)).strong());
                ui.label("·");
                ui.label(catalogue.persona(scenario.persona).name.get(lang));
                ui.label("·");
                let stars = "★".repeat(usize::from(scenario.difficulty))
                    + &"☆".repeat(3usize.saturating_sub(usize::from(scenario.difficulty)));
                ui.label(format!("{} {stars}", tr(lang, "难度", "Difficulty")));
            });
            wrapped_label(ui, scenario.summary.get(lang));
            ui.horizontal(|ui| {
                match best {
                    Some(b) => ui.label(format!("{} {b:.1}", tr(lang, "最佳成绩", "Best so far"))),
                    None => ui.weak(tr(lang, "尚未练习", "Not tried yet")),
                };
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui
                        .button(egui::RichText::new(tr(lang, "开始 ▶", "Start ▶")).strong())
                        .clicked()
                    {
                        start(&scenario.id);
                    }
                });
            });
            egui::CollapsingHeader::new(tr(lang, "培训师备注", "Trainer's notes"))
                .id_salt(("notes", &scenario.id))
                .show(ui, |ui| {
                    ui.strong(tr(lang, "目标", "Goals"));
                    for g in &scenario.notes.goals {
                        wrapped_label(ui, &format!("• {}", g.get(lang)));
                    }
                    ui.strong(tr(lang, "手册出处", "In the manual"));
                    wrapped_label(ui, scenario.notes.manual.get(lang));
                    ui.strong(tr(lang, "讨论题", "Discussion"));
                    for q in &scenario.notes.discussion {
                        wrapped_label(ui, &format!("• {}", q.get(lang)));
                    }
                });
        });
}

/// The offer to take up the attempt that was under way when the app last closed.
fn unfinished_banner(
    ui: &mut egui::Ui,
    progress: &InProgress,
    library: &ScenarioLibrary,
    lang: Lang,
    actions: &mut MessageWriter<Action>,
) {
    let t = &progress.transcript;
    let title = library
        .scenario(&t.scenario)
        .map_or_else(|| t.scenario.clone(), |s| s.title.get(lang).to_string());
    egui::Frame::group(ui.style())
        .fill(ui.visuals().faint_bg_color)
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.strong(tr(
                    lang,
                    "有一次未完成的练习：",
                    "An attempt was left unfinished:",
                ));
                ui.label(match lang {
                    Lang::Zh => format!("{title}，已完成 {} 轮", t.turns.len()),
                    Lang::En => {
                        format!("{title}, {} done", count_en(t.turns.len(), "turn", "turns"))
                    }
                });
                if ui.button(tr(lang, "继续练习", "Resume")).clicked() {
                    actions.write(Action::ResumeUnfinished);
                }
                if ui.button(tr(lang, "放弃", "Discard")).clicked() {
                    actions.write(Action::DiscardUnfinished);
                }
            });
        });
    ui.add_space(6.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Sources;

    #[test]
    fn filters_by_kind_and_behaviour_type() {
        let library = Sources::embedded().load();
        let catalogue = library.catalogue.clone().unwrap();
        let all = visible(&library.scenarios, &catalogue, &HomeFilters::default());
        assert_eq!(all.len(), library.scenarios.len());
        let cases = HomeFilters {
            kind: Some(ScenarioKind::Case),
            ..Default::default()
        };
        let shown = visible(&library.scenarios, &catalogue, &cases);
        assert!(!shown.is_empty() && shown.iter().all(|s| s.kind == ScenarioKind::Case));
        let angry = HomeFilters {
            persona: Some("angry".into()),
            ..Default::default()
        };
        let shown = visible(&library.scenarios, &catalogue, &angry);
        assert!(shown.iter().any(|s| s.id == "roleplay-angry-service"));
        assert!(
            shown
                .iter()
                .all(|s| catalogue.persona(s.persona).id == "angry")
        );
    }
}
