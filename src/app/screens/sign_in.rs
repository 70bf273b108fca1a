//! Sign-in: pick a registered trainee, register a new one, or practise as a guest.

use bevy::prelude::*;
use bevy_egui::{EguiPrimaryContextPass, egui};

use super::chrome::ScreenView;
use super::{Screen, ViewSet};
use crate::app::state::{Action, Notices, Prefs, RecordsStore, SignedIn, Unfinished};
use crate::app::widgets::tr;
use crate::records::Trainee;

/// What is typed into the registration form, why it was refused, and the trainees to offer.
#[derive(Resource, Debug, Default)]
pub struct SignInForm {
    pub draft: Trainee,
    pub error: Option<String>,
    /// Read when the screen opens and after a registration, not every frame.
    pub trainees: Vec<Trainee>,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<SignInForm>();
    app.add_systems(OnEnter(Screen::SignIn), read_trainees);
    app.add_systems(
        Update,
        handle_actions
            .run_if(in_state(Screen::SignIn).or_else(in_state(Screen::Home)))
            .run_if(on_message::<Action>),
    );
    app.add_systems(
        EguiPrimaryContextPass,
        view.in_set(ViewSet::Screen)
            .run_if(in_state(Screen::SignIn)),
    );
}

fn read_trainees(
    records: Res<RecordsStore>,
    mut form: ResMut<SignInForm>,
    mut notices: ResMut<Notices>,
) {
    match records.db.trainees(false) {
        Ok(list) => form.trainees = list,
        Err(e) => notices.failed(
            "无法读取学员名单",
            "Cannot read the list of trainees",
            |l| e.message(l),
        ),
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "a system: each parameter is a resource it uses"
)]
fn handle_actions(
    mut actions: MessageReader<Action>,
    records: Res<RecordsStore>,
    mut signed_in: ResMut<SignedIn>,
    mut unfinished: ResMut<Unfinished>,
    mut form: ResMut<SignInForm>,
    mut prefs: ResMut<Prefs>,
    mut notices: ResMut<Notices>,
    mut next: ResMut<NextState<Screen>>,
) {
    let lang = prefs.0.lang;
    for action in actions.read() {
        let trainee = match action {
            Action::SignIn(id) => match records.db.trainee(*id) {
                Ok(t) => t,
                Err(e) => {
                    notices.failed("无法登录", "Cannot sign in", |l| e.message(l));
                    continue;
                }
            },
            Action::Register(draft) => match records.db.add_trainee(draft) {
                Ok(t) => {
                    form.draft = Trainee::default();
                    form.error = None;
                    form.trainees.push(t.clone());
                    t
                }
                Err(e) => {
                    form.error = Some(e.message(lang));
                    continue;
                }
            },
            Action::Guest => {
                signed_in.0 = None;
                unfinished.0 = None;
                next.set(Screen::Home);
                continue;
            }
            Action::SignOut => {
                signed_in.0 = None;
                unfinished.0 = None;
                next.set(Screen::SignIn);
                continue;
            }
            _ => continue,
        };
        prefs.0.last_trainee = Some(trainee.id.to_string());
        unfinished.0 = match records.db.progress(trainee.id) {
            Ok(p) => p,
            Err(e) => {
                notices.failed(
                    "无法读取上次未完成的练习",
                    "Cannot read the attempt left unfinished last time",
                    |l| e.message(l),
                );
                None
            }
        };
        signed_in.0 = Some(trainee);
        next.set(Screen::Home);
    }
}

fn view(
    mut view: ScreenView,
    records: Res<RecordsStore>,
    mut form: ResMut<SignInForm>,
    mut actions: MessageWriter<Action>,
) -> Result {
    let (ctx, mut root, lang) = view.begin("sign_in")?;
    // One borrow of the resource, so the form's fields can be edited side by side.
    let form = &mut *form;
    let trainees = &form.trainees;
    let records_problem = records.problem.as_ref().map(|e| e.message(lang));
    let enter = ctx.input(|i| i.key_pressed(egui::Key::Enter));
    egui::CentralPanel::default().show(&mut root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.add_space(8.0);
            ui.heading(tr(lang, "请选择学员", "Who is practising?"));
            ui.label(tr(
                lang,
                "登记后，每次练习的成绩都会记在你的名下。",
                "Signed-in trainees have every attempt recorded under their name.",
            ));
            ui.add_space(8.0);
            ui.columns(2, |cols| {
                cols[0].group(|ui| {
                    ui.strong(tr(lang, "已登记的学员", "Registered trainees"));
                    if let Some(problem) = &records_problem {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            tr(
                                lang,
                                "记录文件无法使用，现在只能以访客身份练习，成绩不会保存。",
                                "The records cannot be used, so only guest practice is possible and nothing is saved.",
                            ),
                        );
                        ui.weak(problem);
                    } else if trainees.is_empty() {
                        ui.weak(tr(
                            lang,
                            "还没有学员，请在右侧登记。",
                            "None yet: register on the right.",
                        ));
                    }
                    for t in trainees {
                        let last = view.prefs.0.last_trainee.as_deref() == Some(t.id.to_string().as_str());
                        let extra: Vec<&str> = [t.site.as_str(), t.cohort.as_str()]
                            .into_iter()
                            .filter(|s| !s.is_empty())
                            .collect();
                        let label = if extra.is_empty() {
                            t.label()
                        } else {
                            format!("{} · {}", t.label(), extra.join(" "))
                        };
                        let button = egui::Button::new(label).selected(last);
                        if ui.add(button).clicked() {
                            actions.write(Action::SignIn(t.id));
                        }
                    }
                    ui.add_space(12.0);
                    ui.separator();
                    if ui
                        .button(tr(
                            lang,
                            "以访客身份练习（不记录成绩）",
                            "Practise as a guest (nothing recorded)",
                        ))
                        .clicked()
                    {
                        actions.write(Action::Guest);
                    }
                    ui.add_space(12.0);
                    if ui
                        .add_enabled(
                            records_problem.is_none(),
                            egui::Button::new(tr(lang, "培训师 / 人事专区…", "Trainer and HR area…")),
                        )
                        .on_disabled_hover_text(tr(
                            lang,
                            "成绩记录无法使用，因此没有可查看的记录。",
                            "The records cannot be used, so there is nothing to show.",
                        ))
                        .clicked()
                    {
                        actions.write(Action::OpenDashboard);
                    }
                });
                cols[1].group(|ui| {
                    if records_problem.is_some() {
                        // Nothing could be saved, so registering would only mislead.
                        ui.disable();
                    }
                    ui.strong(tr(lang, "登记新学员", "Register a trainee"));
                    let mut submit = false;
                    egui::Grid::new("register")
                        .num_columns(2)
                        .spacing([8.0, 8.0])
                        .show(ui, |ui| {
                            let rows: [(&str, &mut String); 4] = [
                                (tr(lang, "姓名 *", "Name *"), &mut form.draft.name),
                                (
                                    tr(lang, "员工编号", "Employee number"),
                                    &mut form.draft.employee_no,
                                ),
                                (tr(lang, "经销店", "Dealer / site"), &mut form.draft.site),
                                (tr(lang, "班级", "Cohort"), &mut form.draft.cohort),
                            ];
                            for (label, value) in rows {
                                ui.label(label);
                                let response =
                                    ui.add(egui::TextEdit::singleline(value).desired_width(240.0));
                                if response.lost_focus() && enter {
                                    submit = true;
                                }
                                ui.end_row();
                            }
                        });
                    if let Some(error) = &form.error {
                        ui.colored_label(ui.visuals().error_fg_color, error);
                    }
                    if ui
                        .button(tr(lang, "登记并开始", "Register and start"))
                        .clicked()
                    {
                        submit = true;
                    }
                    if submit {
                        actions.write(Action::Register(form.draft.clone()));
                    }
                });
            });
        });
    });
    Ok(())
}
