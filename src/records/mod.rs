//! Trainees, cohorts and attempts kept in one SQLite file; the dashboard's figures; exports and
//! sync to a Learning Record Store. Nothing here draws anything.

mod collate;
mod db;
pub mod export;
pub mod generate;
mod migrations;
mod packed;
pub mod password;
pub mod sync;
pub mod time;
mod trainee;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::roleplay::{Mode, ScoreCard, Transcript};
use crate::scenario::Outcome;

pub use collate::name_key;
pub use db::{DB_FILE, Db, RecordsError, Span, StoredBatch, StoredRow};
pub use trainee::{
    Cohort, MAX_EMPLOYEE_NO_CHARS, MAX_FIELD_CHARS, Trainee, TraineeError, clean_name,
};

/// One finished attempt, everything kept about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// Also the xAPI registration of its statements.
    pub id: Uuid,
    pub trainee_id: i64,
    /// Seconds since the Unix epoch.
    pub started_at: i64,
    pub ended_at: i64,
    /// Seconds spent, pauses excluded.
    pub duration_secs: u64,
    pub score: ScoreCard,
    /// Scenario, version, behaviour type, mode, seed and every turn.
    pub transcript: Transcript,
}

impl AttemptRecord {
    pub fn summary(&self) -> AttemptSummary {
        let lines = |lines: &[crate::roleplay::score::Line]| {
            lines
                .iter()
                .map(|l| LineScore {
                    id: l.id.clone(),
                    points: l.points,
                    min: l.min,
                    max: l.max,
                    percent: l.percent,
                })
                .collect()
        };
        AttemptSummary {
            id: self.id,
            trainee_id: self.trainee_id,
            scenario: self.transcript.scenario.clone(),
            scenario_version: self.transcript.scenario_version,
            persona: self.transcript.persona.clone(),
            mode: self.transcript.mode,
            seed: self.transcript.seed,
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_secs: self.duration_secs,
            total: self.score.total,
            passed: self.score.passed,
            ending: self.transcript.ending.as_ref().map(|e| e.node.clone()),
            outcome: self.score.outcome,
            critical: self.score.critical.len() as u32,
            principles: lines(&self.score.principles),
            steps: lines(&self.score.steps),
        }
    }
}

/// One principle's or step's points in an attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineScore {
    pub id: String,
    pub points: i32,
    pub min: i32,
    pub max: i32,
    /// 0–100 between the worst and best this scenario allows; absent when not tested.
    pub percent: Option<f64>,
}

/// An attempt without its transcript: what tables, charts and exports read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptSummary {
    pub id: Uuid,
    pub trainee_id: i64,
    pub scenario: String,
    pub scenario_version: u32,
    pub persona: String,
    pub mode: Mode,
    pub seed: u64,
    pub started_at: i64,
    pub ended_at: i64,
    pub duration_secs: u64,
    pub total: f64,
    pub passed: bool,
    /// The ending node, or `timeout`.
    pub ending: Option<String>,
    pub outcome: Option<Outcome>,
    /// How many critical errors were made.
    pub critical: u32,
    pub principles: Vec<LineScore>,
    pub steps: Vec<LineScore>,
}

/// An attempt not yet finished, saved after every turn so that it can be resumed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InProgress {
    pub trainee_id: i64,
    pub started_at: i64,
    /// Seconds spent so far, pauses excluded.
    pub elapsed_secs: u64,
    /// The turns so far; replaying their choices restores the session.
    pub transcript: Transcript,
}

/// Which attempts a table, chart or export covers. Empty fields do not filter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    pub cohort: Option<i64>,
    pub trainee: Option<i64>,
    /// Attempts that ended at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Attempts that ended before this time.
    pub until: Option<i64>,
    pub scenario: Option<String>,
    pub mode: Option<Mode>,
}

impl Filter {
    /// Only the cohort (or nothing) is set: the kept totals answer without reading attempts.
    pub fn is_cohort_only(&self) -> bool {
        self.trainee.is_none()
            && self.since.is_none()
            && self.until.is_none()
            && self.scenario.is_none()
            && self.mode.is_none()
    }
}

/// A principle's average across attempts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrincipleAverage {
    pub id: String,
    /// Mean percent over the attempts that tested it.
    pub average: f64,
    pub attempts: u64,
}

/// One trainee's line in the cohort table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraineeRow {
    pub trainee: Trainee,
    pub attempts: u64,
    pub best_total: Option<f64>,
    pub latest_total: Option<f64>,
    /// Passed attempts over all attempts, 0–1.
    pub pass_rate: Option<f64>,
    pub practised_secs: u64,
    /// The principle with the lowest average.
    pub weakest: Option<PrincipleAverage>,
    pub latest_at: Option<i64>,
}

impl TraineeRow {
    /// The line of a trainee with no attempts yet.
    pub fn without_attempts(trainee: Trainee) -> TraineeRow {
        TraineeRow {
            trainee,
            attempts: 0,
            best_total: None,
            latest_total: None,
            pass_rate: None,
            practised_secs: 0,
            weakest: None,
            latest_at: None,
        }
    }
}

/// Averages per principle, lowest first, from attempts' summaries.
pub fn principle_averages<'a>(
    attempts: impl IntoIterator<Item = &'a AttemptSummary>,
) -> Vec<PrincipleAverage> {
    let mut tally = PrincipleTally::default();
    for a in attempts {
        for p in &a.principles {
            if let Some(percent) = p.percent {
                tally.add(&p.id, percent);
            }
        }
    }
    tally.averages()
}

/// Percentages summed per principle in the order attempts come, so that every way of reading
/// the same attempts gives the same averages to the last digit.
#[derive(Debug, Default)]
pub(crate) struct PrincipleTally {
    sums: Vec<(String, f64, u64)>,
}

impl PrincipleTally {
    pub(crate) fn add(&mut self, id: &str, percent: f64) {
        match self.sums.iter_mut().find(|(known, _, _)| known == id) {
            Some(entry) => {
                entry.1 += percent;
                entry.2 += 1;
            }
            None => self.sums.push((id.to_string(), percent, 1)),
        }
    }

    /// Lowest first.
    pub(crate) fn averages(self) -> Vec<PrincipleAverage> {
        let mut averages: Vec<PrincipleAverage> = self
            .sums
            .into_iter()
            .map(|(id, sum, n)| PrincipleAverage {
                id,
                average: sum / n as f64,
                attempts: n,
            })
            .collect();
        sort_weakest_first(&mut averages);
        averages
    }
}

/// Lowest average first; ties by id so that the order never flickers.
pub fn sort_weakest_first(averages: &mut [PrincipleAverage]) {
    averages.sort_by(|a, b| {
        a.average
            .total_cmp(&b.average)
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// The record of a finished session, as the app and `play --trainee` both write it.
pub fn record_of_session(
    trainee_id: i64,
    session: &crate::roleplay::Session,
    started_at: i64,
    duration_secs: u64,
) -> AttemptRecord {
    let ended_at = started_at.saturating_add(i64::try_from(duration_secs).unwrap_or(i64::MAX));
    AttemptRecord {
        id: Uuid::new_v4(),
        trainee_id,
        started_at,
        ended_at: ended_at.max(started_at),
        duration_secs,
        score: session.score(),
        transcript: session.transcript().clone(),
    }
}

/// The attempt in progress, as saved after every turn.
pub fn progress_of_session(
    trainee_id: i64,
    session: &crate::roleplay::Session,
    started_at: i64,
    elapsed_secs: u64,
) -> InProgress {
    InProgress {
        trainee_id,
        started_at,
        elapsed_secs,
        transcript: session.transcript().clone(),
    }
}
