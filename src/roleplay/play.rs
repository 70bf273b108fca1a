//! Playing without a person: strategies, fixed choice lists, and replaying a transcript.

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use super::analysis::Analysis;
use super::rules::{Scorer, Source};
use super::score::ScoreCard;
use super::score::round1;
use super::session::{Mode, Phase, Session, SessionError, Transcript};
use super::state::{PlayState, TIMEOUT_NODE};
use crate::scenario::{Lang, NodeIdx, PrincipleIdx, StepIdx, TechniqueIdx, count_en};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The reply on the exact optimum from the analysis.
    Best,
    /// The reply on the exact worst path.
    Worst,
    /// A uniformly random reply (seeded).
    Random,
}

impl Strategy {
    pub fn parse(s: &str) -> Option<Strategy> {
        match s {
            "best" => Some(Strategy::Best),
            "worst" => Some(Strategy::Worst),
            "random" => Some(Strategy::Random),
            _ => None,
        }
    }
}

/// The 1-based number of the reply a strategy picks in the session's current prompt.
pub fn pick(session: &Session, strategy: Strategy, rng: &mut impl Rng) -> Option<usize> {
    let prompt = session.prompt()?;
    let wanted = match strategy {
        Strategy::Best => session.analysis().best_reply(session.state())?,
        Strategy::Worst => session.analysis().worst_reply(session.state())?,
        Strategy::Random => {
            return (!prompt.offered.is_empty())
                .then(|| rng.random_range(0..prompt.offered.len()) + 1);
        }
    };
    prompt
        .offered
        .iter()
        .position(|o| o.index == wanted)
        .map(|i| i + 1)
}

/// Plays a whole attempt with a strategy.
pub fn play_strategy(
    analysis: Arc<Analysis>,
    seed: u64,
    mode: Mode,
    strategy: Strategy,
) -> Result<Session, SessionError> {
    let mut session = Session::new(analysis, seed, mode);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_c401_ce55);
    loop {
        match session.phase() {
            Phase::Ended => return Ok(session),
            Phase::Feedback => session.proceed()?,
            Phase::Choosing => {
                let number = pick(&session, strategy, &mut rng).ok_or(SessionError::WrongPhase(
                    "no reply is available at this turn",
                ))?;
                session.choose(number)?;
            }
        }
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum PlayError {
    #[error("choice {position} ({number}): {source}")]
    BadChoice {
        position: usize,
        number: usize,
        source: SessionError,
    },
    #[error(
        "the choices ran out after {}, before the role play ended",
        count_en(*given, "reply", "replies")
    )]
    TooFewChoices { given: usize },
    #[error("{} left over after the role play ended", count_en(*extra, "choice", "choices"))]
    TooManyChoices { extra: usize },
}

impl PlayError {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (
                PlayError::BadChoice {
                    position,
                    number,
                    source,
                },
                Lang::Zh,
            ) => format!("第 {position} 个选择（{number}）：{}", source.message(lang)),
            (PlayError::TooFewChoices { given }, Lang::Zh) => {
                format!("{given} 个选择用完了，演练还没有结束")
            }
            (PlayError::TooManyChoices { extra }, Lang::Zh) => {
                format!("演练结束后还多出 {extra} 个选择")
            }
        }
    }
}

/// Plays the given replies (1-based numbers as shown) and nothing else.
pub fn play_choices(
    analysis: Arc<Analysis>,
    seed: u64,
    mode: Mode,
    choices: &[usize],
) -> Result<Session, PlayError> {
    let mut session = Session::new(analysis, seed, mode);
    let mut next = choices.iter().enumerate();
    loop {
        match session.phase() {
            Phase::Ended => {
                let extra = next.count();
                return if extra == 0 {
                    Ok(session)
                } else {
                    Err(PlayError::TooManyChoices { extra })
                };
            }
            Phase::Feedback => session.proceed().map_err(|source| PlayError::BadChoice {
                position: 0,
                number: 0,
                source,
            })?,
            Phase::Choosing => {
                let Some((i, &number)) = next.next() else {
                    return Err(PlayError::TooFewChoices {
                        given: choices.len(),
                    });
                };
                session
                    .choose(number)
                    .map_err(|source| PlayError::BadChoice {
                        position: i + 1,
                        number,
                        source,
                    })?;
            }
        }
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum ReplayError {
    #[error("the transcript is of scenario `{recorded}`, not `{current}`")]
    WrongScenario { recorded: String, current: String },
    #[error(
        "the transcript was made with version {recorded} of `{scenario}`, and the scenario is now version {current}; its recorded score stands, but it cannot be scored again"
    )]
    VersionChanged {
        scenario: String,
        recorded: u32,
        current: u32,
    },
    #[error("the transcript's behaviour type `{0}` does not match the analysis")]
    WrongPersona(String),
    #[error("turn {turn}: {source}")]
    Choice { turn: usize, source: SessionError },
    #[error("turn {turn} no longer plays as recorded ({what})")]
    Diverged { turn: usize, what: &'static str },
}

impl ReplayError {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (ReplayError::WrongScenario { recorded, current }, Lang::Zh) => {
                format!("这份记录是情景 `{recorded}` 的，不是 `{current}` 的")
            }
            (
                ReplayError::VersionChanged {
                    scenario,
                    recorded,
                    current,
                },
                Lang::Zh,
            ) => format!(
                "这份记录是用情景 `{scenario}` 的第 {recorded} 版做的，而情景现在是第 {current} 版；原来记下的成绩仍然有效，但无法再按新版评分"
            ),
            (ReplayError::WrongPersona(persona), Lang::Zh) => {
                format!("这份记录的客户类型 `{persona}` 与分析所用的不一致")
            }
            (ReplayError::Choice { turn, source }, Lang::Zh) => {
                format!("第 {turn} 回合：{}", source.message(lang))
            }
            (ReplayError::Diverged { turn, what }, Lang::Zh) => {
                let what = match *what {
                    DIFFERENT_ENDING => "到达了另一个结局",
                    OTHER_REPLIES => "给出的回应不同",
                    OTHER_SCORE => "这条回应的得分不同",
                    other => other,
                };
                format!("第 {turn} 回合的结果已与记录不同（{what}）")
            }
        }
    }
}

const DIFFERENT_ENDING: &str = "a different ending was reached";
const OTHER_REPLIES: &str = "other replies were offered";
const OTHER_SCORE: &str = "the reply scored differently";

/// Plays a transcript's choices again and checks that every turn comes out as recorded.
pub fn replay(transcript: &Transcript, analysis: Arc<Analysis>) -> Result<ScoreCard, ReplayError> {
    let session = resume(transcript, analysis)?;
    if session.transcript().ending != transcript.ending {
        return Err(ReplayError::Diverged {
            turn: transcript.turns.len(),
            what: DIFFERENT_ENDING,
        });
    }
    Ok(session.score())
}

/// The session a transcript leads to, checking on the way that every turn plays as recorded:
/// how an attempt saved after a crash is taken up again.
pub fn resume(transcript: &Transcript, analysis: Arc<Analysis>) -> Result<Session, ReplayError> {
    let scenario = &analysis.scenario;
    if transcript.scenario != scenario.id {
        return Err(ReplayError::WrongScenario {
            recorded: transcript.scenario.clone(),
            current: scenario.id.clone(),
        });
    }
    if transcript.scenario_version != scenario.version {
        return Err(ReplayError::VersionChanged {
            scenario: scenario.id.clone(),
            recorded: transcript.scenario_version,
            current: scenario.version,
        });
    }
    if analysis.catalogue.persona(analysis.persona).id != transcript.persona {
        return Err(ReplayError::WrongPersona(transcript.persona.clone()));
    }
    let mut session = Session::new(analysis, transcript.seed, transcript.mode);
    for (i, recorded) in transcript.turns.iter().enumerate() {
        if session.phase() == Phase::Feedback {
            session.proceed().map_err(|source| ReplayError::Choice {
                turn: i + 1,
                source,
            })?;
        }
        let shown: Vec<String> = session
            .prompt()
            .map(|p| p.offered.iter().map(|o| o.id.clone()).collect())
            .unwrap_or_default();
        if shown != recorded.shown {
            return Err(ReplayError::Diverged {
                turn: i + 1,
                what: OTHER_REPLIES,
            });
        }
        let turn = session
            .choose_id(&recorded.chosen)
            .map_err(|source| ReplayError::Choice {
                turn: i + 1,
                source,
            })?;
        if turn.events != recorded.events {
            return Err(ReplayError::Diverged {
                turn: i + 1,
                what: OTHER_SCORE,
            });
        }
    }
    if session.phase() == Phase::Feedback {
        session.proceed().map_err(|source| ReplayError::Choice {
            turn: transcript.turns.len(),
            source,
        })?;
    }
    Ok(session)
}

/// The result of a simulated attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulated {
    pub total: f64,
    pub passed: bool,
    /// The ending node, or `TIMEOUT_NODE`.
    pub ending: NodeIdx,
    /// The replies chosen, by their index in each turn.
    pub choices: Vec<usize>,
}

struct TotalScorer<'a> {
    principles: &'a mut [i32],
    critical: bool,
}

impl Scorer for TotalScorer<'_> {
    fn points(&mut self, principle: PrincipleIdx, _: StepIdx, points: i8, _: Source) {
        self.principles[usize::from(principle)] += i32::from(points);
    }

    fn critical(&mut self, _: TechniqueIdx) {
        self.critical = true;
    }
}

/// Plays one attempt of uniformly random replies on the engine's step function alone, without
/// the texts a session records: the same rules and scores as a session, at simulation speed.
pub fn simulate_random(
    analysis: &Analysis,
    rng: &mut impl Rng,
    buffer: &mut Vec<usize>,
) -> Simulated {
    let ctx = analysis.context();
    let persona = analysis.catalogue.persona(analysis.persona);
    let mut state = PlayState::start(&analysis.scenario, persona.start_mood, persona.start_trust);
    let mut principles = vec![0i32; analysis.catalogue.principles.len()];
    let mut critical = false;
    let mut choices = Vec::new();
    while !ctx.is_over(&state) {
        ctx.available_into(&state, buffer);
        if buffer.is_empty() {
            break;
        }
        let reply = buffer[rng.random_range(0..buffer.len())];
        choices.push(reply);
        let mut scorer = TotalScorer {
            principles: &mut principles,
            critical,
        };
        state = ctx.apply(&state, reply, &mut scorer).state;
        critical = scorer.critical;
    }
    let total = round1(analysis.total(&principles));
    Simulated {
        total,
        passed: total >= analysis.catalogue.pass_mark && !critical,
        ending: if ctx.is_over(&state) {
            state.node
        } else {
            TIMEOUT_NODE
        },
        choices,
    }
}
