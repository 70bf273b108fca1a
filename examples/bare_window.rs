//! The yardstick for start-up time: a bare Bevy + bevy_egui window with one label, built with
//! the app's own Bevy features. `benches/gui_startup.py` times it beside the app.

use bevy::diagnostic::FrameCount;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};

fn main() {
    App::new()
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "bare window".into(),
                ..default()
            }),
            ..default()
        }))
        .add_plugins(EguiPlugin::default())
        .insert_resource(bevy::winit::WinitSettings::desktop_app())
        .add_systems(Startup, |mut commands: Commands| {
            commands.spawn(Camera2d);
        })
        .add_systems(EguiPrimaryContextPass, label)
        .add_systems(Last, report_third_frame)
        .run();
}

fn label(mut contexts: EguiContexts) -> Result {
    egui::CentralPanel::default().show(
        &mut egui::Ui::new(
            contexts.ctx_mut()?.clone(),
            "bare".into(),
            egui::UiBuilder::new(),
        ),
        |ui| {
            ui.label("Hello");
        },
    );
    Ok(())
}

/// Prints one line when the third frame has been drawn, the same marker the app prints.
fn report_third_frame(frames: Res<FrameCount>, mut done: Local<bool>) {
    if !*done && frames.0 >= 3 && std::env::var_os("COMPLAINT_TRAINER_REPORT_FRAMES").is_some() {
        *done = true;
        println!("frame 3 drawn");
    }
}
