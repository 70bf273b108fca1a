//! A role play in progress: the session state machine, seeded randomness, and the transcript.

use std::sync::Arc;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::scenario::{Lang, NodeKind, Outcome, Text};

use super::analysis::Analysis;
use super::score::{CriticalError, EventScorer, ScoreCard, ScoreEvent};
use super::state::{CustomerSnapshot, PlayState, TIMEOUT_NODE};

/// Practice coaches after every reply; assessment keeps all feedback for the debrief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Practice,
    Assessment,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Practice => "practice",
            Mode::Assessment => "assessment",
        }
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SessionError {
    #[error("choose a number from 1 to {shown}")]
    NoSuchChoice { shown: usize },
    #[error("reply `{0}` is not offered at this turn")]
    ReplyNotOffered(String),
    #[error("there is nothing to choose now: {0}")]
    WrongPhase(&'static str),
    #[error("hints and retries are for practice mode; this is an assessment")]
    NotInPractice,
}

impl SessionError {
    /// The message for the trainee, in `lang` (an error in the program's own use of the session
    /// keeps its English detail).
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (SessionError::NoSuchChoice { shown }, Lang::Zh) => {
                format!("请输入 1 到 {shown} 之间的编号")
            }
            (SessionError::ReplyNotOffered(id), Lang::Zh) => format!("这一回合没有回应 `{id}`"),
            (SessionError::WrongPhase(why), Lang::Zh) => format!("现在不能这样做：{why}"),
            (SessionError::NotInPractice, Lang::Zh) => {
                "提示和重做只用于练习模式；现在是考核。".to_string()
            }
        }
    }
}

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// The customer has spoken; the trainee chooses a reply.
    Choosing,
    /// Practice mode: feedback on the last reply is shown; continue or retry.
    Feedback,
    /// An ending was reached; the debrief is ready.
    Ended,
}

/// One reply as offered on screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offered {
    /// The reply's id in its turn.
    pub id: String,
    /// Its position in the turn as written (0-based).
    pub index: usize,
    pub text: Text,
    /// Technique ids.
    pub techniques: Vec<String>,
}

/// The customer's line and the replies offered, in the order shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    pub turn: u32,
    pub node: String,
    pub step: String,
    pub say: Text,
    pub offered: Vec<Offered>,
}

/// One turn of an attempt, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    pub turn: u32,
    pub node: String,
    pub step: String,
    pub say: Text,
    /// Reply ids in the order they were shown.
    pub shown: Vec<String>,
    pub chosen: String,
    pub chosen_text: Text,
    pub techniques: Vec<String>,
    pub react: Option<Text>,
    pub before: CustomerSnapshot,
    pub after: CustomerSnapshot,
    pub events: Vec<ScoreEvent>,
    /// The reply that led to the best total from this point, when another was chosen.
    pub better: Option<String>,
    pub better_text: Option<Text>,
    /// What the better reply would have scored at this turn, so that coaching can say why it
    /// is better (its advantage may also lie in where it leads). Empty in older transcripts.
    #[serde(default)]
    pub better_events: Vec<ScoreEvent>,
    /// The escalation this reply triggered.
    pub escalation: Option<String>,
    /// Times the trainee took this turn back (practice mode).
    pub retries: u32,
}

impl TurnRecord {
    /// What the trainee is told when this reply set off one of the scenario's escalations (their
    /// ids are for authors).
    pub fn escalation_notice(&self) -> Option<Text> {
        self.escalation.as_ref().map(|_| {
            Text::new(
                "客户的耐心耗尽，事态升级了。",
                "The customer's patience ran out: the complaint escalates.",
            )
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndingRecord {
    /// The ending node's id, or `timeout` when the turn limit was reached.
    pub node: String,
    pub outcome: Outcome,
    pub title: Text,
    pub say: Text,
    pub debrief: Text,
}

/// Everything about an attempt needed to show it again or score it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub scenario: String,
    pub scenario_version: u32,
    pub persona: String,
    pub seed: u64,
    pub mode: Mode,
    pub turns: Vec<TurnRecord>,
    pub ending: Option<EndingRecord>,
    pub critical: Vec<CriticalError>,
}

/// The randomness of one turn: the same seed and turn give the same draws on every machine.
fn turn_rng(seed: u64, turn: u32, purpose: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream((u64::from(turn) << 8) | purpose);
    rng
}

const DRAW_LINES: u64 = 1;
const DRAW_REACT: u64 = 2;

/// A role play in progress.
#[derive(Debug, Clone)]
pub struct Session {
    analysis: Arc<Analysis>,
    seed: u64,
    mode: Mode,
    state: PlayState,
    phase: Phase,
    prompt: Option<Prompt>,
    transcript: Transcript,
    /// The state before the last reply, for "try this turn again".
    previous: Option<(PlayState, Prompt)>,
    retries_pending: u32,
}

impl Session {
    pub fn new(analysis: Arc<Analysis>, seed: u64, mode: Mode) -> Session {
        let scenario = analysis.scenario.clone();
        let catalogue = analysis.catalogue.clone();
        let persona = catalogue.persona(analysis.persona);
        let state = PlayState::start(&scenario, persona.start_mood, persona.start_trust);
        let mut session = Session {
            transcript: Transcript {
                scenario: scenario.id.clone(),
                scenario_version: scenario.version,
                persona: persona.id.clone(),
                seed,
                mode,
                turns: Vec::new(),
                ending: None,
                critical: Vec::new(),
            },
            analysis,
            seed,
            mode,
            state,
            phase: Phase::Choosing,
            prompt: None,
            previous: None,
            retries_pending: 0,
        };
        session.enter_state();
        session
    }

    pub fn analysis(&self) -> &Arc<Analysis> {
        &self.analysis
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn state(&self) -> &PlayState {
        &self.state
    }

    pub fn customer(&self) -> CustomerSnapshot {
        CustomerSnapshot::of(&self.state, &self.analysis.scenario)
    }

    /// The current customer line and replies (while choosing, and while feedback is shown).
    pub fn prompt(&self) -> Option<&Prompt> {
        self.prompt.as_ref()
    }

    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The last recorded turn: the feedback to show in practice mode.
    pub fn last_turn(&self) -> Option<&TurnRecord> {
        self.transcript.turns.last()
    }

    /// Sets up the prompt (or the ending) for the current state.
    fn enter_state(&mut self) {
        let ctx = self.analysis.context();
        if ctx.is_over(&self.state) {
            self.phase = Phase::Ended;
            self.prompt = None;
            let catalogue = &self.analysis.catalogue;
            let ending = if self.state.node == TIMEOUT_NODE {
                EndingRecord {
                    node: "timeout".into(),
                    outcome: Outcome::Lost,
                    title: Outcome::Lost.label(),
                    say: catalogue.timeout.say.clone(),
                    debrief: catalogue.timeout.debrief.clone(),
                }
            } else {
                let node = self.analysis.scenario.node(self.state.node);
                match &node.kind {
                    NodeKind::Ending(e) => {
                        let mut rng = turn_rng(self.seed, u32::from(self.state.turn), DRAW_LINES);
                        let say = e.say[rng.random_range(0..e.say.len())].clone();
                        EndingRecord {
                            node: node.id.clone(),
                            outcome: e.outcome,
                            title: e.title.clone(),
                            say,
                            debrief: e.debrief.clone(),
                        }
                    }
                    NodeKind::Turn(_) => return,
                }
            };
            self.transcript.ending = Some(ending);
            return;
        }
        let Some(turn) = ctx.turn(self.state.node) else {
            return;
        };
        let index = u32::from(self.state.turn);
        let mut rng = turn_rng(self.seed, index, DRAW_LINES);
        let lines = turn.lines_for(self.analysis.persona);
        let say = lines[rng.random_range(0..lines.len())].clone();
        let mut order = ctx.available(&self.state);
        order.shuffle(&mut rng);
        let catalogue = &self.analysis.catalogue;
        let offered = order
            .into_iter()
            .map(|i| {
                let r = &turn.replies[i];
                Offered {
                    id: r.id.clone(),
                    index: i,
                    text: r.text.clone(),
                    techniques: r
                        .techniques
                        .iter()
                        .map(|t| catalogue.technique(*t).id.clone())
                        .collect(),
                }
            })
            .collect();
        self.prompt = Some(Prompt {
            turn: index,
            node: self.analysis.scenario.node(self.state.node).id.clone(),
            step: catalogue.step(turn.step).id.clone(),
            say,
            offered,
        });
        self.phase = Phase::Choosing;
    }

    /// Chooses the reply shown at position `number` (1-based, as on screen).
    pub fn choose(&mut self, number: usize) -> Result<&TurnRecord, SessionError> {
        let prompt = match (&self.phase, &self.prompt) {
            (Phase::Choosing, Some(p)) => p,
            (Phase::Feedback, _) => {
                return Err(SessionError::WrongPhase("continue or retry first"));
            }
            _ => return Err(SessionError::WrongPhase("the role play has ended")),
        };
        let shown = prompt.offered.len();
        let offered = number
            .checked_sub(1)
            .and_then(|i| prompt.offered.get(i))
            .ok_or(SessionError::NoSuchChoice { shown })?;
        let index = offered.index;
        self.apply(index)
    }

    /// Chooses a reply by its id in the turn (used by replays).
    pub fn choose_id(&mut self, id: &str) -> Result<&TurnRecord, SessionError> {
        let number = self
            .prompt
            .as_ref()
            .and_then(|p| p.offered.iter().position(|o| o.id == id))
            .ok_or_else(|| SessionError::ReplyNotOffered(id.to_string()))?;
        self.choose(number + 1)
    }

    fn apply(&mut self, index: usize) -> Result<&TurnRecord, SessionError> {
        let Some(prompt) = self.prompt.clone() else {
            return Err(SessionError::WrongPhase("the role play has ended"));
        };
        let analysis = self.analysis.clone();
        let ctx = analysis.context();
        let scenario = &analysis.scenario;
        let catalogue = &analysis.catalogue;
        let turn = ctx
            .turn(self.state.node)
            .ok_or(SessionError::WrongPhase("the role play has ended"))?;
        let reply = &turn.replies[index];
        // Scores reply `i` of this turn from `before`, with the texts the trainee is shown.
        let score_reply = |i: usize, before: &PlayState| {
            let mut scorer = EventScorer {
                catalogue,
                scenario,
                persona: analysis.persona,
                reply: Some(&turn.replies[i]),
                events: Vec::new(),
                critical: Vec::new(),
            };
            let outcome = ctx.apply(before, i, &mut scorer);
            (outcome, scorer)
        };
        let before = self.state;
        let (outcome, scorer) = score_reply(index, &before);
        let better_index = analysis.best_reply(&before).filter(|b| *b != index);
        let better = better_index.map(|b| &turn.replies[b]);
        // What the better reply would have scored here (only its points: its outcome is not taken).
        let better_events = better_index.map_or(Vec::new(), |b| score_reply(b, &before).1.events);
        let react = if reply.react.is_empty() {
            None
        } else {
            let mut rng = turn_rng(self.seed, u32::from(before.turn), DRAW_REACT);
            Some(reply.react[rng.random_range(0..reply.react.len())].clone())
        };
        for t in &scorer.critical {
            let technique = catalogue.technique(*t);
            self.transcript.critical.push(CriticalError {
                turn: u32::from(before.turn),
                technique: technique.id.clone(),
                name: technique.name.clone(),
            });
        }
        let record = TurnRecord {
            turn: u32::from(before.turn),
            node: prompt.node.clone(),
            step: prompt.step.clone(),
            say: prompt.say.clone(),
            shown: prompt.offered.iter().map(|o| o.id.clone()).collect(),
            chosen: reply.id.clone(),
            chosen_text: reply.text.clone(),
            techniques: reply
                .techniques
                .iter()
                .map(|t| catalogue.technique(*t).id.clone())
                .collect(),
            react,
            before: CustomerSnapshot::of(&before, scenario),
            after: CustomerSnapshot::of(&outcome.state, scenario),
            events: scorer.events,
            better: better.map(|r| r.id.clone()),
            better_text: better.map(|r| r.text.clone()),
            better_events,
            escalation: outcome
                .escalation
                .map(|k| scenario.escalations[k].id.clone()),
            retries: std::mem::take(&mut self.retries_pending),
        };
        self.transcript.turns.push(record);
        self.previous = Some((before, prompt));
        self.state = outcome.state;
        match self.mode {
            Mode::Practice => self.phase = Phase::Feedback,
            Mode::Assessment => self.enter_state(),
        }
        self.transcript
            .turns
            .last()
            .ok_or(SessionError::WrongPhase("nothing recorded"))
    }

    /// Practice mode: moves on from the feedback to the customer's next line (or the ending).
    pub fn proceed(&mut self) -> Result<(), SessionError> {
        if self.phase != Phase::Feedback {
            return Err(SessionError::WrongPhase(
                "there is no feedback to move on from",
            ));
        }
        self.previous = None;
        self.enter_state();
        Ok(())
    }

    /// Practice mode: takes the last reply back and offers the same turn again.
    pub fn retry(&mut self) -> Result<(), SessionError> {
        if self.mode != Mode::Practice {
            return Err(SessionError::NotInPractice);
        }
        let Some((before, prompt)) = self.previous.take() else {
            return Err(SessionError::WrongPhase("there is no reply to take back"));
        };
        if let Some(last) = self.transcript.turns.pop() {
            self.retries_pending = last.retries + 1;
            self.transcript.critical.retain(|c| c.turn != last.turn);
        }
        self.state = before;
        self.prompt = Some(prompt);
        self.phase = Phase::Choosing;
        Ok(())
    }

    /// Practice mode: the reply (1-based, as shown) that leads to the best result from here.
    pub fn hint(&self) -> Result<Option<usize>, SessionError> {
        if self.mode != Mode::Practice {
            return Err(SessionError::NotInPractice);
        }
        let Some(prompt) = (self.phase == Phase::Choosing)
            .then_some(self.prompt.as_ref())
            .flatten()
        else {
            return Ok(None);
        };
        Ok(self
            .analysis
            .best_reply(&self.state)
            .and_then(|best| prompt.offered.iter().position(|o| o.index == best))
            .map(|i| i + 1))
    }

    /// The score so far (final once the session has ended).
    pub fn score(&self) -> ScoreCard {
        ScoreCard::compute(
            &self.analysis,
            self.transcript.turns.iter().flat_map(|t| t.events.iter()),
            self.transcript.critical.clone(),
            self.transcript.ending.as_ref().map(|e| e.outcome),
            self.analysis.catalogue.pass_mark,
        )
    }

    pub fn is_over(&self) -> bool {
        self.phase == Phase::Ended
    }
}
