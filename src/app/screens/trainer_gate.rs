//! The door to the trainer/HR area: a password set on first use, then asked for every time.

use bevy::prelude::*;
use bevy_egui::{EguiPrimaryContextPass, egui};

use super::ViewSet;
use super::dashboard::{DashboardAction, Scope};
use crate::app::state::{Action, Prefs, RecordsStore};
use crate::app::widgets::tr;
use crate::records::password::{self, PasswordError};
use crate::scenario::Lang;

/// The password window. What is typed is cleared as soon as it has been checked.
#[derive(Resource, Debug, Default)]
pub struct TrainerGate {
    pub open: bool,
    pub password: String,
    pub again: String,
    pub error: Option<String>,
    /// Set when the window opens: whether a password exists yet.
    pub first_use: bool,
}

/// What the window asks for.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum GateAction {
    Submit,
    Cancel,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<TrainerGate>();
    app.add_message::<GateAction>();
    app.add_systems(
        Update,
        (
            open_gate.run_if(on_message::<Action>),
            handle_gate.run_if(on_message::<GateAction>),
        ),
    );
    app.add_systems(
        EguiPrimaryContextPass,
        view.in_set(ViewSet::Screen).after(ViewSet::Chrome),
    );
}

fn open_gate(
    mut actions: MessageReader<Action>,
    mut gate: ResMut<TrainerGate>,
    records: Res<RecordsStore>,
) {
    for action in actions.read() {
        // Without the records file there is nothing to show, and a password set now would be
        // forgotten when the app closes.
        if *action == Action::OpenDashboard && records.problem.is_none() {
            *gate = TrainerGate {
                open: true,
                first_use: !password::is_set(&records.db).unwrap_or(false),
                ..TrainerGate::default()
            };
        }
    }
}

fn message(e: &PasswordError, lang: Lang) -> String {
    match lang {
        Lang::Zh => e.message_zh(),
        Lang::En => {
            let s = e.to_string();
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

fn handle_gate(
    mut actions: MessageReader<GateAction>,
    mut gate: ResMut<TrainerGate>,
    records: Res<RecordsStore>,
    prefs: Res<Prefs>,
    mut dashboard: MessageWriter<DashboardAction>,
) {
    for action in actions.read() {
        if *action == GateAction::Cancel {
            *gate = TrainerGate::default();
            continue;
        }
        let result = if gate.first_use {
            password::set_first(&records.db, &gate.password, &gate.again)
        } else {
            password::verify(&records.db, &gate.password)
        };
        gate.password.clear();
        gate.again.clear();
        match result {
            Ok(()) => {
                *gate = TrainerGate::default();
                dashboard.write(DashboardAction::Open(Scope::Trainer));
            }
            Err(e) => gate.error = Some(message(&e, prefs.0.lang)),
        }
    }
}

fn view(
    mut contexts: bevy_egui::EguiContexts,
    mut gate: ResMut<TrainerGate>,
    prefs: Res<Prefs>,
    mut actions: MessageWriter<GateAction>,
) -> Result {
    if !gate.open {
        return Ok(());
    }
    let lang = prefs.0.lang;
    let ctx = contexts.ctx_mut()?;
    let gate = &mut *gate;
    let mut submit = false;
    egui::Modal::new(egui::Id::new("trainer_gate")).show(ctx, |ui| {
        ui.set_width(420.0);
        ui.heading(tr(lang, "培训师 / 人事专区", "Trainer and HR area"));
        if gate.first_use {
            ui.label(tr(
                lang,
                "第一次使用：请设置培训师密码（至少 8 个字符）。密码只以不可逆的散列形式保存。",
                "First use: set the trainer password (at least 8 characters). Only an irreversible hash of it is kept.",
            ));
        } else {
            ui.label(tr(lang, "请输入培训师密码。", "Enter the trainer password."));
        }
        let first = ui.add(
            egui::TextEdit::singleline(&mut gate.password)
                .password(true)
                .hint_text(tr(lang, "密码", "Password")),
        );
        if !first.has_focus() && gate.password.is_empty() && gate.again.is_empty() {
            first.request_focus();
        }
        let mut enter = first.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if gate.first_use {
            let again = ui.add(
                egui::TextEdit::singleline(&mut gate.again)
                    .password(true)
                    .hint_text(tr(lang, "再输入一次", "Again")),
            );
            enter = again.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        }
        if let Some(error) = &gate.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.horizontal(|ui| {
            let label = if gate.first_use {
                tr(lang, "设置并进入", "Set and open")
            } else {
                tr(lang, "进入", "Open")
            };
            if ui.button(label).clicked() || enter {
                submit = true;
            }
            if ui.button(tr(lang, "取消 (Esc)", "Cancel (Esc)")).clicked()
                || ui.input(|i| i.key_pressed(egui::Key::Escape))
            {
                actions.write(GateAction::Cancel);
            }
        });
    });
    if submit {
        actions.write(GateAction::Submit);
    }
    Ok(())
}
