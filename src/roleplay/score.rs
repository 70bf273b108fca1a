//! Score events and the score card: every point with its principle, step, reason and turn.

use serde::{Deserialize, Serialize};

use crate::scenario::{Catalogue, Outcome, PrincipleIdx, Scenario, StepIdx, TechniqueIdx, Text};

use super::analysis::Analysis;
use super::rules::{Scorer, Source};

/// Rounds a score to one decimal, as every total and percentage is shown.
pub fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Points given or taken for one principle at one turn, with the reason shown to the trainee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreEvent {
    pub principle: String,
    pub step: String,
    pub points: i32,
    pub why: Text,
    /// What produced it: `reply`, `technique:ID`, `persona:ID`, `order:ID`, `ending:ID`.
    pub source: String,
}

/// A critical error: one of the manual's don'ts, reported apart from the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriticalError {
    pub turn: u32,
    pub technique: String,
    pub name: Text,
}

/// Collects a step's events with their texts, for the live session and transcripts.
#[derive(Debug)]
pub struct EventScorer<'a> {
    pub catalogue: &'a Catalogue,
    pub scenario: &'a Scenario,
    pub persona: crate::scenario::PersonaIdx,
    pub reply: Option<&'a crate::scenario::Reply>,
    pub events: Vec<ScoreEvent>,
    pub critical: Vec<TechniqueIdx>,
}

impl Scorer for EventScorer<'_> {
    fn points(&mut self, principle: PrincipleIdx, step: StepIdx, points: i8, source: Source) {
        let persona = self.catalogue.persona(self.persona);
        let (why, origin) = match source {
            Source::Reply { item } => (
                self.reply
                    .and_then(|r| r.score.get(item))
                    .map(|i| i.why.clone()),
                "reply".to_string(),
            ),
            Source::Technique { technique, item } => {
                let t = self.catalogue.technique(technique);
                (
                    t.score.get(item).map(|i| i.why.clone()),
                    format!("technique:{}", t.id),
                )
            }
            Source::Reaction { reaction, item } => (
                persona
                    .reactions
                    .get(reaction)
                    .and_then(|r| r.score.get(item))
                    .map(|i| i.why.clone()),
                format!("persona:{}", persona.id),
            ),
            Source::Streak { streak, item } => (
                persona
                    .streaks
                    .get(streak)
                    .and_then(|r| r.score.get(item))
                    .map(|i| i.why.clone()),
                format!("persona:{}", persona.id),
            ),
            Source::Order { rule, kept } => {
                let r = &self.catalogue.order_rules[rule];
                (
                    Some(if kept {
                        r.why_kept.clone()
                    } else {
                        r.why_broken.clone()
                    }),
                    format!("order:{}", r.id),
                )
            }
            Source::Ending { node, item } => {
                let n = self.scenario.node(node);
                let why = match &n.kind {
                    crate::scenario::NodeKind::Ending(e) => {
                        e.score.get(item).map(|i| i.why.clone())
                    }
                    crate::scenario::NodeKind::Turn(_) => None,
                };
                (why, format!("ending:{}", n.id))
            }
        };
        self.events.push(ScoreEvent {
            principle: self.catalogue.principle(principle).id.clone(),
            step: self.catalogue.step(step).id.clone(),
            points: i32::from(points),
            why: why.unwrap_or_default(),
            source: origin,
        });
    }

    fn critical(&mut self, technique: TechniqueIdx) {
        self.critical.push(technique);
    }
}

/// One principle's or step's result in an attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub id: String,
    pub name: Text,
    pub points: i32,
    pub min: i32,
    pub max: i32,
    /// Where the points fall between the worst (0) and best (100) this scenario allows;
    /// absent when the scenario never tests it.
    pub percent: Option<f64>,
}

/// The result of an attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreCard {
    /// 0–100, the weighted mean of the principle percentages.
    pub total: f64,
    pub pass_mark: f64,
    /// The total reaches the pass mark and no critical error was made.
    pub passed: bool,
    pub principles: Vec<Line>,
    pub steps: Vec<Line>,
    pub critical: Vec<CriticalError>,
    pub outcome: Option<Outcome>,
    /// The best and worst totals possible in this scenario for this behaviour type.
    pub best_possible: f64,
    pub worst_possible: f64,
}

impl ScoreCard {
    pub fn compute<'a>(
        analysis: &Analysis,
        events: impl Iterator<Item = &'a ScoreEvent>,
        critical: Vec<CriticalError>,
        outcome: Option<Outcome>,
        pass_mark: f64,
    ) -> ScoreCard {
        let catalogue = &analysis.catalogue;
        let mut principle_points = vec![0i32; catalogue.principles.len()];
        let mut step_points = vec![0i32; catalogue.steps.len()];
        for e in events {
            if let Some(p) = catalogue
                .principles
                .iter()
                .position(|p| p.id == e.principle)
            {
                principle_points[p] += e.points;
            }
            if let Some(s) = catalogue.steps.iter().position(|s| s.id == e.step) {
                step_points[s] += e.points;
            }
        }
        let total = round1(analysis.total(&principle_points));
        let principles = catalogue
            .principles
            .iter()
            .zip(&analysis.principles)
            .zip(&principle_points)
            .map(|((p, r), &points)| Line {
                id: p.id.clone(),
                name: p.name.clone(),
                points,
                min: r.min,
                max: r.max,
                percent: r.percent(points).map(round1),
            })
            .collect();
        let steps = catalogue
            .steps
            .iter()
            .zip(&analysis.steps)
            .zip(&step_points)
            .map(|((s, r), &points)| Line {
                id: s.id.clone(),
                name: s.name.clone(),
                points,
                min: r.min,
                max: r.max,
                percent: r.percent(points).map(round1),
            })
            .collect();
        ScoreCard {
            passed: total >= pass_mark && critical.is_empty(),
            total,
            pass_mark,
            principles,
            steps,
            critical,
            outcome,
            best_possible: round1(analysis.best_total),
            worst_possible: round1(analysis.worst_total),
        }
    }
}
