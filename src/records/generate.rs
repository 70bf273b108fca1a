//! Realistic recorded attempts in bulk, for benchmarks and crash tests: real sessions played at
//! random on the bundled scenarios, spread over trainees, cohorts and a year of dates.

use std::sync::Arc;

use rand::Rng;
use thiserror::Error;
use uuid::Uuid;

use crate::roleplay::{
    Analysis, AnalysisError, Mode, ScoreCard, SessionError, Strategy, Transcript, play_strategy,
};
use crate::scenario::Library;

use super::{AttemptRecord, Cohort, Db, RecordsError, Trainee};

#[derive(Debug, Error)]
pub enum GenerateError {
    #[error("no scenarios to play{0}")]
    NoScenarios(String),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Records(#[from] RecordsError),
}

/// Played attempts to copy from: each generated record is one of these with its own id,
/// trainee and times.
#[derive(Debug, Clone)]
pub struct Templates(Vec<(ScoreCard, Transcript)>);

impl Templates {
    /// Plays `per_type` random sessions of each scenario (all, or those named) for each behaviour
    /// type (all, or only each scenario's own), in both modes.
    pub fn play(
        library: &Library,
        scenarios: &[String],
        all_types: bool,
        per_type: usize,
        seed: u64,
    ) -> Result<Templates, GenerateError> {
        let catalogue = library
            .catalogue
            .clone()
            .ok_or_else(|| GenerateError::NoScenarios(": the catalogue did not load".into()))?;
        let chosen: Vec<_> = library
            .scenarios
            .iter()
            .filter(|s| scenarios.is_empty() || scenarios.contains(&s.id))
            .cloned()
            .collect();
        if chosen.is_empty() {
            return Err(GenerateError::NoScenarios(format!(
                " among {}",
                scenarios.join(", ")
            )));
        }
        let mut items = Vec::new();
        for scenario in chosen {
            let personas: Vec<u8> = if all_types {
                (0..catalogue.personas.len() as u8).collect()
            } else {
                vec![scenario.persona]
            };
            for persona in personas {
                let analysis =
                    Arc::new(Analysis::run(scenario.clone(), catalogue.clone(), persona)?);
                for i in 0..per_type {
                    let mode = if i % 3 == 2 {
                        Mode::Assessment
                    } else {
                        Mode::Practice
                    };
                    let s = seed
                        .wrapping_add(i as u64)
                        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
                    let session = play_strategy(analysis.clone(), s, mode, Strategy::Random)?;
                    items.push((session.score(), session.transcript().clone()));
                }
            }
        }
        Ok(Templates(items))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One attempt by `trainee_id` that ended at about `ended_at`.
    pub fn attempt(&self, rng: &mut impl Rng, trainee_id: i64, ended_at: i64) -> AttemptRecord {
        let (score, transcript) = &self.0[rng.random_range(0..self.0.len())];
        let duration_secs = rng.random_range(90..900u64);
        AttemptRecord {
            id: Uuid::from_u128(rng.random()),
            trainee_id,
            started_at: ended_at - duration_secs as i64,
            ended_at,
            duration_secs,
            score: score.clone(),
            transcript: transcript.clone(),
        }
    }
}

/// Adds `trainees` trainees spread over `cohorts` cohorts; returns their ids.
pub fn add_trainees(
    db: &Db,
    trainees: usize,
    cohorts: usize,
    rng: &mut impl Rng,
) -> Result<Vec<i64>, RecordsError> {
    const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    const GIVEN: &[&str] = &[
        "喆", "堃", "玥", "彧", "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳",
    ];
    for c in 0..cohorts {
        let name = format!("{} 期", 202_600 + c + 1);
        if db.find_cohort(&name).is_err() {
            db.add_cohort(&Cohort {
                name,
                trainer: format!("{}老师", SURNAMES[c % SURNAMES.len()]),
                ..Cohort::default()
            })?;
        }
    }
    let mut ids = Vec::with_capacity(trainees);
    for i in 0..trainees {
        let name = format!(
            "{}{}{}",
            SURNAMES[rng.random_range(0..SURNAMES.len())],
            GIVEN[rng.random_range(0..GIVEN.len())],
            GIVEN[rng.random_range(0..GIVEN.len())]
        );
        let cohort = if cohorts == 0 {
            String::new()
        } else {
            format!("{} 期", 202_600 + i % cohorts + 1)
        };
        let t = db.add_trainee(&Trainee {
            name,
            employee_no: format!("G{:06}-{:08x}", i, rng.random::<u32>()),
            site: format!("{}号店", i % 17 + 1),
            cohort,
            ..Trainee::default()
        })?;
        ids.push(t.id);
    }
    Ok(ids)
}
