//! The screens, one plugin each, and the frame around them (title bar, notices).

mod chrome;
mod coaching;
mod dashboard;
mod debrief;
mod home;
mod manage;
mod preparing;
mod role_play;
mod sign_in;
mod trainer_gate;

use bevy::prelude::*;

pub use dashboard::{Dashboard, DashboardAction, Page, Scope};
pub use home::HomeFilters;
pub use manage::{ManageAction, ManageForms};
pub use preparing::{AnalysisCache, Preparing};
pub use sign_in::SignInForm;
pub use trainer_gate::{GateAction, TrainerGate};

/// The screen on show. Settings and the scenario problems panel are windows over any screen.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    SignIn,
    Home,
    /// The exact analysis a session needs is being computed.
    Preparing,
    /// The conversation, with coaching after each reply in practice mode.
    RolePlay,
    Debrief,
    /// Records: a trainer's view of everyone, or a trainee's of their own.
    Dashboard,
}

/// Views draw after the frame around them, which takes its space first.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum ViewSet {
    Chrome,
    Screen,
}

pub(super) fn plugin(app: &mut App) {
    app.init_state::<Screen>();
    app.configure_sets(
        bevy_egui::EguiPrimaryContextPass,
        (ViewSet::Chrome, ViewSet::Screen).chain(),
    );
    app.add_plugins((
        chrome::plugin,
        sign_in::plugin,
        home::plugin,
        preparing::plugin,
        role_play::plugin,
        debrief::plugin,
        dashboard::plugin,
        manage::plugin,
        trainer_gate::plugin,
    ));
}
