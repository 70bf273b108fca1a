//! The one step function: what a reply does to the customer and to the score.
//!
//! The live session, the exact analysis and replays all call `apply`, so a reply is worth
//! the same wherever it is counted.

use crate::scenario::{
    Catalogue, NodeIdx, NodeKind, PersonaIdx, PrincipleIdx, Reaction, Reply, Scenario, ScoreItem,
    StepIdx, Technique, TechniqueIdx, Turn,
};

use super::state::{PlayState, TIMEOUT_NODE, shift};

/// Why points were given or taken; enough to find the explanation text again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The reply's own score item `item`.
    Reply { item: usize },
    /// The catalogue's rule for a technique (a don't, for instance).
    Technique {
        technique: TechniqueIdx,
        item: usize,
    },
    /// The behaviour type's reaction to a technique.
    Reaction { reaction: usize, item: usize },
    /// The behaviour type's reaction to a run of one technique.
    Streak { streak: usize, item: usize },
    /// An order rule, kept or broken.
    Order { rule: usize, kept: bool },
    /// The ending reached.
    Ending { node: NodeIdx, item: usize },
}

/// Receives the score events of a step.
pub trait Scorer {
    fn points(&mut self, principle: PrincipleIdx, step: StepIdx, points: i8, source: Source);
    fn critical(&mut self, technique: TechniqueIdx);
    /// False when the caller follows the order rules apart (the analysis does, in its second
    /// pass): the step then leaves them as they were and gives none of their points.
    fn follows_order_rules(&self) -> bool {
        true
    }
}

/// Everything a step needs to know besides the state.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub scenario: &'a Scenario,
    pub catalogue: &'a Catalogue,
    pub persona: PersonaIdx,
}

/// A part of a reply that moves the customer and scores: one of its techniques, or the
/// behaviour type's reaction (by its number) to one.
enum ReplyPart<'a> {
    Technique(TechniqueIdx, &'a Technique),
    Reaction(usize, &'a Reaction),
}

/// Where a step leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub state: PlayState,
    /// The escalation that fired, if any.
    pub escalation: Option<usize>,
}

impl<'a> Context<'a> {
    pub fn turn(&self, node: NodeIdx) -> Option<&'a Turn> {
        if node == TIMEOUT_NODE {
            return None;
        }
        match &self.scenario.node(node).kind {
            NodeKind::Turn(t) => Some(t),
            NodeKind::Ending(_) => None,
        }
    }

    /// Replies shown in this state, by their index in the turn.
    pub fn available(&self, state: &PlayState) -> Vec<usize> {
        let mut out = Vec::new();
        self.available_into(state, &mut out);
        out
    }

    /// As `available`, reusing a buffer (for simulations that play millions of turns).
    pub fn available_into(&self, state: &PlayState, out: &mut Vec<usize>) {
        out.clear();
        if let Some(turn) = self.turn(state.node) {
            out.extend(
                turn.replies
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| {
                        r.requires
                            .as_ref()
                            .is_none_or(|c| state.holds(c, self.persona))
                    })
                    .map(|(i, _)| i),
            );
        }
    }

    fn score_items(
        scorer: &mut impl Scorer,
        items: &[ScoreItem],
        step: StepIdx,
        source: impl Fn(usize) -> Source,
    ) {
        for (i, item) in items.iter().enumerate() {
            scorer.points(
                item.principle,
                item.step.unwrap_or(step),
                item.points,
                source(i),
            );
        }
    }

    /// Applies reply `reply_index` of the current turn. The caller makes sure it is available.
    pub fn apply(
        &self,
        state: &PlayState,
        reply_index: usize,
        scorer: &mut impl Scorer,
    ) -> Outcome {
        let Some(turn) = self.turn(state.node) else {
            return Outcome {
                state: *state,
                escalation: None,
            };
        };
        let Some(reply) = turn.replies.get(reply_index) else {
            return Outcome {
                state: *state,
                escalation: None,
            };
        };
        let step = turn.step;
        let persona = self.catalogue.persona(self.persona);
        let mut next = *state;

        Self::score_items(scorer, &reply.score, step, |item| Source::Reply { item });
        let (mut mood, mut trust) = self.reply_parts(reply, |part| match part {
            ReplyPart::Technique(t, technique) => {
                Self::score_items(scorer, &technique.score, step, |item| Source::Technique {
                    technique: t,
                    item,
                });
                if technique.critical {
                    scorer.critical(t);
                }
            }
            ReplyPart::Reaction(k, reaction) => {
                Self::score_items(scorer, &reaction.score, step, |item| Source::Reaction {
                    reaction: k,
                    item,
                });
            }
        });
        for (k, streak) in persona.streaks.iter().enumerate() {
            if reply.technique_mask & (1u64 << streak.technique) != 0 {
                next.streaks[k] = state.streaks[k].saturating_add(1).min(streak.at_least);
                if next.streaks[k] >= streak.at_least {
                    mood += i32::from(streak.mood);
                    trust += i32::from(streak.trust);
                    Self::score_items(scorer, &streak.score, step, |item| Source::Streak {
                        streak: k,
                        item,
                    });
                }
            } else {
                next.streaks[k] = 0;
            }
        }
        if scorer.follows_order_rules() {
            let order =
                self.order_rules(state.before_seen, state.rules_done, reply, |rule, kept| {
                    let r = &self.catalogue.order_rules[rule];
                    let points = if kept { r.kept } else { r.broken };
                    scorer.points(r.principle, step, points, Source::Order { rule, kept });
                });
            (next.before_seen, next.rules_done) = order;
        }
        next.mood = shift(state.mood, mood);
        next.trust = shift(state.trust, trust);
        next.facts |= reply.reveals;
        next.flags = (next.flags | reply.sets) & !reply.clears;
        next.turn = state.turn.saturating_add(1);

        let mut escalation = None;
        let mut to = reply.goto;
        if let Some((k, e)) =
            self.scenario.escalations.iter().enumerate().find(|(k, e)| {
                state.escalated & (1u32 << k) == 0 && next.holds(&e.when, self.persona)
            })
        {
            next.escalated |= 1u32 << k;
            escalation = Some(k);
            to = e.goto;
        } else if let Some((_, branch_to)) = reply
            .branches
            .iter()
            .find(|(c, _)| next.holds(c, self.persona))
        {
            to = *branch_to;
        }
        next.node = to;
        match &self.scenario.node(to).kind {
            NodeKind::Ending(ending) => {
                Self::score_items(scorer, &ending.score, step, |item| Source::Ending {
                    node: to,
                    item,
                });
            }
            NodeKind::Turn(_) => {
                if u32::from(next.turn) >= self.scenario.max_turns {
                    next.node = TIMEOUT_NODE;
                }
            }
        }
        Outcome {
            state: next,
            escalation,
        }
    }

    /// How much a reply moves the mood and the trust before any streak: its own change, its
    /// techniques' and the behaviour type's reactions to them.
    pub fn reply_change(&self, reply: &Reply) -> (i32, i32) {
        self.reply_parts(reply, |_| {})
    }

    /// Shows `visit` the reply's techniques, each followed by the behaviour type's reactions to
    /// it, and returns the change they make with the reply's own, as `reply_change`: one pass
    /// for both, as a step needs them.
    fn reply_parts(&self, reply: &Reply, mut visit: impl FnMut(ReplyPart<'a>)) -> (i32, i32) {
        let persona = self.catalogue.persona(self.persona);
        let mut change = (i32::from(reply.mood), i32::from(reply.trust));
        for &t in &reply.techniques {
            let technique = self.catalogue.technique(t);
            change.0 += i32::from(technique.mood);
            change.1 += i32::from(technique.trust);
            visit(ReplyPart::Technique(t, technique));
            for (k, reaction) in persona.reactions.iter().enumerate() {
                if reaction.technique == t {
                    change.0 += i32::from(reaction.mood);
                    change.1 += i32::from(reaction.trust);
                    visit(ReplyPart::Reaction(k, reaction));
                }
            }
        }
        change
    }

    /// Order rules decide the first time one of their `then` techniques is used: kept when one
    /// of their `before` techniques came earlier, in an earlier reply or earlier in this one.
    /// Calls `decided(rule, kept)` for each rule this reply decides, in the catalogue's order,
    /// and returns the new `(before_seen, rules_done)`. Nothing else in the state bears on
    /// these rules, which lets the analysis follow them apart from the rest.
    pub fn order_rules(
        &self,
        before_seen: u32,
        rules_done: u32,
        reply: &Reply,
        mut decided: impl FnMut(usize, bool),
    ) -> (u32, u32) {
        let step = OrderEffect::of(self.catalogue, reply).apply(before_seen, rules_done);
        let mut rules = step.kept | step.broken;
        while rules != 0 {
            let k = rules.trailing_zeros() as usize;
            rules &= rules - 1;
            decided(k, step.kept & (1u32 << k) != 0);
        }
        (step.before_seen, step.rules_done)
    }

    /// Whether a state ends the conversation.
    pub fn is_over(&self, state: &PlayState) -> bool {
        self.ends_at(state.node)
    }

    /// Whether reaching `node` ends the conversation.
    pub fn ends_at(&self, node: NodeIdx) -> bool {
        node == TIMEOUT_NODE || matches!(self.scenario.node(node).kind, NodeKind::Ending(_))
    }
}

/// What a reply does to the order rules, as bit masks (bit per rule): worked out once per
/// reply, applied with a few bit operations to any state of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderEffect {
    /// Rules one of whose `then` techniques the reply uses.
    pub then: u32,
    /// Rules one of whose `before` techniques the reply uses.
    pub before: u32,
    /// Rules the reply keeps by itself: a `before` technique comes ahead of the first `then` one.
    pub kept_within: u32,
}

/// The order rules after a reply, and the ones it decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderStep {
    pub before_seen: u32,
    pub rules_done: u32,
    pub kept: u32,
    pub broken: u32,
}

impl OrderEffect {
    pub fn of(catalogue: &Catalogue, reply: &Reply) -> Self {
        let mut effect = OrderEffect::default();
        for (k, rule) in catalogue.order_rules.iter().enumerate() {
            if reply.technique_mask & rule.before != 0 {
                effect.before |= 1u32 << k;
            }
            if reply.technique_mask & rule.then == 0 {
                continue;
            }
            effect.then |= 1u32 << k;
            let earlier = reply
                .techniques
                .iter()
                .take_while(|&&t| rule.then & (1u64 << t) == 0)
                .any(|&t| rule.before & (1u64 << t) != 0);
            if earlier {
                effect.kept_within |= 1u32 << k;
            }
        }
        effect
    }

    pub fn apply(&self, before_seen: u32, rules_done: u32) -> OrderStep {
        let decided = self.then & !rules_done;
        let kept = decided & (before_seen | self.kept_within);
        OrderStep {
            before_seen: before_seen | self.before,
            rules_done: rules_done | self.then,
            kept,
            broken: decided & !kept,
        }
    }
}
