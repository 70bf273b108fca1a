//! Settings window (language, text size, projector theme) and the scenario problems panel.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::screens::ViewSet;
use super::state::{Action, DataDir, Notices, Prefs, ScenarioLibrary};
use super::widgets::tr;
use crate::prefs::{MAX_TEXT_SCALE, MIN_TEXT_SCALE};
use crate::scenario::Lang;

/// Which windows are open over the screen.
#[derive(Resource, Debug, Default)]
pub struct SettingsWindow {
    pub open: bool,
    pub show_problems: bool,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<SettingsWindow>();
    app.add_systems(Update, save_when_changed.run_if(resource_changed::<Prefs>));
    app.add_systems(
        EguiPrimaryContextPass,
        (settings_view, problems_view, text_size_keys).after(ViewSet::Screen),
    );
}

/// Every change is written at once, so nothing depends on a clean exit.
fn save_when_changed(
    prefs: Res<Prefs>,
    dir: Res<DataDir>,
    mut notices: ResMut<Notices>,
    mut last: Local<Option<crate::prefs::Settings>>,
) {
    if last.as_ref() == Some(&prefs.0) {
        return;
    }
    let first = last.is_none();
    *last = Some(prefs.0.clone());
    if first {
        // What was just loaded needs no saving.
        return;
    }
    if let Err(e) = prefs.0.save(&dir.0) {
        notices.push(e.message(Lang::Zh), e.message(Lang::En));
    }
}

/// Ctrl + and Ctrl − change the text size, Ctrl 0 resets it.
fn text_size_keys(mut contexts: EguiContexts, mut prefs: ResMut<Prefs>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let (bigger, smaller, reset) = ctx.input(|i| {
        let ctrl = i.modifiers.command;
        (
            ctrl && (i.key_pressed(egui::Key::Plus) || i.key_pressed(egui::Key::Equals)),
            ctrl && i.key_pressed(egui::Key::Minus),
            ctrl && i.key_pressed(egui::Key::Num0),
        )
    });
    let scale = prefs.0.text_scale;
    let wanted = if bigger {
        scale + 0.1
    } else if smaller {
        scale - 0.1
    } else if reset {
        1.0
    } else {
        return Ok(());
    };
    let wanted = (wanted * 10.0).round() / 10.0;
    prefs.0.text_scale = wanted.clamp(MIN_TEXT_SCALE, MAX_TEXT_SCALE);
    Ok(())
}

fn settings_view(
    mut contexts: EguiContexts,
    mut window: ResMut<SettingsWindow>,
    mut prefs: ResMut<Prefs>,
    dir: Res<DataDir>,
    mut actions: MessageWriter<Action>,
) -> Result {
    if !window.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let lang = prefs.0.lang;
    let mut open = window.open;
    egui::Window::new(tr(lang, "设置", "Settings"))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            egui::Grid::new("settings").num_columns(2).spacing([16.0, 10.0]).show(ui, |ui| {
                ui.label(tr(lang, "界面语言", "Language"));
                ui.horizontal(|ui| {
                    for l in Lang::ALL {
                        let name = match l {
                            Lang::Zh => "中文",
                            Lang::En => "English",
                        };
                        if ui.selectable_label(lang == l, name).clicked() {
                            actions.write(Action::SetLang(l));
                        }
                    }
                });
                ui.end_row();
                ui.label(tr(lang, "文字大小", "Text size"));
                let mut scale = prefs.0.text_scale;
                let slider = egui::Slider::new(&mut scale, MIN_TEXT_SCALE..=MAX_TEXT_SCALE)
                    .step_by(0.1)
                    .custom_formatter(|v, _| format!("{:.0}%", v * 100.0));
                // Applied on release, so the window does not resize under the pointer.
                let response = ui.add(slider);
                if response.drag_stopped() || (response.changed() && !response.dragged()) {
                    prefs.0.text_scale = scale;
                }
                ui.end_row();
                ui.label(tr(lang, "投影高对比度", "High-contrast projector theme"));
                let mut contrast = prefs.0.high_contrast;
                if ui.checkbox(&mut contrast, "").changed() {
                    prefs.0.high_contrast = contrast;
                }
                ui.end_row();
                ui.label(tr(lang, "数据文件夹", "Data folder"));
                ui.label(dir.0.display().to_string());
                ui.end_row();
            });
            ui.weak(tr(
                lang,
                "快捷键：F2 切换语言 · F3 设置 · Ctrl +/− 文字大小 · 1–9 选择回应 · Enter 继续 · R 重试 · Esc 暂停",
                "Keys: F2 language · F3 settings · Ctrl +/− text size · 1–9 choose · Enter continue · R retry · Esc pause",
            ));
        });
    window.open = open;
    Ok(())
}

fn problems_view(
    mut contexts: EguiContexts,
    mut window: ResMut<SettingsWindow>,
    prefs: Res<Prefs>,
    library: Res<ScenarioLibrary>,
) -> Result {
    if !window.show_problems {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let lang = prefs.0.lang;
    let mut open = window.show_problems;
    egui::Window::new(tr(lang, "情景文件问题", "Scenario file problems"))
        .open(&mut open)
        .default_width(720.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            ui.label(match lang {
                Lang::Zh => format!("来源：{}。有问题的文件已跳过，其余情景照常可练。保存修改后会自动重新载入。", library.origin),
                Lang::En => format!(
                    "From {}. Files with problems are skipped; every other scenario stays playable. Saved changes reload by themselves.",
                    library.origin
                ),
            });
            ui.separator();
            egui::ScrollArea::vertical().max_height(400.0).show(ui, |ui| {
                let mut any = false;
                for d in library.problems() {
                    any = true;
                    ui.label(egui::RichText::new(d.in_lang(lang)).monospace());
                }
                if !any {
                    ui.label(tr(lang, "没有问题。", "No problems."));
                }
            });
        });
    window.show_problems = open;
    Ok(())
}
