//! The app's screen flow without a window: `MinimalPlugins` + `StatesPlugin`, messages in,
//! states and resources out.
#![cfg(feature = "gui")]

use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use complaint_trainer::app::screens::{Preparing, SignInForm};
use complaint_trainer::app::{
    self, Action, Attempt, Prefs, RecordsStore, Screen, SignedIn, Unfinished,
};
use complaint_trainer::records::{Filter, Trainee};
use complaint_trainer::roleplay::{Mode, Phase};
use complaint_trainer::scenario::{Lang, Sources};

#[path = "support/scratch.rs"]
mod scratch;
use scratch::ScratchDir;

fn data_dir(name: &str) -> ScratchDir {
    ScratchDir::new("ct-app-flow", name)
}

/// The app's data folder, gone with the app when the test passes.
#[derive(Resource)]
struct OwnDataDir(#[expect(dead_code, reason = "held only to be dropped with the app")] ScratchDir);

fn test_app(name: &str) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin));
    let dir = data_dir(name);
    app::add_logic(
        &mut app,
        dir.to_path_buf(),
        Some(Lang::En),
        RecordsStore::in_memory(),
    );
    app.insert_resource(OwnDataDir(dir));
    app::set_library(&mut app, Sources::embedded().load(), "built-in".into());
    app.update();
    app
}

fn send(app: &mut App, action: Action) {
    app.world_mut().write_message(action);
    app.update();
    // State changes land on the next frame.
    app.update();
}

fn screen(app: &App) -> Screen {
    *app.world().resource::<State<Screen>>().get()
}

fn trainee(name: &str, no: &str) -> Trainee {
    Trainee {
        name: name.into(),
        employee_no: no.into(),
        site: "北京店".into(),
        cohort: "2026".into(),
        ..Trainee::default()
    }
}

fn wait_for(app: &mut App, wanted: Screen) {
    let start = Instant::now();
    while screen(app) != wanted {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "still on {:?}, waiting for {wanted:?}; preparing error: {:?}",
            screen(app),
            app.world().resource::<Preparing>().error
        );
        std::thread::sleep(Duration::from_millis(5));
        app.update();
    }
}

/// Plays the attempt on screen to its end, choosing the best reply (or the worst).
fn play_through(app: &mut App, best: bool) {
    for _ in 0..200 {
        let (phase, pick) = {
            let attempt = app.world().resource::<Attempt>();
            let session = &attempt.0.as_ref().expect("an attempt").session;
            let analysis = session.analysis();
            let reply = if best {
                analysis.best_reply(session.state())
            } else {
                analysis.worst_reply(session.state())
            };
            let shown = session
                .prompt()
                .and_then(|p| reply.and_then(|r| p.offered.iter().position(|o| o.index == r)));
            (session.phase(), shown)
        };
        match phase {
            Phase::Choosing => send(app, Action::Choose(pick.expect("a reply to pick"))),
            Phase::Feedback => send(app, Action::Continue),
            Phase::Ended => return,
        }
    }
    panic!("the attempt did not end");
}

#[test]
fn registration_refuses_bad_input_then_signs_in() {
    let mut app = test_app("register");
    assert_eq!(screen(&app), Screen::SignIn);
    send(&mut app, Action::Register(trainee("  ", "A1")));
    assert_eq!(screen(&app), Screen::SignIn);
    let error = app.world().resource::<SignInForm>().error.clone();
    assert_eq!(error.as_deref(), Some("The name is empty"));

    send(&mut app, Action::Register(trainee("王喆", "A1")));
    assert_eq!(screen(&app), Screen::Home);
    assert_eq!(
        app.world()
            .resource::<SignedIn>()
            .0
            .as_ref()
            .map(|t| t.name.as_str()),
        Some("王喆")
    );
    send(&mut app, Action::SignOut);
    assert_eq!(screen(&app), Screen::SignIn);
    send(&mut app, Action::Register(trainee("李彧", "A1")));
    assert_eq!(
        screen(&app),
        Screen::SignIn,
        "a duplicate number is refused"
    );
    let id = app
        .world()
        .resource::<RecordsStore>()
        .db
        .find_trainee("A1")
        .unwrap()
        .id;
    send(&mut app, Action::SignIn(id));
    assert_eq!(screen(&app), Screen::Home);
    assert_eq!(
        app.world().resource::<Prefs>().0.last_trainee,
        Some(id.to_string())
    );
}

#[test]
fn a_practice_attempt_runs_to_the_debrief_and_is_recorded() {
    let mut app = test_app("practice");
    send(&mut app, Action::Register(trainee("王玥", "B2")));
    start_warmup(&mut app);

    // A wrong reply can be taken back.
    let turns_before = |app: &App| {
        app.world()
            .resource::<Attempt>()
            .0
            .as_ref()
            .map(|a| a.session.transcript().turns.len())
    };
    let worst = {
        let attempt = app.world().resource::<Attempt>();
        let session = &attempt.0.as_ref().unwrap().session;
        let w = session.analysis().worst_reply(session.state()).unwrap();
        session
            .prompt()
            .unwrap()
            .offered
            .iter()
            .position(|o| o.index == w)
            .unwrap()
    };
    send(&mut app, Action::Choose(worst));
    assert_eq!(turns_before(&app), Some(1));
    send(&mut app, Action::Retry);
    assert_eq!(turns_before(&app), Some(0));

    play_through(&mut app, true);
    send(&mut app, Action::Continue);
    assert_eq!(screen(&app), Screen::Debrief);
    let attempt = app.world().resource::<Attempt>();
    let card = attempt.0.as_ref().unwrap().session.score();
    let records = app.world().resource::<RecordsStore>();
    let b2 = records.db.find_trainee("B2").unwrap().id;
    let saved: Vec<_> = records
        .db
        .history(b2, &Filter::default())
        .unwrap()
        .into_iter()
        .map(|s| records.db.attempt(s.id).unwrap().unwrap())
        .collect();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].score.total, card.total);
    assert!(saved[0].score.passed);
    assert_eq!(
        saved[0]
            .transcript
            .turns
            .iter()
            .map(|t| t.retries)
            .sum::<u32>(),
        1
    );
    assert_eq!(
        records.db.best_scores(b2).unwrap().get("warmup-late-car"),
        Some(&card.total)
    );

    // Play again goes straight back in: the analysis is cached.
    send(
        &mut app,
        Action::Start {
            scenario: "warmup-late-car".into(),
            persona: Some("angry".into()),
            mode: Mode::Assessment,
        },
    );
    wait_for(&mut app, Screen::RolePlay);
    play_through(&mut app, false);
    send(&mut app, Action::Continue);
    assert_eq!(screen(&app), Screen::Debrief);
    let saved = app
        .world()
        .resource::<RecordsStore>()
        .db
        .history(b2, &Filter::default())
        .unwrap();
    assert_eq!(saved.len(), 2);
    assert_eq!(saved[1].persona, "angry");
    assert!(!saved[1].passed);
}

#[test]
fn guests_are_not_recorded_and_pause_stops_the_attempt() {
    let mut app = test_app("guest");
    send(&mut app, Action::Guest);
    assert_eq!(screen(&app), Screen::Home);
    send(
        &mut app,
        Action::Start {
            scenario: "warmup-late-car".into(),
            persona: None,
            mode: Mode::Assessment,
        },
    );
    wait_for(&mut app, Screen::RolePlay);
    send(&mut app, Action::Pause);
    send(&mut app, Action::Choose(0));
    {
        let attempt = app.world().resource::<Attempt>();
        let active = attempt.0.as_ref().unwrap();
        assert!(active.paused && active.clock.is_paused());
        assert!(
            active.session.transcript().turns.is_empty(),
            "no reply while paused"
        );
    }
    send(&mut app, Action::Resume);
    play_through(&mut app, true);
    send(&mut app, Action::Continue);
    assert_eq!(screen(&app), Screen::Debrief);
    assert!(
        app.world()
            .resource::<RecordsStore>()
            .db
            .trainees(true)
            .unwrap()
            .is_empty()
    );
    send(&mut app, Action::Home);
    assert_eq!(screen(&app), Screen::Home);
}

#[test]
fn unknown_scenarios_and_behaviour_types_say_why() {
    let mut app = test_app("unknown");
    send(&mut app, Action::Guest);
    send(
        &mut app,
        Action::Start {
            scenario: "no-such-scenario".into(),
            persona: None,
            mode: Mode::Practice,
        },
    );
    assert_eq!(screen(&app), Screen::Preparing);
    let error = app.world().resource::<Preparing>().error.clone().unwrap();
    assert!(error.en.contains("no-such-scenario"), "{error:?}");
    assert!(
        error.zh.contains("`no-such-scenario` 没有载入"),
        "{error:?}"
    );
    send(&mut app, Action::CancelPreparing);
    assert_eq!(screen(&app), Screen::Home);
    send(
        &mut app,
        Action::Start {
            scenario: "case1-seven-calls".into(),
            persona: Some("grumpy".into()),
            mode: Mode::Practice,
        },
    );
    let error = app.world().resource::<Preparing>().error.clone().unwrap();
    assert!(error.en.contains("grumpy"), "{error:?}");
    assert!(error.zh.contains("没有客户类型 `grumpy`"), "{error:?}");
}

#[test]
fn settings_are_saved_when_they_change() {
    let mut app = test_app("settings");
    let dir = app.world().resource::<app::DataDir>().0.clone();
    send(&mut app, Action::SetLang(Lang::Zh));
    let saved = std::fs::read_to_string(dir.join("settings.json")).expect("settings saved");
    assert!(saved.contains("\"lang\": \"zh\""), "{saved}");
    app.world_mut().resource_mut::<Prefs>().0.high_contrast = true;
    app.update();
    let saved = std::fs::read_to_string(dir.join("settings.json")).unwrap();
    assert!(saved.contains("\"high_contrast\": true"), "{saved}");
}

/// A test's own folder with a copy of the bundled scenarios in `scenarios/`, to edit.
fn scenario_copy(name: &str) -> ScratchDir {
    let root = data_dir(name);
    let dir = root.join("scenarios");
    std::fs::create_dir_all(&dir).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ron") {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    root
}

/// Updates the app until the library satisfies `done` (a save may arrive as several events).
fn wait_for_library(app: &mut App, what: &str, done: impl Fn(&app::ScenarioLibrary) -> bool) {
    let start = Instant::now();
    while !done(app.world().resource::<app::ScenarioLibrary>()) {
        let library = app.world().resource::<app::ScenarioLibrary>();
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "waited 30 s for {what}; generation {}, {} scenarios, problems: {:?}",
            library.generation,
            library.library.scenarios.len(),
            library
                .problems()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(20));
        app.update();
    }
}

/// Updates the app for a while, as frames go by, so that news from the file watcher arrives.
fn update_for(app: &mut App, how_long: Duration) {
    let start = Instant::now();
    while start.elapsed() < how_long {
        std::thread::sleep(Duration::from_millis(20));
        app.update();
    }
}

#[test]
fn an_edited_scenario_file_reloads_and_a_broken_one_shows_where() {
    let root = scenario_copy("reload");
    let dir = root.join("scenarios");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin));
    app::add_logic(
        &mut app,
        root.join("data"),
        Some(Lang::En),
        RecordsStore::in_memory(),
    );
    app::add_scenario_files(
        &mut app,
        &complaint_trainer::scenario::ScenarioSource::Dir(dir.clone()),
        true,
    );
    app.update();
    wait_for_library(&mut app, "the first load", |l| l.generation >= 1);
    let all = 8;
    wait_for_library(&mut app, "all scenarios", |l| {
        l.library.scenarios.len() == all && l.problems().count() == 0
    });

    // Break one file: the others stay playable and the problem says where.
    let file = dir.join("warmup_late_car.ron");
    let good = std::fs::read_to_string(&file).unwrap();
    let broken = good.replacen("difficulty: 1", "difficulty: 9", 1);
    assert_ne!(broken, good, "the fixture edit must apply");
    std::fs::write(&file, &broken).unwrap();
    wait_for_library(&mut app, "the problem to show", |l| {
        l.library.scenarios.len() == all - 1
            && l.problems().any(|d| {
                let text = d.to_string();
                text.contains("warmup_late_car.ron:7:") && text.contains("difficulty")
            })
    });

    // Mend it: back to all scenarios, no problems.
    std::fs::write(&file, &good).unwrap();
    wait_for_library(&mut app, "the mended file", |l| {
        l.library.scenarios.len() == all && l.problems().count() == 0
    });

    // Saving a file unchanged rebuilds nothing (the library keeps its generation).
    update_for(&mut app, Duration::from_millis(1500));
    let generation = app.world().resource::<app::ScenarioLibrary>().generation;
    std::fs::write(&file, &good).unwrap();
    update_for(&mut app, Duration::from_millis(2500));
    assert_eq!(
        app.world().resource::<app::ScenarioLibrary>().generation,
        generation,
        "an unchanged save rebuilt the library"
    );
}

/// An app on a real records file in `dir`, as after a start.
fn app_on(dir: &std::path::Path) -> App {
    app_with(dir, Lang::En, Sources::embedded())
}

fn app_with(dir: &std::path::Path, lang: Lang, sources: Sources) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin));
    let records = RecordsStore::open(dir);
    assert!(records.problem.is_none(), "{:?}", records.problem);
    app::add_logic(&mut app, dir.to_path_buf(), Some(lang), records);
    app::set_library(&mut app, sources.load(), "built-in".into());
    app.update();
    app
}

/// Starts the warm-up in practice mode and waits until its first turn is on screen.
fn start_warmup(app: &mut App) {
    send(
        app,
        Action::Start {
            scenario: "warmup-late-car".into(),
            persona: None,
            mode: Mode::Practice,
        },
    );
    wait_for(app, Screen::RolePlay);
}

/// Registers a trainee, plays two turns of the warm-up and lets the app go away without
/// closing anything, as in a crash; returns the trainee's id.
fn crash_mid_attempt(dir: &std::path::Path) -> i64 {
    let mut app = app_on(dir);
    send(&mut app, Action::Register(trainee("王喆", "R1")));
    start_warmup(&mut app);
    for _ in 0..2 {
        let pick = best_choice(&app);
        send(&mut app, Action::Choose(pick));
        send(&mut app, Action::Continue);
    }
    let id = app.world().resource::<SignedIn>().0.as_ref().unwrap().id;
    std::mem::forget(app);
    id
}

fn best_choice(app: &App) -> usize {
    let attempt = app.world().resource::<Attempt>();
    let session = &attempt.0.as_ref().unwrap().session;
    let best = session.analysis().best_reply(session.state()).unwrap();
    session
        .prompt()
        .unwrap()
        .offered
        .iter()
        .position(|o| o.index == best)
        .unwrap()
}

#[test]
fn an_unfinished_attempt_is_offered_again_after_a_crash() {
    let dir = data_dir("resume");
    let id = crash_mid_attempt(&dir);
    let mut app = app_on(&dir);
    send(&mut app, Action::SignIn(id));
    let offered = app
        .world()
        .resource::<Unfinished>()
        .0
        .clone()
        .expect("an unfinished attempt");
    assert_eq!(offered.transcript.turns.len(), 2);
    send(&mut app, Action::ResumeUnfinished);
    wait_for(&mut app, Screen::RolePlay);
    {
        let attempt = app.world().resource::<Attempt>();
        let active = attempt.0.as_ref().unwrap();
        assert_eq!(active.session.transcript().turns, offered.transcript.turns);
        assert_eq!(active.started_at, offered.started_at);
    }
    play_through(&mut app, true);
    send(&mut app, Action::Continue);
    assert_eq!(screen(&app), Screen::Debrief);
    let db = &app.world().resource::<RecordsStore>().db;
    assert_eq!(db.history(id, &Filter::default()).unwrap().len(), 1);
    assert_eq!(
        db.progress(id).unwrap(),
        None,
        "the finished attempt is no longer offered"
    );
}

#[test]
fn an_unfinished_attempt_at_a_scenario_changed_since_says_why_in_chinese() {
    let dir = data_dir("resume-changed");
    let id = crash_mid_attempt(&dir);
    // The trainer brings out version 2 of the scenario before the trainee comes back.
    let mut sources = Sources::embedded();
    let file = sources
        .scenarios
        .iter_mut()
        .find(|f| f.name.ends_with("warmup_late_car.ron"))
        .expect("the warm-up");
    let text = String::from_utf8(file.bytes.clone()).unwrap();
    assert!(text.contains("version: 1,"));
    file.bytes = text.replacen("version: 1,", "version: 2,", 1).into_bytes();
    let mut app = app_with(&dir, Lang::Zh, sources);
    send(&mut app, Action::SignIn(id));
    send(&mut app, Action::ResumeUnfinished);
    let start = Instant::now();
    while app.world().resource::<Preparing>().error.is_none() {
        assert!(start.elapsed() < Duration::from_secs(120), "no error shown");
        assert_eq!(screen(&app), Screen::Preparing);
        std::thread::sleep(Duration::from_millis(5));
        app.update();
    }
    let error = app.world().resource::<Preparing>().error.clone().unwrap();
    assert!(
        error.zh.contains("第 1 版") && error.zh.contains("第 2 版"),
        "{error:?}"
    );
    assert!(error.en.contains("version 1"), "{error:?}");
}

#[test]
fn the_trainer_area_needs_the_password_and_trainees_see_only_their_own() {
    use complaint_trainer::app::screens::{
        Dashboard, DashboardAction, GateAction, Page, Scope, TrainerGate,
    };
    let mut app = test_app("trainer");
    send(&mut app, Action::Register(trainee("王喆", "T1")));
    let a = app.world().resource::<SignedIn>().0.as_ref().unwrap().id;
    send(&mut app, Action::SignOut);
    send(&mut app, Action::Register(trainee("李彧", "T2")));
    let b = app.world().resource::<SignedIn>().0.as_ref().unwrap().id;
    send(&mut app, Action::SignOut);

    let gate = |app: &mut App, password: &str, again: &str| {
        send(app, Action::OpenDashboard);
        {
            let mut g = app.world_mut().resource_mut::<TrainerGate>();
            g.password = password.into();
            g.again = again.into();
        }
        app.world_mut().write_message(GateAction::Submit);
        app.update();
        app.update();
        app.update();
    };
    gate(&mut app, "short", "short");
    assert_eq!(screen(&app), Screen::SignIn);
    assert!(app.world().resource::<TrainerGate>().error.is_some());
    assert!(app.world().resource::<TrainerGate>().first_use);
    gate(&mut app, "班主任的密码 2026", "班主任的密码 2026");
    assert_eq!(screen(&app), Screen::Dashboard);
    assert_eq!(app.world().resource::<Dashboard>().scope, Scope::Trainer);
    assert_eq!(app.world().resource::<Dashboard>().rows.len(), 2);
    // A trainer renames, archives, and creates a cohort from here.
    use complaint_trainer::app::screens::ManageAction;
    use complaint_trainer::records::Cohort;
    for action in [
        ManageAction::Rename {
            trainee: a,
            name: " 王喆喆 ".into(),
        },
        ManageAction::Archive {
            trainee: b,
            archived: true,
        },
        ManageAction::AddCohort(Cohort {
            name: "2027 春季班".into(),
            ..Cohort::default()
        }),
        ManageAction::MoveTo {
            trainee: a,
            cohort: "2027 春季班".into(),
        },
    ] {
        app.world_mut().write_message(action);
        app.update();
        app.update();
    }
    {
        let db = &app.world().resource::<RecordsStore>().db;
        let a_now = db.trainee(a).unwrap();
        assert_eq!(
            (a_now.name.as_str(), a_now.cohort.as_str()),
            ("王喆喆", "2027 春季班")
        );
        assert!(db.trainee(b).unwrap().archived);
        assert_eq!(
            app.world().resource::<Dashboard>().rows.len(),
            1,
            "archived trainees leave the table"
        );
    }
    app.world_mut().write_message(DashboardAction::Leave);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::SignIn);
    assert_eq!(
        app.world().resource::<Dashboard>().scope,
        Scope::Closed,
        "leaving closes the area"
    );

    gate(&mut app, "wrong password", "");
    assert_eq!(screen(&app), Screen::SignIn);
    assert!(!app.world().resource::<TrainerGate>().first_use);

    // A trainee opens their own records and nobody else's.
    send(&mut app, Action::SignIn(a));
    app.world_mut()
        .write_message(DashboardAction::Open(Scope::Own(b)));
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Home);
    app.world_mut()
        .write_message(DashboardAction::Open(Scope::Own(a)));
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Dashboard);
    app.world_mut()
        .write_message(DashboardAction::Show(Page::Trainee(b)));
    app.world_mut().write_message(ManageAction::Rename {
        trainee: a,
        name: "someone else".into(),
    });
    app.update();
    app.update();
    assert_eq!(
        app.world()
            .resource::<RecordsStore>()
            .db
            .trainee(a)
            .unwrap()
            .name,
        "王喆喆",
        "only the trainer area changes records"
    );
    let dashboard = app.world().resource::<Dashboard>();
    assert_eq!(dashboard.page, Page::Trainee(a));
    assert_eq!(dashboard.trainee.as_ref().map(|t| t.trainee.id), Some(a));
}

#[test]
fn with_unusable_records_the_trainer_area_stays_closed() {
    use complaint_trainer::app::screens::TrainerGate;
    let dir = data_dir("unusable");
    let file = dir.join(complaint_trainer::records::DB_FILE);
    std::fs::write(&file, b"not a database, and not to be overwritten").unwrap();
    let records = RecordsStore::open(&dir);
    assert!(records.problem.is_some());
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin));
    app::add_logic(&mut app, dir.to_path_buf(), Some(Lang::En), records);
    app::set_library(&mut app, Sources::embedded().load(), "built-in".into());
    app.update();
    // The reason is told in either language, the file's state included.
    let notices = &app.world().resource::<app::Notices>().0;
    assert!(
        notices.iter().any(|n| n.zh.starts_with("记录文件无法使用")
            && n.zh.contains("记录文件已损坏")
            && n.en.contains("the records file is damaged")),
        "{notices:?}"
    );
    send(&mut app, Action::OpenDashboard);
    assert!(!app.world().resource::<TrainerGate>().open);
    assert_eq!(screen(&app), Screen::SignIn);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"not a database, and not to be overwritten"
    );
}
