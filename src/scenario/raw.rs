//! Raw serde types: what a catalogue or scenario file says, before any reference is checked.
//!
//! Every struct denies unknown fields so that a misspelt field is reported, not ignored.
//! References between items are plain strings here; `validate` turns them into indices.

use serde::Deserialize;

use super::text::Text;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Catalogue")]
pub struct RawCatalogue {
    #[serde(default = "default_pass_mark")]
    pub pass_mark: f64,
    pub principles: Vec<RawPrinciple>,
    pub steps: Vec<RawStep>,
    pub techniques: Vec<RawTechnique>,
    pub personas: Vec<RawPersona>,
    #[serde(default)]
    pub order_rules: Vec<RawOrderRule>,
    /// What the customer says when a conversation goes round in circles past the turn limit.
    pub timeout: RawTimeout,
}

fn default_pass_mark() -> f64 {
    80.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Principle")]
pub struct RawPrinciple {
    pub id: String,
    pub name: Text,
    pub description: Text,
    /// Where the manual teaches it.
    pub source: Text,
    #[serde(default = "default_weight")]
    pub weight: f64,
}

fn default_weight() -> f64 {
    1.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Step")]
pub struct RawStep {
    pub id: String,
    pub name: Text,
    pub description: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum TechniqueFamily {
    /// Gathering information: open and closed questions.
    Question,
    /// The four probing techniques: clarify, repeat, summarise, empathise.
    Probe,
    /// Moves that handle the person: apologise, thank, take somewhere quiet.
    Feelings,
    /// Moves that handle the matter: explain, propose, say no, escalate, follow up.
    Matter,
    /// The manual's don'ts.
    Dont,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Technique")]
pub struct RawTechnique {
    pub id: String,
    pub name: Text,
    pub description: Text,
    pub family: TechniqueFamily,
    /// How it moves any customer's mood (negative calms).
    #[serde(default)]
    pub mood: i32,
    #[serde(default)]
    pub trust: i32,
    /// Points every use earns or costs, whatever the scenario says.
    #[serde(default)]
    pub score: Vec<RawScoreItem>,
    /// A critical error: flagged apart from the total and fails the attempt.
    #[serde(default)]
    pub critical: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Persona")]
pub struct RawPersona {
    pub id: String,
    pub name: Text,
    pub description: Text,
    /// Why the profile reacts as it does, from the manual and the notes.
    pub reasoning: Text,
    #[serde(default)]
    pub start_mood: i32,
    #[serde(default)]
    pub start_trust: i32,
    #[serde(default)]
    pub reactions: Vec<RawReaction>,
    #[serde(default)]
    pub streaks: Vec<RawStreak>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Reaction")]
pub struct RawReaction {
    pub technique: String,
    #[serde(default)]
    pub mood: i32,
    #[serde(default)]
    pub trust: i32,
    #[serde(default)]
    pub score: Vec<RawScoreItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Streak")]
pub struct RawStreak {
    pub technique: String,
    pub at_least: u32,
    #[serde(default)]
    pub mood: i32,
    #[serde(default)]
    pub trust: i32,
    #[serde(default)]
    pub score: Vec<RawScoreItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "OrderRule")]
pub struct RawOrderRule {
    pub id: String,
    pub name: Text,
    pub before: Vec<String>,
    pub then: Vec<String>,
    pub principle: String,
    pub kept: i32,
    pub broken: i32,
    pub why_kept: Text,
    pub why_broken: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Timeout")]
pub struct RawTimeout {
    pub say: Text,
    pub debrief: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Score")]
pub struct RawScoreItem {
    pub principle: String,
    pub points: i32,
    pub why: Text,
    /// The handling step the points count towards; the node's own step when absent.
    #[serde(default)]
    pub step: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum ScenarioKind {
    Case,
    RolePlay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
pub enum Outcome {
    /// Resolved, and the customer leaves satisfied.
    Resolved,
    /// Resolved, but the relationship is damaged.
    Damaged,
    /// Escalated outside the dealer: media, consumer association, lawyers.
    Escalated,
    /// The customer walks away.
    Lost,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
pub struct RawScenario {
    pub id: String,
    pub version: u32,
    pub kind: ScenarioKind,
    pub persona: String,
    #[serde(default = "default_difficulty")]
    pub difficulty: u32,
    pub title: Text,
    pub summary: Text,
    pub customer: RawCustomer,
    pub notes: RawTrainerNotes,
    pub start: RawStart,
    #[serde(default)]
    pub facts: Vec<RawFact>,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub escalations: Vec<RawEscalation>,
    /// The first node; the first in `nodes` when absent.
    #[serde(default)]
    pub start_node: Option<String>,
    #[serde(default = "default_max_turns")]
    pub max_turns: u32,
    pub nodes: Vec<RawNode>,
}

fn default_difficulty() -> u32 {
    2
}

fn default_max_turns() -> u32 {
    40
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Customer")]
pub struct RawCustomer {
    pub name: Text,
    pub car: Text,
    pub complaint: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Notes")]
pub struct RawTrainerNotes {
    pub goals: Vec<Text>,
    /// The manual section the scenario serves.
    pub manual: Text,
    pub discussion: Vec<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Start")]
pub struct RawStart {
    pub mood: i32,
    pub trust: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Fact")]
pub struct RawFact {
    pub id: String,
    pub text: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Escalation")]
pub struct RawEscalation {
    pub id: String,
    pub when: RawCondition,
    pub goto: String,
}

#[derive(Debug, Clone, Deserialize)]
pub enum RawCondition {
    MoodAtLeast(i32),
    MoodAtMost(i32),
    TrustAtLeast(i32),
    TrustAtMost(i32),
    Fact(String),
    Flag(String),
    Persona(String),
    Not(Box<RawCondition>),
    All(Vec<RawCondition>),
    Any(Vec<RawCondition>),
}

#[derive(Debug, Deserialize)]
pub enum RawNode {
    Turn(RawTurn),
    Ending(RawEnding),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Turn")]
pub struct RawTurn {
    pub id: String,
    pub step: String,
    /// What the customer says; one variant is drawn at random.
    pub say: Vec<Text>,
    /// Variants for particular behaviour types, used instead of `say` for that type.
    #[serde(default)]
    pub say_as: Vec<RawPersonaLines>,
    pub replies: Vec<RawReply>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "As")]
pub struct RawPersonaLines {
    pub persona: String,
    pub say: Vec<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Reply")]
pub struct RawReply {
    #[serde(default)]
    pub id: Option<String>,
    pub text: Text,
    pub techniques: Vec<String>,
    #[serde(default)]
    pub mood: i32,
    #[serde(default)]
    pub trust: i32,
    #[serde(default)]
    pub score: Vec<RawScoreItem>,
    #[serde(default)]
    pub reveals: Vec<String>,
    #[serde(default)]
    pub sets: Vec<String>,
    #[serde(default)]
    pub clears: Vec<String>,
    /// Shown only when this holds.
    #[serde(default)]
    pub requires: Option<RawCondition>,
    /// The customer's immediate reaction; one variant is drawn at random.
    #[serde(default)]
    pub react: Vec<Text>,
    pub goto: String,
    /// Checked in order after the reply's effects; the first that holds wins over `goto`.
    #[serde(default)]
    pub branches: Vec<RawBranch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Branch")]
pub struct RawBranch {
    pub when: RawCondition,
    pub goto: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Ending")]
pub struct RawEnding {
    pub id: String,
    pub outcome: Outcome,
    pub title: Text,
    /// The customer's last words.
    pub say: Vec<Text>,
    /// The lesson, citing the manual.
    pub debrief: Text,
    #[serde(default)]
    pub score: Vec<RawScoreItem>,
}
