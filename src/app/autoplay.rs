//! A scripted run through the real app: sign-in, a whole attempt, the debrief, with a
//! screenshot of each screen. Used by the end-to-end test and for documentation.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};
use bevy::window::RequestRedraw;

use super::screens::{
    Dashboard, DashboardAction, GateAction, Page, Preparing, Scope, Screen, SignInForm, TrainerGate,
};
use super::settings::SettingsWindow;
use super::state::{Action, Attempt, Prefs, ScenarioLibrary, SignedIn};
use crate::records::Trainee;
use crate::roleplay::{Mode, Phase};
use crate::scenario::Lang;

/// Which reply the script picks at every turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The reply that leads to the best total from here.
    Best,
    /// The reply that leads to the worst total from here.
    Worst,
}

#[derive(Debug, Clone)]
pub struct AutoplayOptions {
    pub scenario: String,
    pub strategy: Strategy,
    pub persona: Option<String>,
    pub mode: Mode,
    pub seed: u64,
    /// Where the PNGs go; none are taken without it.
    pub screenshot_dir: Option<PathBuf>,
}

/// Frames to let egui lay a new screen out before it is photographed.
const SETTLE_FRAMES: u32 = 4;
/// The longest any one step may take before the run gives up.
const STEP_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    WaitForLibrary,
    SignIn,
    WaitForHome,
    Settings,
    Problems,
    Start,
    WaitForRolePlay,
    Play,
    WaitForDebrief,
    /// The trainee's own records.
    MyRecords,
    /// With COMPLAINT_TRAINER_PASSWORD set: the trainer area, its table and a trainee's page.
    SignOutForTrainer,
    TrainerGate,
    TrainerTable,
    TraineePage,
    AttemptPage,
    Finish,
    Done,
}

#[derive(Resource, Debug)]
pub struct Autoplay {
    options: AutoplayOptions,
    step: Step,
    step_started: Instant,
    settle: u32,
    /// Screenshots asked for, and captured so far (the observer counts).
    shots_taken: u32,
    captured: Arc<AtomicU32>,
    /// The screen being let settle, the one already photographed, and the one already acted
    /// on, so that each is photographed and acted on exactly once.
    settling: Option<String>,
    photographed: Option<String>,
    acted: Option<String>,
}

impl Autoplay {
    pub fn new(options: AutoplayOptions) -> Autoplay {
        Autoplay {
            options,
            step: Step::WaitForLibrary,
            step_started: Instant::now(),
            settle: 0,
            shots_taken: 0,
            captured: Arc::new(AtomicU32::new(0)),
            settling: None,
            photographed: None,
            acted: None,
        }
    }

    fn go(&mut self, step: Step) {
        self.step = step;
        self.step_started = Instant::now();
    }

    /// True the first time it is asked about `name` once its screenshot is on disk.
    fn ready_to_act(&mut self, commands: &mut Commands, name: &str) -> bool {
        if self.acted.as_deref() == Some(name) || !self.photograph(commands, name) {
            return false;
        }
        self.acted = Some(name.to_string());
        self.step_started = Instant::now();
        true
    }

    fn waiting_for_capture(&self) -> bool {
        self.captured.load(Ordering::SeqCst) < self.shots_taken
    }

    /// Takes the screenshot `name` once the screen has settled; true once it is on disk.
    fn photograph(&mut self, commands: &mut Commands, name: &str) -> bool {
        let Some(dir) = self.options.screenshot_dir.clone() else {
            return true;
        };
        if self.photographed.as_deref() == Some(name) {
            return !self.waiting_for_capture();
        }
        if self.settling.as_deref() != Some(name) {
            self.settling = Some(name.to_string());
            self.settle = 0;
        }
        if self.settle < SETTLE_FRAMES {
            self.settle += 1;
            return false;
        }
        self.shots_taken += 1;
        let path = dir.join(format!("{:02}-{name}.png", self.shots_taken));
        let counter = self.captured.clone();
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(path))
            .observe(move |_: On<ScreenshotCaptured>| {
                counter.fetch_add(1, Ordering::SeqCst);
            });
        self.photographed = Some(name.to_string());
        false
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, prepare);
    app.add_systems(Update, drive);
}

fn prepare(autoplay: Res<Autoplay>, mut preparing: ResMut<Preparing>) {
    preparing.seed = Some(autoplay.options.seed);
    if let Some(dir) = &autoplay.options.screenshot_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        error!("cannot create {}: {e}", dir.display());
    }
}

/// What the script reads and sends on the records pages.
#[derive(bevy::ecs::system::SystemParam)]
pub struct RecordsPages<'w> {
    signed_in: Res<'w, SignedIn>,
    dashboard: Res<'w, Dashboard>,
    gate: ResMut<'w, TrainerGate>,
    dashboard_actions: MessageWriter<'w, DashboardAction>,
    gate_actions: MessageWriter<'w, GateAction>,
}

fn fail(exit: &mut MessageWriter<AppExit>, message: String) {
    eprintln!("autoplay: {message}");
    exit.write(AppExit::from_code(1));
}

#[expect(
    clippy::too_many_arguments,
    reason = "a system's parameters are its inputs"
)]
fn drive(
    mut commands: Commands,
    mut autoplay: ResMut<Autoplay>,
    library: Res<ScenarioLibrary>,
    screen: Res<State<Screen>>,
    attempt: Res<Attempt>,
    preparing: Res<Preparing>,
    mut settings_window: ResMut<SettingsWindow>,
    mut form: ResMut<SignInForm>,
    mut prefs: ResMut<Prefs>,
    mut actions: MessageWriter<Action>,
    mut exit: MessageWriter<AppExit>,
    mut redraw: MessageWriter<RequestRedraw>,
    pages: RecordsPages,
) {
    let RecordsPages {
        signed_in,
        dashboard,
        mut gate,
        mut dashboard_actions,
        mut gate_actions,
    } = pages;
    if autoplay.step == Step::Done {
        return;
    }
    // The app only redraws when asked; a script has to keep asking.
    redraw.write(RequestRedraw);
    if autoplay.step_started.elapsed() > STEP_TIMEOUT {
        let step = autoplay.step;
        autoplay.go(Step::Done);
        return fail(&mut exit, format!("gave up waiting at {step:?}"));
    }
    let options = autoplay.options.clone();
    match autoplay.step {
        Step::WaitForLibrary => {
            if library.generation == 0 {
                return;
            }
            if library.scenario(&options.scenario).is_none() {
                let known: Vec<&str> = library
                    .library
                    .scenarios
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect();
                autoplay.go(Step::Done);
                let problems: Vec<String> = library.problems().map(|d| d.to_string()).collect();
                return fail(
                    &mut exit,
                    format!(
                        "no playable scenario `{}`; playable: {}{}",
                        options.scenario,
                        known.join(", "),
                        if problems.is_empty() {
                            String::new()
                        } else {
                            format!("\n{}", problems.join("\n"))
                        }
                    ),
                );
            }
            autoplay.go(Step::SignIn);
        }
        Step::SignIn => {
            // Typed into the form as a person would, rare given-name characters included.
            if form.draft == Trainee::default() {
                form.draft = Trainee {
                    name: "李堃玥".into(),
                    employee_no: "DEMO-001".into(),
                    site: "瑞腾汽车 北京望京店".into(),
                    cohort: "2026 秋季新员工".into(),
                    ..Trainee::default()
                };
            }
            if autoplay.ready_to_act(&mut commands, "sign-in") {
                // A second run in the same data folder signs in as the trainee the first made.
                match form
                    .trainees
                    .iter()
                    .find(|t| t.employee_no == form.draft.employee_no)
                {
                    Some(t) => actions.write(Action::SignIn(t.id)),
                    None => actions.write(Action::Register(form.draft.clone())),
                };
                autoplay.go(Step::WaitForHome);
            }
        }
        Step::WaitForHome => {
            if *screen.get() == Screen::Home && autoplay.ready_to_act(&mut commands, "home") {
                settings_window.open = true;
                autoplay.go(Step::Settings);
            }
        }
        Step::Settings => {
            if autoplay.ready_to_act(&mut commands, "settings") {
                settings_window.open = false;
                // Files with problems: show where, as an author would see them.
                settings_window.show_problems = library.problems().next().is_some();
                autoplay.go(Step::Problems);
            }
        }
        Step::Problems => {
            if !settings_window.show_problems || autoplay.ready_to_act(&mut commands, "problems") {
                settings_window.show_problems = false;
                prefs.0.mode = options.mode;
                autoplay.go(Step::Start);
            }
        }
        Step::Start => {
            actions.write(Action::Start {
                scenario: options.scenario.clone(),
                persona: options.persona.clone(),
                mode: options.mode,
            });
            autoplay.go(Step::WaitForRolePlay);
        }
        Step::WaitForRolePlay => match screen.get() {
            Screen::RolePlay => autoplay.go(Step::Play),
            Screen::Preparing => {
                if let Some(error) = &preparing.error {
                    let error = error.en.clone();
                    autoplay.go(Step::Done);
                    fail(&mut exit, format!("cannot start: {error}"));
                }
            }
            _ => {}
        },
        Step::Play => play(
            &mut commands,
            &mut autoplay,
            &attempt,
            &mut actions,
            prefs.0.lang,
        ),
        Step::WaitForDebrief => {
            if *screen.get() == Screen::Debrief && autoplay.ready_to_act(&mut commands, "debrief") {
                if let Some(active) = &attempt.0 {
                    let card = active.session.score();
                    println!(
                        "autoplay: {} {:?}: total {:.1}, {}, ending {}, {} turns, {} screenshots",
                        options.scenario,
                        options.strategy,
                        card.total,
                        if card.passed { "passed" } else { "not passed" },
                        active
                            .session
                            .transcript()
                            .ending
                            .as_ref()
                            .map_or("none", |e| e.node.as_str()),
                        active.session.transcript().turns.len(),
                        autoplay.shots_taken,
                    );
                }
                match &signed_in.0 {
                    Some(t) => {
                        dashboard_actions.write(DashboardAction::Open(Scope::Own(t.id)));
                        autoplay.go(Step::MyRecords);
                    }
                    None => autoplay.go(Step::Finish),
                }
            }
        }
        Step::MyRecords => {
            if *screen.get() == Screen::Dashboard
                && dashboard.trainee.is_some()
                && autoplay.ready_to_act(&mut commands, "my-records")
            {
                if std::env::var_os("COMPLAINT_TRAINER_PASSWORD").is_some() {
                    dashboard_actions.write(DashboardAction::Leave);
                    autoplay.go(Step::SignOutForTrainer);
                } else {
                    autoplay.go(Step::Finish);
                }
            }
        }
        Step::SignOutForTrainer => match screen.get() {
            Screen::Home => {
                actions.write(Action::SignOut);
            }
            Screen::SignIn => {
                actions.write(Action::OpenDashboard);
                autoplay.go(Step::TrainerGate);
            }
            _ => {}
        },
        Step::TrainerGate => {
            if gate.open && autoplay.ready_to_act(&mut commands, "trainer-password") {
                let password = std::env::var("COMPLAINT_TRAINER_PASSWORD").unwrap_or_default();
                gate.again = if gate.first_use {
                    password.clone()
                } else {
                    String::new()
                };
                gate.password = password;
                gate_actions.write(GateAction::Submit);
                autoplay.go(Step::TrainerTable);
            }
        }
        Step::TrainerTable => {
            if let Some(error) = &gate.error {
                let error = error.clone();
                autoplay.go(Step::Done);
                return fail(
                    &mut exit,
                    format!("the trainer password was refused: {error}"),
                );
            }
            if *screen.get() == Screen::Dashboard
                && !dashboard.stale
                && autoplay.ready_to_act(&mut commands, "trainer-table")
            {
                match dashboard.rows.iter().max_by_key(|r| r.attempts) {
                    Some(row) => {
                        dashboard_actions
                            .write(DashboardAction::Show(Page::Trainee(row.trainee.id)));
                        autoplay.go(Step::TraineePage);
                    }
                    None => autoplay.go(Step::Finish),
                }
            }
        }
        Step::TraineePage => {
            if let Some(page) = &dashboard.trainee
                && !dashboard.stale
                && autoplay.ready_to_act(&mut commands, "trainee-page")
            {
                match page.attempts.last() {
                    Some(a) => {
                        dashboard_actions.write(DashboardAction::Show(Page::Attempt {
                            id: a.id,
                            trainee: a.trainee_id,
                        }));
                        autoplay.go(Step::AttemptPage);
                    }
                    None => autoplay.go(Step::Finish),
                }
            }
        }
        Step::AttemptPage => {
            if dashboard.attempt.is_some()
                && !dashboard.stale
                && autoplay.ready_to_act(&mut commands, "attempt-page")
            {
                autoplay.go(Step::Finish);
            }
        }
        Step::Finish => {
            if !autoplay.waiting_for_capture() {
                autoplay.go(Step::Done);
                exit.write(AppExit::Success);
            }
        }
        Step::Done => {}
    }
}

/// One move of the attempt: photograph the screen, then choose, continue or finish.
fn play(
    commands: &mut Commands,
    autoplay: &mut Autoplay,
    attempt: &Attempt,
    actions: &mut MessageWriter<Action>,
    _lang: Lang,
) {
    let Some(active) = &attempt.0 else {
        return;
    };
    let session = &active.session;
    let turn = session.transcript().turns.len() + 1;
    match session.phase() {
        // Once, at the second turn: the pause menu, then back to the attempt.
        Phase::Choosing if turn == 2 && autoplay.acted.as_deref() != Some("pause") => {
            if !active.paused {
                actions.write(Action::Pause);
            } else if autoplay.ready_to_act(commands, "pause") {
                actions.write(Action::Resume);
            }
        }
        Phase::Choosing => {
            if active.paused || !autoplay.ready_to_act(commands, &format!("turn-{turn:02}")) {
                return;
            }
            let analysis = session.analysis();
            let pick = match autoplay.options.strategy {
                Strategy::Best => analysis.best_reply(session.state()),
                Strategy::Worst => analysis.worst_reply(session.state()),
            };
            let shown = session
                .prompt()
                .and_then(|p| pick.and_then(|i| p.offered.iter().position(|o| o.index == i)))
                .unwrap_or(0);
            actions.write(Action::Choose(shown));
        }
        Phase::Feedback => {
            if autoplay.ready_to_act(commands, &format!("coaching-{:02}", turn - 1)) {
                actions.write(Action::Continue);
            }
        }
        Phase::Ended => {
            if autoplay.ready_to_act(commands, "ending") {
                actions.write(Action::Continue);
                autoplay.go(Step::WaitForDebrief);
            }
        }
    }
}
