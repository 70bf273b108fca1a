//! A role play in progress: customer state, behaviour types, scoring, sessions, transcripts and analysis.

pub mod analysis;
pub mod checks;
pub mod play;
pub mod rules;
pub mod score;
pub mod session;
pub mod state;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use analysis::{Analysis, AnalysisError};
pub use play::{
    PlayError, ReplayError, Simulated, Strategy, play_choices, play_strategy, replay,
    simulate_random,
};
pub use score::{ScoreCard, ScoreEvent};
pub use session::{Mode, Phase, Prompt, Session, SessionError, Transcript, TurnRecord};

use crate::scenario::{Catalogue, PersonaIdx, Scenario};

/// Analyses computed once per scenario and behaviour type, shared by every session.
#[derive(Debug, Default)]
pub struct AnalysisCache {
    done: Mutex<HashMap<(String, u32, PersonaIdx), Arc<Analysis>>>,
}

impl AnalysisCache {
    pub fn get(
        &self,
        scenario: &Arc<Scenario>,
        catalogue: &Arc<Catalogue>,
        persona: PersonaIdx,
    ) -> Result<Arc<Analysis>, AnalysisError> {
        let key = (scenario.id.clone(), scenario.version, persona);
        if let Some(found) = self.done.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(found);
        }
        let analysis = Arc::new(Analysis::run(scenario.clone(), catalogue.clone(), persona)?);
        if let Ok(mut map) = self.done.lock() {
            map.insert(key, analysis.clone());
        }
        Ok(analysis)
    }
}
