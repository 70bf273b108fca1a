//! The frame around every screen: title bar (trainee, language, settings) and notices.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, ViewSet};
use crate::app::settings::SettingsWindow;
use crate::app::state::{Action, Notices, Prefs, ScenarioLibrary, SignedIn};
use crate::app::widgets::{screen_ui, tr};
use crate::scenario::Lang;

/// The part of the window left for the screen once the frame has taken its bars.
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct ScreenArea(pub Option<egui::Rect>);

/// What every screen's view starts from: the egui context, its area, and the settings.
#[derive(SystemParam)]
pub struct ScreenView<'w, 's> {
    contexts: EguiContexts<'w, 's>,
    area: Res<'w, ScreenArea>,
    pub prefs: ResMut<'w, Prefs>,
}

impl ScreenView<'_, '_> {
    /// The context, a root `Ui` over the screen's area, and the language on show.
    pub fn begin(&mut self, id: &'static str) -> Result<(egui::Context, egui::Ui, Lang)> {
        let ctx = self.contexts.ctx_mut()?.clone();
        let root = screen_ui(&ctx, self.area.0, id);
        Ok((ctx, root, self.prefs.0.lang))
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ScreenArea>();
    app.add_systems(EguiPrimaryContextPass, frame.in_set(ViewSet::Chrome));
    app.add_systems(Update, handle_language.run_if(on_message::<Action>));
}

fn handle_language(mut actions: MessageReader<Action>, mut prefs: ResMut<Prefs>) {
    for action in actions.read() {
        if let Action::SetLang(lang) = action
            && prefs.0.lang != *lang
        {
            prefs.0.lang = *lang;
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "a system's parameters are its inputs"
)]
fn frame(
    mut contexts: EguiContexts,
    prefs: Res<Prefs>,
    signed_in: Res<SignedIn>,
    screen: Res<State<Screen>>,
    library: Res<ScenarioLibrary>,
    mut notices: ResMut<Notices>,
    mut settings_window: ResMut<SettingsWindow>,
    mut area: ResMut<ScreenArea>,
    mut actions: MessageWriter<Action>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let lang = prefs.0.lang;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "frame".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );

    // Shortcuts that work on every screen, unless a text field is being typed into.
    if !ctx.egui_wants_keyboard_input() {
        let (f2, f3) = ctx.input(|i| (i.key_pressed(egui::Key::F2), i.key_pressed(egui::Key::F3)));
        if f2 {
            actions.write(Action::SetLang(other(lang)));
        }
        if f3 {
            settings_window.open = !settings_window.open;
        }
    }

    egui::Panel::top("title_bar").show(&mut root, |ui| {
        ui.horizontal(|ui| {
            ui.heading(tr(lang, "投诉处理情景演练", "Complaint Handling Role Play"));
            ui.separator();
            let who = match (&signed_in.0, screen.get()) {
                (_, Screen::SignIn) => String::new(),
                (None, Screen::Dashboard) => {
                    tr(lang, "培训师 / 人事专区", "Trainer and HR area").to_string()
                }
                (Some(t), _) => t.label(),
                (None, _) => tr(lang, "访客（不记录）", "Guest (nothing recorded)").to_string(),
            };
            ui.label(who);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button(tr(lang, "⚙ 设置 (F3)", "⚙ Settings (F3)"))
                    .clicked()
                {
                    settings_window.open = !settings_window.open;
                }
                let switch = match lang {
                    Lang::Zh => "English (F2)",
                    Lang::En => "中文 (F2)",
                };
                if ui.button(switch).clicked() {
                    actions.write(Action::SetLang(other(lang)));
                }
                let problems = library.problems().count();
                if problems > 0 {
                    let text = match lang {
                        Lang::Zh => format!("⚠ {problems} 个情景文件问题"),
                        Lang::En if problems == 1 => "⚠ 1 scenario file problem".to_string(),
                        Lang::En => format!("⚠ {problems} scenario file problems"),
                    };
                    if ui
                        .button(egui::RichText::new(text).color(ui.visuals().warn_fg_color))
                        .clicked()
                    {
                        settings_window.show_problems = true;
                    }
                }
            });
        });
    });

    if !notices.0.is_empty() {
        let mut dismiss = false;
        egui::Panel::bottom("notices").show(&mut root, |ui| {
            ui.horizontal_wrapped(|ui| {
                if let Some(last) = notices.0.last() {
                    ui.colored_label(ui.visuals().warn_fg_color, last.text(lang));
                }
                if ui.button(tr(lang, "知道了", "Dismiss")).clicked() {
                    dismiss = true;
                }
            });
        });
        if dismiss {
            notices.0.pop();
        }
    }

    area.0 = Some(root.available_rect_before_wrap());
    Ok(())
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    }
}
