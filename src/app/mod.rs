//! The desktop app: a Bevy window with egui screens that mirror the role-play core.

mod autoplay;
mod charts;
mod fonts;
mod idle;
mod lrs_sync;
mod scenario_assets;
pub mod screens;
mod settings;
mod state;
mod theme;
mod widgets;
mod window;

use std::path::PathBuf;
use std::process::ExitCode;

use bevy::asset::AssetPlugin;
use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::winit::WinitSettings;
use bevy_egui::EguiPlugin;

use crate::scenario::{Lang, Library, ScenarioSource};

pub use autoplay::{AutoplayOptions, Strategy};
pub use screens::Screen;
pub use state::{
    Action, ActiveAttempt, Attempt, DataDir, Notices, Prefs, RecordsStore, ScenarioLibrary,
    SignedIn, Unfinished,
};

/// What the command line decided before the window opens.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub data_dir: PathBuf,
    pub source: ScenarioSource,
    /// Overrides the remembered language for this run.
    pub lang: Option<Lang>,
    pub autoplay: Option<AutoplayOptions>,
    /// Watch scenario files for changes (on by default in development builds).
    pub watch: bool,
}

/// The whole app: window, renderer, egui, and every screen.
#[derive(Debug)]
pub struct AppPlugin {
    pub options: AppOptions,
}

impl Plugin for AppPlugin {
    fn build(&self, app: &mut App) {
        let options = &self.options;
        // Scenario folders are an asset source of their own; it must exist before AssetPlugin.
        scenario_assets::register_source(app, &options.source);
        app.add_plugins(
            DefaultPlugins
                .set(WindowPlugin {
                    primary_window: Some(window::primary_window()),
                    ..default()
                })
                .set(AssetPlugin {
                    file_path: fonts::assets_dir().display().to_string(),
                    watch_for_changes_override: Some(options.watch),
                    ..default()
                })
                .set(LogPlugin {
                    filter: "warn,complaint_trainer=info,wgpu=error,naga=warn".into(),
                    ..default()
                }),
        );
        app.add_plugins(EguiPlugin::default());
        app.insert_resource(WinitSettings::desktop_app());
        let records = RecordsStore::open(&options.data_dir);
        add_logic(app, options.data_dir.clone(), options.lang, records);
        app.add_plugins((
            lrs_sync::plugin,
            scenario_assets::plugin,
            fonts::plugin,
            idle::plugin,
            theme::plugin,
            window::plugin,
        ));
        app.add_systems(Last, report_third_frame);
        if let Some(autoplay) = &options.autoplay {
            app.insert_resource(autoplay::Autoplay::new(autoplay.clone()));
            app.add_plugins(autoplay::plugin);
        }
    }
}

/// Everything but the window and the drawing: screens, their state and their messages.
/// Headless tests call this on `MinimalPlugins` + `StatesPlugin`.
pub fn add_logic(app: &mut App, data_dir: PathBuf, lang: Option<Lang>, records: RecordsStore) {
    state::insert(app, data_dir, lang, records);
    app.add_plugins((screens::plugin, settings::plugin));
}

/// With `COMPLAINT_TRAINER_REPORT_FRAMES` set, prints one line once the third frame is drawn:
/// the start-up benchmark's marker, the same as the bare window's.
fn report_third_frame(frames: Res<bevy::diagnostic::FrameCount>, mut done: Local<bool>) {
    if !*done && frames.0 >= 3 {
        *done = true;
        if std::env::var_os("COMPLAINT_TRAINER_REPORT_FRAMES").is_some() {
            println!("frame 3 drawn");
        }
    }
}

/// Scenario files through the asset system, for a headless app: registers the folder, adds
/// `AssetPlugin` (watching when asked) and the loader. `add_logic` must come first.
pub fn add_scenario_files(app: &mut App, source: &ScenarioSource, watch: bool) {
    scenario_assets::register_source(app, source);
    app.add_plugins(AssetPlugin {
        watch_for_changes_override: Some(watch),
        ..default()
    });
    app.add_plugins(scenario_assets::plugin);
}

/// Puts a library in place without the asset system (tests and the built-in copies).
pub fn set_library(app: &mut App, library: Library, origin: String) {
    app.world_mut()
        .resource_mut::<ScenarioLibrary>()
        .replace(library, origin);
}

/// Opens the window and runs until it is closed.
pub fn run(options: AppOptions) -> ExitCode {
    let exit = App::new().add_plugins(AppPlugin { options }).run();
    match exit {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}
