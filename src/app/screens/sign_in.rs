//! Sign-in: pick a registered trainee, register a new one, or practise as a guest.

use bevy::prelude::*;
use bevy_egui::{EguiPrimaryContextPass, egui};

use super::chrome::ScreenView;
use super::{Screen, ViewSet};
use crate::app::state::{Action, Notices, Prefs, RecordsStore, SignedIn};
use crate::app::widgets::tr;
use crate::records::{RecordsError, Trainee};

/// What is typed into the registration form, and why it was refused.
#[derive(Resource, Debug, Default)]
pub struct SignInForm {
    pub draft: Trainee,
    pub error: Option<String>,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<SignInForm>();
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

fn handle_actions(
    mut actions: MessageReader<Action>,
    mut records: ResMut<RecordsStore>,
    mut signed_in: ResMut<SignedIn>,
    mut form: ResMut<SignInForm>,
    mut prefs: ResMut<Prefs>,
    mut notices: ResMut<Notices>,
    mut next: ResMut<NextState<Screen>>,
) {
    let lang = prefs.0.lang;
    for action in actions.read() {
        match action {
            Action::SignIn(employee_no) => {
                match records
                    .0
                    .trainees()
                    .into_iter()
                    .find(|t| &t.employee_no == employee_no)
                {
                    Some(t) => {
                        prefs.0.last_trainee = Some(t.employee_no.clone());
                        signed_in.0 = Some(t);
                        next.set(Screen::Home);
                    }
                    None => notices.push(match lang {
                        crate::scenario::Lang::Zh => {
                            format!("没有员工编号为 {employee_no} 的学员。")
                        }
                        crate::scenario::Lang::En => {
                            format!("No trainee has employee number {employee_no}.")
                        }
                    }),
                }
            }
            Action::Register(draft) => match records.0.add_trainee(draft) {
                Ok(t) => {
                    form.draft = Trainee::default();
                    form.error = None;
                    prefs.0.last_trainee = Some(t.employee_no.clone());
                    signed_in.0 = Some(t);
                    next.set(Screen::Home);
                }
                Err(RecordsError::Trainee(e)) => form.error = Some(e.message(lang)),
                Err(e) => form.error = Some(e.to_string()),
            },
            Action::Guest => {
                signed_in.0 = None;
                next.set(Screen::Home);
            }
            Action::SignOut => {
                signed_in.0 = None;
                next.set(Screen::SignIn);
            }
            _ => {}
        }
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
    let trainees = records.0.trainees();
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
                    if trainees.is_empty() {
                        ui.weak(tr(
                            lang,
                            "还没有学员，请在右侧登记。",
                            "None yet: register on the right.",
                        ));
                    }
                    for t in &trainees {
                        let last =
                            view.prefs.0.last_trainee.as_deref() == Some(t.employee_no.as_str());
                        let label =
                            format!("{} · {} · {} {}", t.name, t.employee_no, t.site, t.cohort);
                        let button = egui::Button::new(label).selected(last);
                        if ui.add(button).clicked() {
                            actions.write(Action::SignIn(t.employee_no.clone()));
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
                });
                cols[1].group(|ui| {
                    ui.strong(tr(lang, "登记新学员", "Register a trainee"));
                    let mut submit = false;
                    egui::Grid::new("register")
                        .num_columns(2)
                        .spacing([8.0, 8.0])
                        .show(ui, |ui| {
                            let rows: [(&str, &mut String); 4] = [
                                (tr(lang, "姓名 *", "Name *"), &mut form.draft.name),
                                (
                                    tr(lang, "员工编号 *", "Employee number *"),
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
