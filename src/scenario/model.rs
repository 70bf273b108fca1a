//! Checked types: a catalogue and scenarios whose every reference has been resolved to an index.

pub use super::raw::{Outcome, ScenarioKind, TechniqueFamily};
use super::text::Text;

pub type PrincipleIdx = u8;
pub type StepIdx = u8;
pub type TechniqueIdx = u8;
pub type PersonaIdx = u8;
pub type NodeIdx = u32;

/// The most of each kind of item the engine's bit sets hold.
pub const MAX_TECHNIQUES: usize = 64;
pub const MAX_FACTS: usize = 64;
pub const MAX_FLAGS: usize = 64;
pub const MAX_ORDER_RULES: usize = 32;
pub const MAX_ESCALATIONS: usize = 32;
pub const MAX_STREAKS: usize = 8;
/// Mood and trust run from 0 to this value.
pub const SCALE_MAX: u8 = 10;
/// The largest number of points one score item may give or take.
pub const MAX_POINTS: i32 = 10;

/// Points for one principle, with the reason a trainee is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreItem {
    pub principle: PrincipleIdx,
    pub points: i8,
    pub why: Text,
    pub step: Option<StepIdx>,
}

#[derive(Debug, Clone)]
pub struct Principle {
    pub id: String,
    pub name: Text,
    pub description: Text,
    pub source: Text,
    pub weight: f64,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub name: Text,
    pub description: Text,
}

#[derive(Debug, Clone)]
pub struct Technique {
    pub id: String,
    pub name: Text,
    pub description: Text,
    pub family: TechniqueFamily,
    pub mood: i8,
    pub trust: i8,
    pub score: Vec<ScoreItem>,
    pub critical: bool,
}

#[derive(Debug, Clone)]
pub struct Reaction {
    pub technique: TechniqueIdx,
    pub mood: i8,
    pub trust: i8,
    pub score: Vec<ScoreItem>,
}

/// Consecutive replies using one technique: from the `at_least`-th on, the effects apply.
#[derive(Debug, Clone)]
pub struct StreakRule {
    pub technique: TechniqueIdx,
    pub at_least: u8,
    pub mood: i8,
    pub trust: i8,
    pub score: Vec<ScoreItem>,
}

/// A customer behaviour type and how it changes the way techniques land.
#[derive(Debug, Clone)]
pub struct Persona {
    pub id: String,
    pub name: Text,
    pub description: Text,
    pub reasoning: Text,
    pub start_mood: i8,
    pub start_trust: i8,
    pub reactions: Vec<Reaction>,
    pub streaks: Vec<StreakRule>,
}

/// "Use one of `before` before the first use of any of `then`."
#[derive(Debug, Clone)]
pub struct OrderRule {
    pub id: String,
    pub name: Text,
    pub before: u64,
    pub then: u64,
    pub principle: PrincipleIdx,
    pub kept: i8,
    pub broken: i8,
    pub why_kept: Text,
    pub why_broken: Text,
}

#[derive(Debug, Clone)]
pub struct Timeout {
    pub say: Text,
    pub debrief: Text,
}

/// The principles, steps, techniques, behaviour types and order rules every scenario uses.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub pass_mark: f64,
    pub principles: Vec<Principle>,
    pub steps: Vec<Step>,
    pub techniques: Vec<Technique>,
    pub personas: Vec<Persona>,
    pub order_rules: Vec<OrderRule>,
    pub timeout: Timeout,
}

impl Catalogue {
    pub fn persona_by_id(&self, id: &str) -> Option<PersonaIdx> {
        self.personas
            .iter()
            .position(|p| p.id == id)
            .and_then(|i| PersonaIdx::try_from(i).ok())
    }

    pub fn technique_by_id(&self, id: &str) -> Option<TechniqueIdx> {
        self.techniques
            .iter()
            .position(|t| t.id == id)
            .and_then(|i| TechniqueIdx::try_from(i).ok())
    }

    pub fn principle_by_id(&self, id: &str) -> Option<PrincipleIdx> {
        self.principles
            .iter()
            .position(|t| t.id == id)
            .and_then(|i| PrincipleIdx::try_from(i).ok())
    }

    pub fn persona(&self, idx: PersonaIdx) -> &Persona {
        &self.personas[usize::from(idx)]
    }

    pub fn technique(&self, idx: TechniqueIdx) -> &Technique {
        &self.techniques[usize::from(idx)]
    }

    pub fn principle(&self, idx: PrincipleIdx) -> &Principle {
        &self.principles[usize::from(idx)]
    }

    pub fn step(&self, idx: StepIdx) -> &Step {
        &self.steps[usize::from(idx)]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Condition {
    MoodAtLeast(u8),
    MoodAtMost(u8),
    TrustAtLeast(u8),
    TrustAtMost(u8),
    Fact(u8),
    Flag(u8),
    Persona(PersonaIdx),
    Not(Box<Condition>),
    All(Vec<Condition>),
    Any(Vec<Condition>),
}

#[derive(Debug, Clone)]
pub struct Customer {
    pub name: Text,
    pub car: Text,
    pub complaint: Text,
}

#[derive(Debug, Clone)]
pub struct TrainerNotes {
    pub goals: Vec<Text>,
    pub manual: Text,
    pub discussion: Vec<Text>,
}

#[derive(Debug, Clone)]
pub struct Fact {
    pub id: String,
    pub text: Text,
}

#[derive(Debug, Clone)]
pub struct Escalation {
    pub id: String,
    pub when: Condition,
    pub goto: NodeIdx,
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub id: String,
    pub text: Text,
    pub techniques: Vec<TechniqueIdx>,
    pub technique_mask: u64,
    pub mood: i8,
    pub trust: i8,
    pub score: Vec<ScoreItem>,
    pub reveals: u64,
    pub sets: u64,
    pub clears: u64,
    pub requires: Option<Condition>,
    pub react: Vec<Text>,
    pub goto: NodeIdx,
    pub branches: Vec<(Condition, NodeIdx)>,
}

#[derive(Debug, Clone)]
pub struct Turn {
    pub step: StepIdx,
    pub say: Vec<Text>,
    pub say_as: Vec<(PersonaIdx, Vec<Text>)>,
    pub replies: Vec<Reply>,
}

impl Turn {
    /// The line variants for a behaviour type.
    pub fn lines_for(&self, persona: PersonaIdx) -> &[Text] {
        self.say_as
            .iter()
            .find(|(p, _)| *p == persona)
            .map(|(_, lines)| lines.as_slice())
            .unwrap_or(&self.say)
    }
}

#[derive(Debug, Clone)]
pub struct Ending {
    pub outcome: Outcome,
    pub title: Text,
    pub say: Vec<Text>,
    pub debrief: Text,
    pub score: Vec<ScoreItem>,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Turn(Turn),
    Ending(Ending),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
}

/// A checked scenario: a graph of customer turns and endings.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub id: String,
    pub version: u32,
    pub kind: ScenarioKind,
    pub persona: PersonaIdx,
    pub difficulty: u8,
    pub title: Text,
    pub summary: Text,
    pub customer: Customer,
    pub notes: TrainerNotes,
    pub start_mood: u8,
    pub start_trust: u8,
    pub facts: Vec<Fact>,
    pub flags: Vec<String>,
    pub escalations: Vec<Escalation>,
    pub start: NodeIdx,
    pub max_turns: u32,
    pub nodes: Vec<Node>,
    /// Where it was loaded from, for messages.
    pub source: String,
}

impl Scenario {
    pub fn node(&self, idx: NodeIdx) -> &Node {
        &self.nodes[idx as usize]
    }

    pub fn node_by_id(&self, id: &str) -> Option<NodeIdx> {
        self.nodes
            .iter()
            .position(|n| n.id == id)
            .and_then(|i| NodeIdx::try_from(i).ok())
    }

    pub fn turn_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Turn(_)))
            .count()
    }

    /// Every node a node can lead to directly: replies, branches and (from turns) escalations.
    pub fn successors(&self, idx: NodeIdx) -> Vec<NodeIdx> {
        let mut out = Vec::new();
        if let NodeKind::Turn(turn) = &self.node(idx).kind {
            for reply in &turn.replies {
                out.push(reply.goto);
                out.extend(reply.branches.iter().map(|(_, to)| *to));
            }
            if !turn.replies.is_empty() {
                out.extend(self.escalations.iter().map(|e| e.goto));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// How a scenario kind is written in JSON and on screen.
impl ScenarioKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScenarioKind::Case => "case",
            ScenarioKind::RolePlay => "roleplay",
        }
    }

    pub fn label(self) -> Text {
        match self {
            ScenarioKind::Case => Text::new("案例分析", "case study"),
            ScenarioKind::RolePlay => Text::new("角色演练", "role play"),
        }
    }
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::Damaged => "damaged",
            Outcome::Escalated => "escalated",
            Outcome::Lost => "lost",
        }
    }

    pub fn label(self) -> Text {
        match self {
            Outcome::Resolved => Text::new("圆满解决", "resolved, customer satisfied"),
            Outcome::Damaged => Text::new("已解决但关系受损", "resolved, relationship damaged"),
            Outcome::Escalated => Text::new("投诉升级", "escalated outside the dealer"),
            Outcome::Lost => Text::new("顾客流失", "customer lost"),
        }
    }
}
