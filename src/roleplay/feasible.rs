//! What is certain about the facts and flags at each node, whatever the path, and so which
//! replies, branches and escalations can happen there at all.
//!
//! A flag every path sets before a node is set there; a fact no path reveals is unknown there.
//! Conditions these settle have one value at that node in every state, so the analysis need
//! not tell states apart by what those conditions read, and an escalation that can never fire
//! again (the customer has left, say) no longer ties the rest of the conversation into a
//! circle. The live session never uses this: it evaluates every condition on the real state.

use crate::scenario::{Condition, NodeIdx, PersonaIdx, Reply};

use super::rules::Context;

/// The facts and flags surely set and possibly set on reaching a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bits {
    pub facts_sure: u64,
    pub facts_may: u64,
    pub flags_sure: u64,
    pub flags_may: u64,
}

impl Bits {
    /// Nothing known: every fact and flag may or may not be set.
    pub const UNKNOWN: Bits = Bits {
        facts_sure: 0,
        facts_may: u64::MAX,
        flags_sure: 0,
        flags_may: u64::MAX,
    };

    /// At the start nothing is revealed or set.
    const START: Bits = Bits {
        facts_sure: 0,
        facts_may: 0,
        flags_sure: 0,
        flags_may: 0,
    };

    /// What holds after either of two ways in.
    fn meet(self, other: Bits) -> Bits {
        Bits {
            facts_sure: self.facts_sure & other.facts_sure,
            facts_may: self.facts_may | other.facts_may,
            flags_sure: self.flags_sure & other.flags_sure,
            flags_may: self.flags_may | other.flags_may,
        }
    }

    /// After a reply, as `Context::apply` changes facts and flags.
    fn after(self, reply: &Reply) -> Bits {
        Bits {
            facts_sure: self.facts_sure | reply.reveals,
            facts_may: self.facts_may | reply.reveals,
            flags_sure: (self.flags_sure | reply.sets) & !reply.clears,
            flags_may: (self.flags_may | reply.sets) & !reply.clears,
        }
    }
}

/// What can follow one reply at one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ways {
    /// Facts and flags once the reply is made.
    pub after: Bits,
    /// Whether the reply's own `goto` can be taken (no branch surely holds).
    pub goto: bool,
    /// Per branch, whether it can be taken.
    pub branches: Vec<bool>,
    /// Escalations that can fire after the reply (bit per escalation).
    pub escalations: u32,
}

/// Per node, the certain facts and flags on arrival and what each reply can lead to.
#[derive(Debug)]
pub struct Feasible {
    persona: Option<PersonaIdx>,
    /// Per node, the bits on arrival (`None`: no path arrives).
    arrive: Vec<Option<Bits>>,
    /// Per node, per reply: what can follow it, or `None` when it is never shown.
    replies: Vec<Vec<Option<Ways>>>,
}

impl Feasible {
    /// Assumes nothing: every reply, branch and escalation can happen, no condition is settled.
    pub fn assume_nothing(ctx: &Context<'_>) -> Feasible {
        let scenario = ctx.scenario;
        let mut feasible = Feasible {
            persona: None,
            arrive: vec![Some(Bits::UNKNOWN); scenario.nodes.len()],
            replies: Vec::with_capacity(scenario.nodes.len()),
        };
        feasible.fill_replies(ctx);
        feasible
    }

    /// Works the certain bits out over the scenario's graph, from the start node forwards,
    /// until nothing changes (bits surely set only shrink, bits possibly set only grow).
    pub fn of(ctx: &Context<'_>) -> Feasible {
        let scenario = ctx.scenario;
        let mut feasible = Feasible {
            persona: Some(ctx.persona),
            arrive: vec![None; scenario.nodes.len()],
            replies: Vec::new(),
        };
        let Some(start) = feasible.arrive.get_mut(scenario.start as usize) else {
            return feasible;
        };
        *start = Some(Bits::START);
        let mut waiting = vec![false; scenario.nodes.len()];
        let mut work = vec![scenario.start];
        waiting[scenario.start as usize] = true;
        let mut targets = Vec::new();
        while let Some(node) = work.pop() {
            waiting[node as usize] = false;
            let Some(bits) = feasible.arrive[node as usize] else {
                continue;
            };
            let Some(turn) = ctx.turn(node) else {
                continue;
            };
            for reply in &turn.replies {
                let Some(ways) = feasible.ways(ctx, reply, bits) else {
                    continue;
                };
                targets.clear();
                ways.targets(ctx, reply, &mut targets);
                for &to in &targets {
                    let Some(slot) = feasible.arrive.get_mut(to as usize) else {
                        continue;
                    };
                    let merged = slot.map_or(ways.after, |old| old.meet(ways.after));
                    if *slot != Some(merged) {
                        *slot = Some(merged);
                        if !waiting[to as usize] {
                            waiting[to as usize] = true;
                            work.push(to);
                        }
                    }
                }
            }
        }
        feasible.fill_replies(ctx);
        feasible
    }

    fn fill_replies(&mut self, ctx: &Context<'_>) {
        self.replies = (0..ctx.scenario.nodes.len())
            .map(|n| {
                let (Some(turn), Some(bits)) = (ctx.turn(n as NodeIdx), self.arrive[n]) else {
                    return Vec::new();
                };
                turn.replies
                    .iter()
                    .map(|reply| self.ways(ctx, reply, bits))
                    .collect()
            })
            .collect();
    }

    /// What can follow `reply` from a node reached with `bits`, or `None` if it is never shown.
    fn ways(&self, ctx: &Context<'_>, reply: &Reply, bits: Bits) -> Option<Ways> {
        if let Some(c) = &reply.requires
            && self.decide(c, &bits) == Some(false)
        {
            return None;
        }
        let after = bits.after(reply);
        let mut goto = true;
        let branches = reply
            .branches
            .iter()
            .map(|(c, _)| {
                // Branches are tried in order: one that surely holds hides the rest.
                let value = self.decide(c, &after);
                let open = goto && value != Some(false);
                if open && value == Some(true) {
                    goto = false;
                }
                open
            })
            .collect();
        let escalations = ctx
            .scenario
            .escalations
            .iter()
            .enumerate()
            .filter(|(_, e)| self.decide(&e.when, &after) != Some(false))
            .fold(0u32, |mask, (k, _)| mask | 1u32 << k);
        Some(Ways {
            after,
            goto,
            branches,
            escalations,
        })
    }

    /// A condition's value at a node where `bits` hold, if the facts, flags and behaviour type
    /// settle it whatever the mood and trust.
    pub fn decide(&self, c: &Condition, bits: &Bits) -> Option<bool> {
        let bit = |sure: u64, may: u64, i: u8| {
            let mask = 1u64 << i;
            if sure & mask != 0 {
                Some(true)
            } else if may & mask == 0 {
                Some(false)
            } else {
                None
            }
        };
        match c {
            Condition::MoodAtLeast(_)
            | Condition::MoodAtMost(_)
            | Condition::TrustAtLeast(_)
            | Condition::TrustAtMost(_) => None,
            Condition::Fact(i) => bit(bits.facts_sure, bits.facts_may, *i),
            Condition::Flag(i) => bit(bits.flags_sure, bits.flags_may, *i),
            Condition::Persona(p) => self.persona.map(|persona| *p == persona),
            Condition::Not(inner) => self.decide(inner, bits).map(|v| !v),
            Condition::All(list) => self.decide_list(list, bits, false),
            Condition::Any(list) => self.decide_list(list, bits, true),
        }
    }

    /// `All` (`stop` false) or `Any` (`stop` true) of `list`: `stop` as soon as one condition
    /// is surely `stop`, the other value when every one is surely that, unknown otherwise.
    fn decide_list(&self, list: &[Condition], bits: &Bits, stop: bool) -> Option<bool> {
        let mut result = Some(!stop);
        for c in list {
            match self.decide(c, bits) {
                Some(v) if v == stop => return Some(stop),
                Some(_) => {}
                None => result = None,
            }
        }
        result
    }

    /// The bits on arriving at `node`, if any path arrives.
    pub fn arrive(&self, node: NodeIdx) -> Option<Bits> {
        self.arrive.get(node as usize).copied().flatten()
    }

    /// What can follow reply `reply` at `node`, or `None` when it is never shown there.
    pub fn reply(&self, node: NodeIdx, reply: usize) -> Option<&Ways> {
        self.replies.get(node as usize)?.get(reply)?.as_ref()
    }

    /// The nodes a node can lead to, sorted.
    pub fn successors(&self, ctx: &Context<'_>, node: NodeIdx) -> Vec<NodeIdx> {
        let mut out = Vec::new();
        if let Some(turn) = ctx.turn(node) {
            for (i, reply) in turn.replies.iter().enumerate() {
                if let Some(ways) = self.reply(node, i) {
                    ways.targets(ctx, reply, &mut out);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl Ways {
    /// The nodes this reply can lead to (before the turn limit), in no particular order.
    pub fn targets(&self, ctx: &Context<'_>, reply: &Reply, out: &mut Vec<NodeIdx>) {
        if self.goto {
            out.push(reply.goto);
        }
        for ((_, to), open) in reply.branches.iter().zip(&self.branches) {
            if *open {
                out.push(*to);
            }
        }
        for (k, e) in ctx.scenario.escalations.iter().enumerate() {
            if self.escalations & (1u32 << k) != 0 {
                out.push(e.goto);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feasible_for(persona: PersonaIdx) -> Feasible {
        Feasible {
            persona: Some(persona),
            arrive: Vec::new(),
            replies: Vec::new(),
        }
    }

    #[test]
    fn conditions_are_decided_only_where_every_path_agrees() {
        let f = feasible_for(1);
        // Fact 0 surely revealed, fact 1 never, fact 2 on some paths only.
        let bits = Bits {
            facts_sure: 0b001,
            facts_may: 0b101,
            ..Bits::START
        };
        let (sure, never, maybe) = (Condition::Fact(0), Condition::Fact(1), Condition::Fact(2));
        assert_eq!(f.decide(&sure, &bits), Some(true));
        assert_eq!(f.decide(&never, &bits), Some(false));
        assert_eq!(f.decide(&maybe, &bits), None);
        assert_eq!(f.decide(&Condition::MoodAtLeast(3), &bits), None);
        assert_eq!(f.decide(&Condition::Persona(1), &bits), Some(true));
        assert_eq!(
            f.decide(&Condition::Not(Box::new(never.clone())), &bits),
            Some(true)
        );
        let all = |list: &[&Condition]| Condition::All(list.iter().map(|&c| c.clone()).collect());
        let any = |list: &[&Condition]| Condition::Any(list.iter().map(|&c| c.clone()).collect());
        assert_eq!(f.decide(&all(&[&maybe, &never]), &bits), Some(false));
        assert_eq!(f.decide(&all(&[&maybe, &sure]), &bits), None);
        assert_eq!(f.decide(&all(&[&sure, &sure]), &bits), Some(true));
        assert_eq!(f.decide(&any(&[&maybe, &sure]), &bits), Some(true));
        assert_eq!(f.decide(&any(&[&maybe, &never]), &bits), None);
        assert_eq!(f.decide(&any(&[&never, &never]), &bits), Some(false));
        // Without a behaviour type nothing about it is certain.
        let unreduced = Feasible {
            persona: None,
            ..feasible_for(0)
        };
        assert_eq!(unreduced.decide(&Condition::Persona(1), &bits), None);
    }
}
