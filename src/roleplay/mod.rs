//! A role play in progress: customer state, behaviour types, scoring, sessions, transcripts and analysis.

pub mod analysis;
pub mod checks;
mod feasible;
pub mod play;
pub mod rules;
pub mod score;
pub mod session;
pub mod state;

pub use analysis::{Analysis, AnalysisError};
pub use play::{
    PlayError, ReplayError, Simulated, Strategy, play_choices, play_strategy, replay, resume,
    simulate_random,
};
pub use score::{ScoreCard, ScoreEvent};
pub use session::{Mode, Phase, Prompt, Session, SessionError, Transcript, TurnRecord};
