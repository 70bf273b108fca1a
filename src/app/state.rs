//! Resources every screen shares, and the messages the views send.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::prelude::*;

use crate::prefs::Settings;
use crate::records::{Db, InProgress, RecordsError, Trainee};
use crate::roleplay::{Mode, Session, SessionError};
use crate::scenario::{Diagnostic, Lang, Library, Scenario};

/// What a view asks for. Views never change the core state themselves.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum Action {
    /// Sign in as a registered trainee (by id).
    SignIn(i64),
    /// Register a trainee and sign in.
    Register(Trainee),
    /// Practise without recording anything.
    Guest,
    SignOut,
    /// Start a scenario; `persona` overrides its behaviour type.
    Start {
        scenario: String,
        persona: Option<String>,
        mode: Mode,
    },
    CancelPreparing,
    /// Take up the attempt that was under way when the app last closed.
    ResumeUnfinished,
    /// Throw the unfinished attempt away.
    DiscardUnfinished,
    /// Open the trainer/HR area (asks for the password).
    OpenDashboard,
    /// Choose the reply shown at this position (0-based).
    Choose(usize),
    /// Move on from the coaching panel, or from the ending to the debrief.
    Continue,
    /// Practice mode: take the last reply back.
    Retry,
    Pause,
    Resume,
    /// Leave the attempt without a record.
    Abandon,
    /// Back to the scenario list.
    Home,
    SetLang(Lang),
    Quit,
}

/// Where settings and records live.
#[derive(Resource, Debug, Clone)]
pub struct DataDir(pub PathBuf);

/// The remembered settings; saved whenever they change.
#[derive(Resource, Debug, Clone)]
pub struct Prefs(pub Settings);

/// Short messages shown at the bottom of the window (a broken settings file, a failed save),
/// newest last.
#[derive(Resource, Debug, Default)]
pub struct Notices(pub Vec<Notice>);

/// One notice in both languages, shown in whichever is chosen when it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub zh: String,
    pub en: String,
}

impl Notice {
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl Notices {
    pub fn push(&mut self, zh: impl Into<String>, en: impl Into<String>) {
        let notice = Notice {
            zh: zh.into(),
            en: en.into(),
        };
        warn!("{}", notice.en);
        self.0.push(notice);
    }

    /// Something failed: what, in either language, then why, in the same language.
    pub fn failed(&mut self, zh: &str, en: &str, why: impl Fn(Lang) -> String) {
        self.push(
            format!("{zh}：{}", why(Lang::Zh)),
            format!("{en}: {}", why(Lang::En)),
        );
    }
}

/// The records file, or (when it cannot be used) an empty one in memory and the reason.
#[derive(Resource, Debug)]
pub struct RecordsStore {
    pub db: Db,
    /// Why the records file could not be opened; only guests can practise then.
    pub problem: Option<RecordsError>,
}

impl RecordsStore {
    /// Opens the records in `data_dir`; a file that cannot be used is left alone and reported.
    pub fn open(data_dir: &std::path::Path) -> RecordsStore {
        match Db::open_dir(data_dir) {
            Ok(db) => RecordsStore { db, problem: None },
            Err(e) => RecordsStore {
                problem: Some(e),
                db: Self::memory(),
            },
        }
    }

    /// Records that last until the app closes (headless tests).
    pub fn in_memory() -> RecordsStore {
        RecordsStore {
            db: Self::memory(),
            problem: None,
        }
    }

    /// An empty database in memory (the fallback when the file cannot be used).
    pub fn memory() -> Db {
        match Db::in_memory() {
            Ok(db) => db,
            // An in-memory database only fails without memory; nothing sensible is left to do.
            Err(e) => panic!("cannot create in-memory records: {e}"),
        }
    }
}

/// The signed-in trainee's attempt that was not finished when the app last closed.
#[derive(Resource, Debug, Default)]
pub struct Unfinished(pub Option<InProgress>);

/// Who is practising: a trainee, or a guest (`None`) whose attempts are not recorded.
#[derive(Resource, Debug, Default)]
pub struct SignedIn(pub Option<Trainee>);

/// The scenarios as last loaded, with every problem found in them.
#[derive(Resource, Debug, Default)]
pub struct ScenarioLibrary {
    pub library: Library,
    /// Where they came from, for the diagnostics panel.
    pub origin: String,
    /// Bumped on every reload, so that caches know when to let go.
    pub generation: u64,
}

impl ScenarioLibrary {
    pub fn replace(&mut self, library: Library, origin: String) {
        self.library = library;
        self.origin = origin;
        self.generation += 1;
    }

    pub fn scenario(&self, id: &str) -> Option<&Arc<Scenario>> {
        self.library.scenario(id)
    }

    pub fn problems(&self) -> impl Iterator<Item = &Diagnostic> {
        self.library.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// A running clock that stops while the attempt is paused.
#[derive(Debug, Clone)]
pub struct Clock {
    running_since: Option<Instant>,
    banked: Duration,
}

impl Clock {
    pub fn started() -> Clock {
        Clock {
            running_since: Some(Instant::now()),
            banked: Duration::ZERO,
        }
    }

    /// A clock that already shows `banked` (an attempt taken up again).
    pub fn with_elapsed(banked: Duration) -> Clock {
        Clock {
            running_since: Some(Instant::now()),
            banked,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.banked + self.running_since.map_or(Duration::ZERO, |s| s.elapsed())
    }

    pub fn pause(&mut self) {
        if let Some(s) = self.running_since.take() {
            self.banked += s.elapsed();
        }
    }

    pub fn resume(&mut self) {
        if self.running_since.is_none() {
            self.running_since = Some(Instant::now());
        }
    }

    pub fn is_paused(&self) -> bool {
        self.running_since.is_none()
    }
}

/// The attempt on screen, from the first line to the debrief.
#[derive(Debug)]
pub struct ActiveAttempt {
    pub session: Session,
    pub scenario: Arc<Scenario>,
    pub clock: Clock,
    /// Seconds since the Unix epoch.
    pub started_at: i64,
    /// The pause menu is open.
    pub paused: bool,
    /// The record has been written (or was not wanted).
    pub recorded: bool,
    /// A refused action the trainee should see why.
    pub problem: Option<SessionError>,
}

impl ActiveAttempt {
    pub fn new(session: Session, scenario: Arc<Scenario>) -> ActiveAttempt {
        ActiveAttempt {
            session,
            scenario,
            clock: Clock::started(),
            started_at: crate::records::time::now_secs(),
            paused: false,
            recorded: false,
            problem: None,
        }
    }
}

/// The current attempt, if any; kept after it ends so the debrief can show it.
#[derive(Resource, Debug, Default)]
pub struct Attempt(pub Option<ActiveAttempt>);

pub(super) fn insert(app: &mut App, data_dir: PathBuf, lang: Option<Lang>, records: RecordsStore) {
    let (mut settings, problem) = Settings::load(&data_dir);
    let mut notices = Notices::default();
    if let Some(p) = problem {
        notices.push(p.message(Lang::Zh), p.message(Lang::En));
    }
    if let Some(p) = &records.problem {
        notices.push(
            format!(
                "记录文件无法使用，只能以访客身份练习：{}",
                p.message(Lang::Zh)
            ),
            format!(
                "The records cannot be used; practise as a guest: {}",
                p.message(Lang::En)
            ),
        );
    }
    if let Some(lang) = lang {
        settings.lang = lang;
    }
    // Screens ask for frames while they wait on work; without a window nobody listens.
    app.add_message::<bevy::window::RequestRedraw>();
    app.add_message::<Action>()
        .insert_resource(DataDir(data_dir))
        .insert_resource(Prefs(settings))
        .insert_resource(notices)
        .insert_resource(records)
        .init_resource::<Unfinished>()
        .init_resource::<SignedIn>()
        .init_resource::<ScenarioLibrary>()
        .init_resource::<Attempt>();
}
