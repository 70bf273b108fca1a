//! Preparing: the exact analysis a session scores against, computed off the UI thread.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy_egui::{EguiPrimaryContextPass, egui};

use super::chrome::ScreenView;
use super::{Screen, ViewSet};
use crate::app::state::{
    Action, ActiveAttempt, Attempt, Clock, Notices, RecordsStore, ScenarioLibrary, SignedIn,
    Unfinished,
};
use crate::app::widgets::tr;
use crate::records::InProgress;
use crate::roleplay::{Analysis, AnalysisError, Mode, Session, resume};
use crate::scenario::{Catalogue, Lang, PersonaIdx, Scenario, Text};

/// Analyses already computed, for this library generation.
#[derive(Resource, Debug, Default)]
pub struct AnalysisCache {
    generation: u64,
    entries: Vec<(Arc<Scenario>, PersonaIdx, Arc<Analysis>)>,
}

impl AnalysisCache {
    fn get(
        &self,
        generation: u64,
        scenario: &Arc<Scenario>,
        persona: PersonaIdx,
    ) -> Option<Arc<Analysis>> {
        (self.generation == generation)
            .then(|| {
                self.entries
                    .iter()
                    .find(|(s, p, _)| Arc::ptr_eq(s, scenario) && *p == persona)
                    .map(|(_, _, a)| a.clone())
            })
            .flatten()
    }

    fn put(&mut self, generation: u64, analysis: Arc<Analysis>) {
        if self.generation != generation {
            self.entries.clear();
            self.generation = generation;
        }
        self.entries
            .push((analysis.scenario.clone(), analysis.persona, analysis));
    }
}

/// The analysis under way and what to start once it is done.
#[derive(Resource, Debug, Default)]
pub struct Preparing {
    pub scenario: Option<Arc<Scenario>>,
    pub persona: PersonaIdx,
    pub mode: Mode,
    /// Fixed seed for scripted runs; otherwise the clock gives one.
    pub seed: Option<u64>,
    pub generation: u64,
    started: Option<Instant>,
    job: Option<JoinHandle<Result<Analysis, AnalysisError>>>,
    /// Why the scenario cannot be played.
    pub error: Option<Text>,
    /// An unfinished attempt to take up instead of starting afresh.
    pub resume: Option<InProgress>,
}

impl Preparing {
    /// A new attempt on this analysis in the mode asked for, or the unfinished one taken up.
    fn attempt(&mut self, analysis: Arc<Analysis>) -> Result<ActiveAttempt, Text> {
        let scenario = analysis.scenario.clone();
        if let Some(progress) = self.resume.take() {
            let session = resume(&progress.transcript, analysis)
                .map_err(|e| Text::in_both(|lang| e.message(lang)))?;
            let mut active = ActiveAttempt::new(session, scenario);
            active.started_at = progress.started_at;
            active.clock =
                Clock::with_elapsed(std::time::Duration::from_secs(progress.elapsed_secs));
            return Ok(active);
        }
        let seed = self.seed.unwrap_or_else(clock_seed);
        Ok(ActiveAttempt::new(
            Session::new(analysis, seed, self.mode),
            scenario,
        ))
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<AnalysisCache>();
    app.init_resource::<Preparing>();
    app.add_systems(
        Update,
        (
            handle_start.run_if(in_state(Screen::Home).or_else(in_state(Screen::Debrief))),
            handle_cancel.run_if(in_state(Screen::Preparing)),
            poll.run_if(in_state(Screen::Preparing)),
        ),
    );
    app.add_systems(
        EguiPrimaryContextPass,
        view.in_set(ViewSet::Screen)
            .run_if(in_state(Screen::Preparing)),
    );
}

fn persona_for(
    catalogue: &Catalogue,
    scenario: &Scenario,
    persona: Option<&str>,
) -> Result<PersonaIdx, Text> {
    match persona {
        None => Ok(scenario.persona),
        Some(id) => catalogue.persona_by_id(id).ok_or_else(|| {
            Text::new(
                format!("没有客户类型 `{id}`"),
                format!("unknown behaviour type `{id}`"),
            )
        }),
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "a system: each parameter is a resource it uses"
)]
fn handle_start(
    mut actions: MessageReader<Action>,
    library: Res<ScenarioLibrary>,
    cache: Res<AnalysisCache>,
    mut preparing: ResMut<Preparing>,
    mut attempt: ResMut<Attempt>,
    mut unfinished: ResMut<Unfinished>,
    (records, signed_in, mut notices): (Res<RecordsStore>, Res<SignedIn>, ResMut<Notices>),
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        let (scenario, persona, mode) = match action {
            Action::Start {
                scenario,
                persona,
                mode,
            } => {
                preparing.resume = None;
                (scenario.clone(), persona.clone(), *mode)
            }
            Action::ResumeUnfinished => {
                let Some(progress) = unfinished.0.take() else {
                    continue;
                };
                let t = &progress.transcript;
                let found = (t.scenario.clone(), Some(t.persona.clone()), t.mode);
                preparing.resume = Some(progress);
                found
            }
            Action::DiscardUnfinished => {
                unfinished.0 = None;
                if let Some(t) = &signed_in.0
                    && let Err(e) = records.db.clear_progress(t.id)
                {
                    notices.failed(
                        "未能清除未完成的练习",
                        "Cannot clear the unfinished attempt",
                        |l| e.message(l),
                    );
                }
                continue;
            }
            _ => continue,
        };
        let (scenario, persona, mode) = (&scenario, &persona, &mode);
        let (Some(catalogue), Some(scenario)) = (
            library.library.catalogue.clone(),
            library.scenario(scenario).cloned(),
        ) else {
            preparing.error = Some(Text::new(
                format!("情景 `{scenario}` 没有载入（文件可能已删除或有问题）"),
                format!(
                    "scenario `{scenario}` is not loaded (its file may be gone or have problems)"
                ),
            ));
            preparing.scenario = None;
            next.set(Screen::Preparing);
            continue;
        };
        preparing.error = None;
        preparing.scenario = Some(scenario.clone());
        preparing.mode = *mode;
        preparing.generation = library.generation;
        let persona = match persona_for(&catalogue, &scenario, persona.as_deref()) {
            Ok(p) => p,
            Err(e) => {
                preparing.error = Some(e);
                next.set(Screen::Preparing);
                continue;
            }
        };
        preparing.persona = persona;
        attempt.0 = None;
        if let Some(analysis) = cache.get(library.generation, &scenario, persona) {
            match preparing.attempt(analysis) {
                Ok(a) => {
                    attempt.0 = Some(a);
                    next.set(Screen::RolePlay);
                }
                Err(e) => {
                    preparing.error = Some(e);
                    next.set(Screen::Preparing);
                }
            }
            continue;
        }
        preparing.started = Some(Instant::now());
        preparing.job = Some(std::thread::spawn(move || {
            Analysis::run(scenario, catalogue, persona)
        }));
        next.set(Screen::Preparing);
    }
}

fn clock_seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

fn handle_cancel(
    mut actions: MessageReader<Action>,
    mut preparing: ResMut<Preparing>,
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        if matches!(action, Action::CancelPreparing | Action::Home) {
            // The thread finishes on its own; its result is dropped.
            preparing.job = None;
            preparing.error = None;
            next.set(Screen::Home);
        }
    }
}

fn poll(
    mut preparing: ResMut<Preparing>,
    mut cache: ResMut<AnalysisCache>,
    mut attempt: ResMut<Attempt>,
    mut next: ResMut<NextState<Screen>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let finished = preparing.job.as_ref().is_some_and(|j| j.is_finished());
    if !finished {
        if preparing.job.is_some() {
            // Keep frames coming so the result is picked up as soon as it is ready.
            redraw.write(RequestRedraw);
        }
        return;
    }
    let Some(job) = preparing.job.take() else {
        return;
    };
    match job.join() {
        Ok(Ok(analysis)) => {
            let analysis = Arc::new(analysis);
            if let Some(started) = preparing.started {
                info!(
                    "analysed {} ({} states) in {:.2?}",
                    analysis.scenario.id,
                    analysis.state_count(),
                    started.elapsed()
                );
            }
            cache.put(preparing.generation, analysis.clone());
            match preparing.attempt(analysis) {
                Ok(a) => {
                    attempt.0 = Some(a);
                    next.set(Screen::RolePlay);
                }
                Err(e) => preparing.error = Some(e),
            }
        }
        Ok(Err(e)) => preparing.error = Some(Text::in_both(|lang| e.message(lang))),
        Err(_) => {
            preparing.error = Some(Text::new(
                "分析意外中止",
                "the analysis stopped unexpectedly",
            ));
        }
    }
}

fn view(
    mut view: ScreenView,
    preparing: Res<Preparing>,
    mut actions: MessageWriter<Action>,
) -> Result {
    let (ctx, mut root, lang) = view.begin("preparing")?;
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui.vertical_centered(|ui| {
            ui.add_space(ui.available_height() / 3.0);
            if let Some(scenario) = &preparing.scenario {
                ui.heading(scenario.title.get(lang));
            }
            match &preparing.error {
                Some(error) => {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        match lang {
                            Lang::Zh => format!("无法开始：{}", error.zh),
                            Lang::En => format!("Cannot start: {}", error.en),
                        },
                    );
                    if ui
                        .button(tr(lang, "返回情景列表", "Back to the scenarios"))
                        .clicked()
                    {
                        actions.write(Action::CancelPreparing);
                    }
                }
                None => {
                    ui.add(egui::Spinner::new().size(32.0));
                    ui.label(tr(
                        lang,
                        "正在准备评分：计算每一种应对路径……",
                        "Preparing the scoring: working through every way the conversation can go…",
                    ));
                    if let Some(started) = preparing.started {
                        ui.weak(format!("{:.0} s", started.elapsed().as_secs_f32()));
                    }
                    if ui.button(tr(lang, "取消 (Esc)", "Cancel (Esc)")).clicked()
                        || ctx.input(|i| i.key_pressed(egui::Key::Escape))
                    {
                        actions.write(Action::CancelPreparing);
                    }
                }
            }
        });
    });
    Ok(())
}
