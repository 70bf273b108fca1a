//! The state of a role play between turns: where it is, the customer's mood and trust, what is known.

use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::scenario::{Condition, MAX_STREAKS, NodeIdx, PersonaIdx, SCALE_MAX, Scenario};

/// A node index meaning "the conversation ran past the scenario's turn limit".
pub const TIMEOUT_NODE: NodeIdx = NodeIdx::MAX;

/// Everything that decides what happens next. Small and `Copy`, so the analysis can hash millions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlayState {
    pub node: NodeIdx,
    pub turn: u16,
    /// 0 calm … 10 furious.
    pub mood: u8,
    /// 0 none … 10 full trust in the dealer.
    pub trust: u8,
    /// Facts the customer has told so far.
    pub facts: u64,
    pub flags: u64,
    /// Order rules for which one of their `before` techniques has been used (bit per rule).
    pub before_seen: u32,
    /// Order rules already decided.
    pub rules_done: u32,
    /// Escalations already triggered.
    pub escalated: u32,
    /// Consecutive replies using each streak rule's technique.
    pub streaks: [u8; MAX_STREAKS],
}

/// Hashes the state as six words rather than field by field: the analysis hashes every state
/// it meets. Equal states give equal words, as `Eq` requires.
impl Hash for PlayState {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u64(
            u64::from(self.node)
                | u64::from(self.turn) << 32
                | u64::from(self.mood) << 48
                | u64::from(self.trust) << 56,
        );
        h.write_u64(self.facts);
        h.write_u64(self.flags);
        h.write_u64(u64::from(self.before_seen) | u64::from(self.rules_done) << 32);
        h.write_u64(u64::from(self.escalated));
        h.write_u64(u64::from_le_bytes(self.streaks));
    }
}

impl PlayState {
    pub fn start(scenario: &Scenario, persona_mood: i8, persona_trust: i8) -> Self {
        PlayState {
            node: scenario.start,
            mood: shift(scenario.start_mood, i32::from(persona_mood)),
            trust: shift(scenario.start_trust, i32::from(persona_trust)),
            ..PlayState::default()
        }
    }

    pub fn holds(&self, condition: &Condition, persona: PersonaIdx) -> bool {
        match condition {
            Condition::MoodAtLeast(v) => self.mood >= *v,
            Condition::MoodAtMost(v) => self.mood <= *v,
            Condition::TrustAtLeast(v) => self.trust >= *v,
            Condition::TrustAtMost(v) => self.trust <= *v,
            Condition::Fact(i) => self.facts & (1u64 << i) != 0,
            Condition::Flag(i) => self.flags & (1u64 << i) != 0,
            Condition::Persona(p) => *p == persona,
            Condition::Not(inner) => !self.holds(inner, persona),
            Condition::All(list) => list.iter().all(|c| self.holds(c, persona)),
            Condition::Any(list) => list.iter().any(|c| self.holds(c, persona)),
        }
    }
}

/// Moves a 0–10 level by a signed amount, staying on the scale.
pub fn shift(level: u8, by: i32) -> u8 {
    u8::try_from((i32::from(level) + by).clamp(0, i32::from(SCALE_MAX))).unwrap_or(SCALE_MAX)
}

/// What a trainee or trainer sees of the customer's state, with names instead of bits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSnapshot {
    pub mood: u8,
    pub trust: u8,
    pub facts: Vec<String>,
    pub flags: Vec<String>,
}

impl CustomerSnapshot {
    pub fn of(state: &PlayState, scenario: &Scenario) -> Self {
        let names = |mask: u64, all: &mut dyn Iterator<Item = &String>| -> Vec<String> {
            all.enumerate()
                .filter(|(i, _)| mask & (1u64 << i) != 0)
                .map(|(_, n)| n.clone())
                .collect()
        };
        CustomerSnapshot {
            mood: state.mood,
            trust: state.trust,
            facts: names(state.facts, &mut scenario.facts.iter().map(|f| &f.id)),
            flags: names(state.flags, &mut scenario.flags.iter()),
        }
    }
}

/// How many levels a 0–10 scale has.
const LEVELS: usize = SCALE_MAX as usize + 1;

/// Which levels of a 0–10 scale (mood or trust) can still be told apart: for each level, the
/// lowest level that no later condition can tell from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Levels([u8; LEVELS]);

impl Default for Levels {
    fn default() -> Self {
        Levels::NONE
    }
}

impl Levels {
    /// Nothing reads the scale: every level is as good as 0.
    pub const NONE: Levels = Levels([0; LEVELS]);
    /// Every level told apart.
    pub const ALL: Levels = Levels([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    /// Groups the levels by what tells them apart: levels with equal signatures fall together.
    pub fn grouped_by<T: PartialEq>(signature: impl Fn(u8) -> T) -> Levels {
        // Each group's first level and signature; there are seldom more than a few groups.
        let mut groups: Vec<(u8, T)> = Vec::new();
        let mut levels = Levels::NONE;
        for level in 0..=SCALE_MAX {
            let mine = signature(level);
            levels.0[usize::from(level)] = match groups.iter().find(|(_, s)| *s == mine) {
                Some((first, _)) => *first,
                None => {
                    groups.push((level, mine));
                    level
                }
            };
        }
        levels
    }

    /// The level kept for `level`.
    pub fn keep(&self, level: u8) -> u8 {
        self.0.get(usize::from(level)).copied().unwrap_or(level)
    }

    /// Whether any two levels can be told apart.
    pub fn reads(&self) -> bool {
        *self != Levels::NONE
    }

    /// Levels told apart by either.
    pub fn union(self, other: Levels) -> Levels {
        Levels::grouped_by(|l| (self.keep(l), other.keep(l)))
    }
}

/// Which parts of the state can still matter: what some condition or rule reads. The analysis
/// forgets the rest, which keeps the state space small without changing any result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StateMask {
    pub mood: Levels,
    pub trust: Levels,
    pub facts: u64,
    pub flags: u64,
    pub turn: bool,
    /// Order rules that can still be decided (bit per rule).
    pub rules: u32,
    /// Streak rules whose technique can still be used (bit per rule).
    pub streaks: u8,
    /// Escalations that can still fire (bit per escalation): whether one already has matters
    /// only then.
    pub escalated: u32,
}

impl StateMask {
    /// Everything either mask keeps.
    pub fn union(self, other: StateMask) -> StateMask {
        StateMask {
            mood: self.mood.union(other.mood),
            trust: self.trust.union(other.trust),
            facts: self.facts | other.facts,
            flags: self.flags | other.flags,
            turn: self.turn || other.turn,
            rules: self.rules | other.rules,
            streaks: self.streaks | other.streaks,
            escalated: self.escalated | other.escalated,
        }
    }

    pub fn project(&self, s: &PlayState) -> PlayState {
        let mut streaks = [0; MAX_STREAKS];
        for (k, (kept, count)) in streaks.iter_mut().zip(&s.streaks).enumerate() {
            if self.streaks & (1 << k) != 0 {
                *kept = *count;
            }
        }
        PlayState {
            node: s.node,
            turn: if self.turn { s.turn } else { 0 },
            mood: self.mood.keep(s.mood),
            trust: self.trust.keep(s.trust),
            facts: s.facts & self.facts,
            flags: s.flags & self.flags,
            // Once a rule is decided, whether its `before` was seen no longer matters.
            before_seen: s.before_seen & !s.rules_done & self.rules,
            rules_done: s.rules_done & self.rules,
            escalated: s.escalated & self.escalated,
            streaks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_stay_on_the_scale() {
        assert_eq!(shift(9, 5), 10);
        assert_eq!(shift(1, -5), 0);
        assert_eq!(shift(4, 2), 6);
    }

    #[test]
    fn levels_fall_together_by_what_tells_them_apart() {
        let at_least_7 = Levels::grouped_by(|l| l >= 7);
        assert_eq!(at_least_7.keep(3), 0);
        assert_eq!(at_least_7.keep(9), 7);
        assert!(at_least_7.reads());
        assert!(!Levels::NONE.reads());
        let at_most_3 = Levels::grouped_by(|l| l <= 3);
        let both = at_least_7.union(at_most_3);
        assert_eq!(
            (0..=10).map(|l| both.keep(l)).collect::<Vec<_>>(),
            [0, 0, 0, 0, 4, 4, 4, 7, 7, 7, 7]
        );
    }

    #[test]
    fn conditions_combine() {
        let s = PlayState {
            mood: 7,
            trust: 2,
            flags: 0b10,
            ..PlayState::default()
        };
        let c = Condition::All(vec![
            Condition::MoodAtLeast(7),
            Condition::Not(Box::new(Condition::Flag(0))),
            Condition::Any(vec![Condition::Flag(1), Condition::TrustAtLeast(9)]),
        ]);
        assert!(s.holds(&c, 0));
        assert!(!s.holds(&Condition::Persona(1), 0));
    }
}
