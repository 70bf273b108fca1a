//! Trainer-only changes from the dashboard: rename, archive or move a trainee, create a cohort.

use bevy::prelude::*;
use bevy_egui::egui;

use super::dashboard::{Dashboard, Scope};
use crate::app::state::{Notices, Prefs, RecordsStore};
use crate::app::widgets::{date_field, tr};
use crate::records::{Cohort, Trainee};
use crate::scenario::Lang;

/// What is typed in the management forms, and why the last change was refused.
#[derive(Resource, Debug, Default)]
pub struct ManageForms {
    /// The trainee the rename field was filled for.
    pub for_trainee: Option<i64>,
    pub name: String,
    pub cohort: Cohort,
    pub starts: String,
    pub ends: String,
    pub error: Option<String>,
}

/// A change a trainer asks for.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum ManageAction {
    Rename { trainee: i64, name: String },
    Archive { trainee: i64, archived: bool },
    MoveTo { trainee: i64, cohort: String },
    AddCohort(Cohort),
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ManageForms>();
    app.add_message::<ManageAction>();
    app.add_systems(Update, handle.run_if(on_message::<ManageAction>));
}

fn handle(
    mut actions: MessageReader<ManageAction>,
    records: Res<RecordsStore>,
    prefs: Res<Prefs>,
    mut dashboard: ResMut<Dashboard>,
    mut forms: ResMut<ManageForms>,
    mut notices: ResMut<Notices>,
) {
    let lang = prefs.0.lang;
    for action in actions.read() {
        // Only the trainer area may change records.
        if dashboard.scope != Scope::Trainer {
            continue;
        }
        let db = &records.db;
        let result = match action {
            ManageAction::Rename { trainee, name } => db.rename_trainee(*trainee, name).map(|_| ()),
            ManageAction::Archive { trainee, archived } => {
                db.set_archived(*trainee, *archived).map(|_| ())
            }
            ManageAction::MoveTo { trainee, cohort } => db.set_cohort(*trainee, cohort).map(|_| ()),
            ManageAction::AddCohort(cohort) => db.add_cohort(cohort).map(|c| {
                notices.push(
                    format!("已新建班级 {}", c.name),
                    format!("Cohort {} created", c.name),
                );
                *forms = ManageForms::default();
            }),
        };
        match result {
            Ok(()) => {
                forms.error = None;
                forms.for_trainee = None;
                dashboard.stale = true;
            }
            Err(e) => forms.error = Some(e.message(lang)),
        }
    }
}

/// Rename, move and archive controls for one trainee.
pub fn trainee_controls(
    ui: &mut egui::Ui,
    trainee: &Trainee,
    cohorts: &[Cohort],
    forms: &mut ManageForms,
    lang: Lang,
    actions: &mut MessageWriter<ManageAction>,
) {
    if forms.for_trainee != Some(trainee.id) {
        forms.for_trainee = Some(trainee.id);
        forms.name = trainee.name.clone();
        forms.error = None;
    }
    egui::CollapsingHeader::new(tr(lang, "管理学员", "Manage this trainee"))
        .id_salt("manage_trainee")
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(tr(lang, "姓名", "Name"));
                ui.add(egui::TextEdit::singleline(&mut forms.name).desired_width(200.0));
                if ui.button(tr(lang, "改名", "Rename")).clicked() {
                    actions.write(ManageAction::Rename {
                        trainee: trainee.id,
                        name: forms.name.clone(),
                    });
                }
                ui.separator();
                ui.label(tr(lang, "班级", "Cohort"));
                let mut chosen = trainee.cohort.clone();
                egui::ComboBox::from_id_salt("manage_cohort")
                    .selected_text(if chosen.is_empty() {
                        "–".to_string()
                    } else {
                        chosen.clone()
                    })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut chosen, String::new(), "–");
                        for c in cohorts {
                            ui.selectable_value(&mut chosen, c.name.clone(), &c.name);
                        }
                    });
                if chosen != trainee.cohort {
                    actions.write(ManageAction::MoveTo {
                        trainee: trainee.id,
                        cohort: chosen,
                    });
                }
                ui.separator();
                let (label, archived) = if trainee.archived {
                    (
                        tr(
                            lang,
                            "恢复（重新出现在登录列表）",
                            "Unarchive (back on the sign-in list)",
                        ),
                        false,
                    )
                } else {
                    (
                        tr(
                            lang,
                            "归档（记录保留，不再出现在登录列表）",
                            "Archive (records kept, off the sign-in list)",
                        ),
                        true,
                    )
                };
                if ui.button(label).clicked() {
                    actions.write(ManageAction::Archive {
                        trainee: trainee.id,
                        archived,
                    });
                }
            });
            if let Some(error) = &forms.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
}

/// The form that creates a cohort.
pub fn new_cohort_form(
    ui: &mut egui::Ui,
    forms: &mut ManageForms,
    lang: Lang,
    actions: &mut MessageWriter<ManageAction>,
) {
    egui::CollapsingHeader::new(tr(lang, "新建班级", "New cohort"))
        .id_salt("new_cohort")
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(tr(lang, "名称", "Name"));
                ui.add(egui::TextEdit::singleline(&mut forms.cohort.name).desired_width(160.0));
                ui.label(tr(lang, "培训师", "Trainer"));
                ui.add(egui::TextEdit::singleline(&mut forms.cohort.trainer).desired_width(120.0));
                ui.label(tr(lang, "开始", "Starts"));
                ui.add(
                    egui::TextEdit::singleline(&mut forms.starts)
                        .hint_text("YYYY-MM-DD")
                        .desired_width(110.0),
                );
                ui.label(tr(lang, "结束", "Ends"));
                ui.add(
                    egui::TextEdit::singleline(&mut forms.ends)
                        .hint_text("YYYY-MM-DD")
                        .desired_width(110.0),
                );
                if ui.button(tr(lang, "新建", "Create")).clicked() {
                    match (
                        date_field(&forms.starts, lang),
                        date_field(&forms.ends, lang),
                    ) {
                        (Ok(starts), Ok(ends)) => {
                            actions.write(ManageAction::AddCohort(Cohort {
                                starts,
                                ends,
                                ..forms.cohort.clone()
                            }));
                        }
                        (Err(e), _) | (_, Err(e)) => forms.error = Some(e),
                    }
                }
            });
            if let Some(error) = &forms.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
}
