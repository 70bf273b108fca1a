//! Exact analysis of a scenario for one behaviour type: every reachable state, the best and worst
//! total, per-principle ranges, the number of distinct paths and the endings that can be reached.
//!
//! Scores depend only on the scenario, the behaviour type and the choices (never on random draws),
//! so exploring every reachable state gives exact figures, not estimates.
//!
//! It works in two passes. The first explores the customer's side of the state (node, mood,
//! trust, facts, flags, streaks), playing each reply once. The order rules change the points but
//! never where the conversation goes, so the second pass lays them over the first pass's graph
//! with a few bit operations per edge instead of playing every reply again for each of them.
//!
//! Between the passes, customer-side states with the same futures are merged (`MergedSides`),
//! and the first pass already keeps only the mood and trust levels some later condition can
//! tell apart (`Scale`). Both shrink the graph the second pass multiplies by the order rules
//! without changing any figure; a test compares them with the unreduced analysis.
//!
//! What a node's states keep is worked out backwards over the graph (`Liveness`): a fact or
//! flag only while some later condition can still read it before a reply reveals, sets or
//! clears it, and which escalations have fired only while one of them can still fire. A
//! forward pass first settles what every path agrees on (`Feasible`): conditions it decides
//! read nothing, and replies, branches and escalations that can never happen add no edges.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use thiserror::Error;

use crate::scenario::{
    Catalogue, Lang, NodeIdx, NodeKind, PersonaIdx, PrincipleIdx, Reply, Scenario, StepIdx,
    TechniqueIdx,
};
use crate::scenario::{Condition, validate::strongly_connected};

use super::feasible::{Bits, Feasible};
use super::rules::{Context, OrderEffect, OrderStep, Scorer, Source};
use super::state::{Levels, PlayState, StateMask, TIMEOUT_NODE, shift};
use crate::scenario::SCALE_MAX;

/// The most states the analysis explores before it calls a scenario too complex.
pub const MAX_STATES: usize = 4_000_000;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AnalysisError {
    #[error(
        "the scenario has more distinct states than the analysis explores; simplify its conditions or split it"
    )]
    TooComplex,
    #[error("no way through the scenario reaches an ending")]
    NoCompletePath,
}

impl AnalysisError {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Zh => match self {
                AnalysisError::TooComplex => {
                    "情景的不同局面多于分析所能探索的数量；请简化它的条件，或把它拆开".to_string()
                }
                AnalysisError::NoCompletePath => "没有任何走法能到达结局".to_string(),
            },
        }
    }
}

/// One possible reply from one state.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub to: u32,
    /// Its points, as a `PointRows` id; also its place in `Analysis::gains`.
    pub row: u32,
    pub reply: u16,
}

/// Accumulates a step's points into arrays indexed by principle and by step, leaving out the
/// order rules (the analysis follows them, and adds their points, in its second pass).
struct PointsScorer<'a> {
    principles: &'a mut [i32],
    steps: &'a mut [i32],
}

impl Scorer for PointsScorer<'_> {
    fn points(&mut self, principle: PrincipleIdx, step: StepIdx, points: i8, _: Source) {
        self.principles[usize::from(principle)] += i32::from(points);
        self.steps[usize::from(step)] += i32::from(points);
    }

    fn critical(&mut self, _: TechniqueIdx) {}

    fn follows_order_rules(&self) -> bool {
        false
    }
}

/// The lowest and highest points a principle (or step) can end with over all complete paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub min: i32,
    pub max: i32,
}

impl Range {
    /// The points that count as 0 % and the points that make up 100 %, or None when nothing in
    /// the scenario can change this principle: 0 % is the worst handling possible in this
    /// scenario, 100 % the best.
    pub fn anchor_and_scale(&self) -> Option<(i32, i32)> {
        (self.max > self.min).then_some((self.min, self.max - self.min))
    }

    pub fn percent(&self, points: i32) -> Option<f64> {
        self.anchor_and_scale()
            .map(|(anchor, scale)| f64::from(points - anchor) * 100.0 / f64::from(scale))
    }
}

#[derive(Debug)]
pub struct Analysis {
    pub scenario: Arc<Scenario>,
    pub catalogue: Arc<Catalogue>,
    pub persona: PersonaIdx,
    live: Liveness,
    /// The customer's side of each state (order rules left out), by the number of its class
    /// of merged states.
    index: SideIndex,
    /// Per class of merged customer-side states, its full states: the first one's number and
    /// how many.
    full: Vec<(u32, u32)>,
    /// Per full state, its order rules' key (see `Liveness::split` and `ClassRules::key`).
    rule_keys: Vec<u64>,
    class_rules: ClassRules,
    edge_start: Vec<u32>,
    edges: Vec<Edge>,
    /// Per row of points, its contribution to the total, in total points.
    gains: Vec<f64>,
    best: Vec<f64>,
    worst: Vec<f64>,
    /// Per principle, the range over complete paths.
    pub principles: Vec<Range>,
    /// Per handling step, the range over complete paths.
    pub steps: Vec<Range>,
    /// Total points per principle point: `total = Σ coeff[p] · (points[p] − anchor[p])`, kept
    /// between 0 and 100.
    pub coeff: Vec<f64>,
    pub best_total: f64,
    pub worst_total: f64,
    /// Distinct complete paths (saturating).
    pub paths: u128,
    /// Ending nodes that some complete path reaches.
    pub endings: Vec<NodeIdx>,
    pub timeout_reachable: bool,
    /// Turn nodes where, in some reachable state, every reply is hidden.
    pub stuck: Vec<NodeIdx>,
}

/// What is certain where a condition is tested: conditions it settles read nothing.
#[derive(Clone, Copy)]
struct Known<'a> {
    feasible: Option<&'a Feasible>,
    bits: Bits,
}

impl Known<'_> {
    /// Nothing is certain.
    const NOTHING: Known<'static> = Known {
        feasible: None,
        bits: Bits::UNKNOWN,
    };

    /// Certain where `bits` hold, as `feasible` worked them out.
    fn at(feasible: &Feasible, bits: Bits) -> Known<'_> {
        Known {
            feasible: Some(feasible),
            bits,
        }
    }

    fn settles(&self, c: &Condition) -> bool {
        self.feasible
            .is_some_and(|f| f.decide(c, &self.bits).is_some())
    }
}

/// The facts and flags a condition reads where `known` holds (none if it is settled there).
fn condition_reads(c: &Condition, known: Known<'_>, mask: &mut StateMask) {
    if known.settles(c) {
        return;
    }
    match c {
        // Which mood and trust levels matter is worked out apart (see `Scale`).
        Condition::MoodAtLeast(_)
        | Condition::MoodAtMost(_)
        | Condition::TrustAtLeast(_)
        | Condition::TrustAtMost(_) => {}
        Condition::Fact(i) => mask.facts |= 1u64 << i,
        Condition::Flag(i) => mask.flags |= 1u64 << i,
        Condition::Persona(_) => {}
        Condition::Not(inner) => condition_reads(inner, known, mask),
        Condition::All(list) | Condition::Any(list) => {
            list.iter().for_each(|c| condition_reads(c, known, mask))
        }
    }
}

/// The parts of the state besides facts and flags (see `facts_and_flags_at`) and mood and
/// trust (see `Scale`) that a turn reads itself: the escalations that can fire after its
/// replies, and the order and streak rules their techniques decide; only of the replies that
/// can be shown there.
fn local_reads(ctx: &Context<'_>, feasible: &Feasible, node: NodeIdx) -> StateMask {
    let mut mask = StateMask::default();
    let Some(turn) = ctx.turn(node) else {
        return mask;
    };
    let persona = ctx.catalogue.persona(ctx.persona);
    for (i, r) in turn.replies.iter().enumerate() {
        let Some(ways) = feasible.reply(node, i) else {
            continue;
        };
        mask.escalated |= ways.escalations;
        for (k, rule) in ctx.catalogue.order_rules.iter().enumerate() {
            if r.technique_mask & rule.then != 0 {
                mask.rules |= 1u32 << k;
            }
        }
        for (k, streak) in persona.streaks.iter().enumerate() {
            if r.technique_mask & (1u64 << streak.technique) != 0 {
                mask.streaks |= 1u8 << k;
            }
        }
    }
    mask
}

/// The facts and flags whose values at `node` can still matter, given those at the nodes it
/// leads to (`later`): what a reply's condition reads there, and what is read after the reply
/// (its branches, the escalations, the nodes it leads to) unless the reply itself reveals, sets
/// or clears it (with `kills`; without, the unreduced analysis keeps it).
fn facts_and_flags_at(
    ctx: &Context<'_>,
    feasible: &Feasible,
    node: NodeIdx,
    kills: bool,
    later: &[StateMask],
    targets: &mut Vec<NodeIdx>,
) -> (u64, u64) {
    let (Some(turn), Some(arrive)) = (ctx.turn(node), feasible.arrive(node)) else {
        return (0, 0);
    };
    let known = |bits| Known::at(feasible, bits);
    let (mut facts, mut flags) = (0u64, 0u64);
    for (i, r) in turn.replies.iter().enumerate() {
        let Some(ways) = feasible.reply(node, i) else {
            continue;
        };
        let mut before = StateMask::default();
        if let Some(c) = &r.requires {
            condition_reads(c, known(arrive), &mut before);
        }
        let mut after = StateMask::default();
        for ((c, _), open) in r.branches.iter().zip(&ways.branches) {
            if *open {
                condition_reads(c, known(ways.after), &mut after);
            }
        }
        for (k, e) in ctx.scenario.escalations.iter().enumerate() {
            if ways.escalations & (1u32 << k) != 0 {
                condition_reads(&e.when, known(ways.after), &mut after);
            }
        }
        targets.clear();
        ways.targets(ctx, r, targets);
        for &to in targets.iter() {
            if let Some(mask) = later.get(to as usize) {
                after.facts |= mask.facts;
                after.flags |= mask.flags;
            }
        }
        let (facts_killed, flags_killed) = if kills {
            (r.reveals, r.sets | r.clears)
        } else {
            (0, 0)
        };
        facts |= before.facts | after.facts & !facts_killed;
        flags |= before.flags | after.flags & !flags_killed;
    }
    (facts, flags)
}

/// Buffers reused from node to node while grouping levels.
#[derive(Default)]
struct Scratch {
    signatures: Vec<u8>,
    changes: Vec<i32>,
    targets: Vec<NodeIdx>,
}

/// The two 0–10 scales conditions read.
#[derive(Debug, Clone, Copy)]
enum Scale {
    Mood,
    Trust,
}

impl Scale {
    fn pick(self, mood: i8, trust: i8) -> i32 {
        i32::from(match self {
            Scale::Mood => mood,
            Scale::Trust => trust,
        })
    }

    /// Whether each of the condition's tests of this scale holds at `level`, in order; none
    /// of a condition `known` settles.
    fn tests(self, c: &Condition, known: Known<'_>, level: u8, out: &mut Vec<u8>) {
        if known.settles(c) {
            return;
        }
        let test = match (self, c) {
            (Scale::Mood, Condition::MoodAtLeast(v))
            | (Scale::Trust, Condition::TrustAtLeast(v)) => level >= *v,
            (Scale::Mood, Condition::MoodAtMost(v)) | (Scale::Trust, Condition::TrustAtMost(v)) => {
                level <= *v
            }
            (_, Condition::Not(inner)) => return self.tests(inner, known, level, out),
            (_, Condition::All(list) | Condition::Any(list)) => {
                return list.iter().for_each(|c| self.tests(c, known, level, out));
            }
            _ => return,
        };
        out.push(u8::from(test));
    }

    /// Every change a reply can make to this scale under the behaviour type, as `apply` adds
    /// it up: with and without each streak the reply may complete.
    fn changes(self, ctx: &Context<'_>, reply: &Reply, changes: &mut Vec<i32>) {
        let persona = ctx.catalogue.persona(ctx.persona);
        let (mood, trust) = ctx.reply_change(reply);
        let base = match self {
            Scale::Mood => mood,
            Scale::Trust => trust,
        };
        changes.clear();
        changes.push(base);
        for streak in &persona.streaks {
            let more = self.pick(streak.mood, streak.trust);
            if reply.technique_mask & (1u64 << streak.technique) != 0 && more != 0 {
                for k in 0..changes.len() {
                    changes.push(changes[k] + more);
                }
            }
        }
    }

    /// The levels of this scale that `node` can tell apart, given those every other node can:
    /// two levels fall together when each reply is shown for both or neither, and every
    /// change it can make leads both to the same node and to levels that node cannot tell
    /// apart. Nothing that scores reads mood or trust, so such levels have the same futures.
    fn levels_at(
        self,
        ctx: &Context<'_>,
        feasible: &Feasible,
        node: NodeIdx,
        known: &[Levels],
        scratch: &mut Scratch,
    ) -> Levels {
        let (Some(turn), Some(arrive)) = (ctx.turn(node), feasible.arrive(node)) else {
            return Levels::NONE;
        };
        let escalations = &ctx.scenario.escalations;
        let signatures = &mut scratch.signatures;
        signatures.clear();
        let certain = |bits| Known::at(feasible, bits);
        // Every level gets the same tests in the same order, so the signatures share a length.
        for level in 0..=SCALE_MAX {
            for (i, reply) in turn.replies.iter().enumerate() {
                let Some(ways) = feasible.reply(node, i) else {
                    continue;
                };
                if let Some(c) = &reply.requires {
                    self.tests(c, certain(arrive), level, signatures);
                }
                self.changes(ctx, reply, &mut scratch.changes);
                for &change in &scratch.changes {
                    let next = shift(level, change);
                    for (k, e) in escalations.iter().enumerate() {
                        if ways.escalations & (1u32 << k) != 0 {
                            self.tests(&e.when, certain(ways.after), next, signatures);
                        }
                    }
                    for ((c, _), open) in reply.branches.iter().zip(&ways.branches) {
                        if *open {
                            self.tests(c, certain(ways.after), next, signatures);
                        }
                    }
                    scratch.targets.clear();
                    ways.targets(ctx, reply, &mut scratch.targets);
                    for &to in &scratch.targets {
                        signatures.push(known.get(to as usize).map_or(0, |l| l.keep(next)));
                    }
                }
            }
        }
        let len = signatures.len() / (usize::from(SCALE_MAX) + 1);
        Levels::grouped_by(|level| {
            let at = usize::from(level) * len;
            &signatures[at..at + len]
        })
    }

    /// Whether any condition in the scenario tests this scale.
    fn read_in(self, scenario: &Scenario) -> bool {
        let mut tests = Vec::new();
        let mut reads = |c: &Condition| {
            self.tests(c, Known::NOTHING, 0, &mut tests);
            !tests.is_empty()
        };
        scenario.escalations.iter().any(|e| reads(&e.when))
            || scenario.nodes.iter().any(|node| match &node.kind {
                NodeKind::Turn(turn) => turn.replies.iter().any(|reply| {
                    reply.requires.iter().any(&mut reads)
                        || reply.branches.iter().any(|(c, _)| reads(c))
                }),
                NodeKind::Ending(_) => false,
            })
    }

    fn of(self, mask: &mut StateMask) -> &mut Levels {
        match self {
            Scale::Mood => &mut mask.mood,
            Scale::Trust => &mut mask.trust,
        }
    }
}

/// For each node, the parts of the state that some condition or rule at that node or after it
/// reads. Two states at a node that differ only elsewhere have the same futures, so the
/// analysis keeps one of them: this is what keeps the state space small.
#[derive(Debug)]
pub struct Liveness {
    nodes: Vec<StateMask>,
}

impl Liveness {
    fn of(ctx: &Context<'_>, reduce: Reduce) -> Liveness {
        let scenario = ctx.scenario;
        let feasible = match reduce {
            Reduce::All => Feasible::of(ctx),
            Reduce::LivenessOnly => Feasible::assume_nothing(ctx),
        };
        let successors: Vec<Vec<NodeIdx>> = (0..scenario.nodes.len())
            .map(|i| feasible.successors(ctx, i as NodeIdx))
            .collect();
        let components = strongly_connected(&successors);
        // The turn number matters only where the conversation can go round in a circle.
        let cyclic = components
            .iter()
            .any(|c| c.len() > 1 || successors[c[0] as usize].contains(&c[0]));
        let mut nodes = vec![StateMask::default(); scenario.nodes.len()];
        let mut levels = [
            vec![Levels::NONE; scenario.nodes.len()],
            vec![Levels::NONE; scenario.nodes.len()],
        ];
        // A scale no condition tests has a single level everywhere.
        let scales = [Scale::Mood, Scale::Trust].map(|s| s.read_in(scenario).then_some(s));
        let mut scratch = Scratch::default();
        // Tarjan's algorithm lists a component after every component it leads to, so each
        // component's successors outside it are final when it is reached.
        for component in &components {
            let mut live = StateMask::default();
            for &n in component {
                live = live.union(local_reads(ctx, &feasible, n));
                for &to in &successors[n as usize] {
                    live = live.union(nodes[to as usize]);
                }
            }
            // The turn number decides when the turn limit ends a conversation that goes round
            // in a circle; in a scenario without circles it is left out, as it always was.
            live.turn = cyclic && component.iter().any(|&n| ctx.turn(n).is_some());
            let circle =
                component.len() > 1 || successors[component[0] as usize].contains(&component[0]);
            // Facts and flags per node: in a circle, start from none and add what each node
            // needs until nothing changes (the least such sets are exact).
            for &n in component {
                nodes[n as usize] = StateMask {
                    facts: 0,
                    flags: 0,
                    ..live
                };
            }
            loop {
                let mut grew = false;
                for &n in component {
                    let (facts, flags) = facts_and_flags_at(
                        ctx,
                        &feasible,
                        n,
                        reduce == Reduce::All,
                        &nodes,
                        &mut scratch.targets,
                    );
                    let mask = &mut nodes[n as usize];
                    if (facts, flags) != (mask.facts, mask.flags) {
                        (mask.facts, mask.flags) = (facts, flags);
                        grew = true;
                    }
                }
                if !grew || !circle {
                    break;
                }
            }
            // Mood and trust levels per node. In a circle of nodes, start from "nothing tells
            // levels apart" and split until no node splits further: the coarsest grouping
            // that is still exact.
            for (scale, known) in scales.iter().zip(&mut levels) {
                let Some(scale) = scale else {
                    continue;
                };
                loop {
                    let mut split = false;
                    for &n in component {
                        let levels = match reduce {
                            Reduce::All => scale.levels_at(ctx, &feasible, n, known, &mut scratch),
                            Reduce::LivenessOnly => Levels::ALL,
                        };
                        if levels != known[n as usize] {
                            known[n as usize] = levels;
                            split = true;
                        }
                    }
                    if !split || !circle {
                        break;
                    }
                }
            }
        }
        for (scale, known) in [Scale::Mood, Scale::Trust].into_iter().zip(&levels) {
            for (mask, levels) in nodes.iter_mut().zip(known) {
                *scale.of(mask) = *levels;
            }
        }
        // The analysis plays replies on the states as kept, so these must still give a settled
        // condition its settled value: bits surely set on arriving stay set (they are set in
        // every state there, so keeping them tells no two states apart).
        for (n, mask) in nodes.iter_mut().enumerate() {
            if let Some(bits) = feasible.arrive(n as NodeIdx) {
                mask.facts |= bits.facts_sure;
                mask.flags |= bits.flags_sure;
            }
        }
        if reduce == Reduce::LivenessOnly {
            // The unreduced analysis keeps which escalations fired everywhere, as it always did.
            for mask in &mut nodes {
                mask.escalated = u32::MAX;
            }
        }
        Liveness { nodes }
    }

    /// The state as the analysis keeps it: only what can still matter at its node.
    pub fn project(&self, s: &PlayState) -> PlayState {
        match self.nodes.get(s.node as usize) {
            Some(mask) => mask.project(s),
            // Past the turn limit nothing can matter any more.
            None => StateMask::default().project(s),
        }
    }

    /// The kept state in two parts: the customer's side (everything but the order rules) and
    /// the order rules' key. The order rules change the points only, never where the
    /// conversation goes, so the analysis explores the customer's side first.
    fn split(&self, s: &PlayState) -> (PlayState, u64) {
        let kept = self.project(s);
        let key = u64::from(kept.before_seen) | u64::from(kept.rules_done) << 32;
        (
            PlayState {
                before_seen: 0,
                rules_done: 0,
                ..kept
            },
            key,
        )
    }

    /// The order rules still kept at `node` (bit per rule).
    fn rules_at(&self, node: NodeIdx) -> u32 {
        self.nodes.get(node as usize).map_or(0, |m| m.rules)
    }

    /// Whether the turn number is kept anywhere (only where nodes go round in circles).
    fn keeps_turn(&self) -> bool {
        self.nodes.iter().any(|m| m.turn)
    }

    /// The same with the turn number left out everywhere.
    fn without_turn(&self) -> Liveness {
        Liveness {
            nodes: self
                .nodes
                .iter()
                .map(|m| StateMask { turn: false, ..*m })
                .collect(),
        }
    }
}

/// The order rules' key as `Liveness::split` makes it, keeping only the rules in `rules`.
fn rule_key(rules: u32, before_seen: u32, rules_done: u32) -> u64 {
    let seen = before_seen & !rules_done & rules;
    u64::from(seen) | u64::from(rules_done & rules) << 32
}

/// Per class of merged customer-side states, what its order rules' key keeps. Finer than
/// `Liveness`, which goes by node: a class knows which replies its states can still reach.
#[derive(Debug)]
struct ClassRules {
    /// Per class, the rules some path from it can still decide, and of those the ones some
    /// path can still break.
    masks: Vec<(u32, u32)>,
}

impl ClassRules {
    /// As the unreduced analysis keeps the key: the rules `live` keeps at the class's node,
    /// and every one of them as breakable.
    fn by_node(nodes: &[NodeIdx], live: &Liveness) -> Self {
        ClassRules {
            masks: nodes
                .iter()
                .map(|&node| (live.rules_at(node), u32::MAX))
                .collect(),
        }
    }

    /// Classes are numbered so that every move leads to a lower number.
    fn of(
        nodes: &[NodeIdx],
        move_start: &[u32],
        moves: &[Move],
        effects: &[Vec<OrderEffect>],
    ) -> Self {
        let mut masks: Vec<(u32, u32)> = Vec::with_capacity(nodes.len());
        for (class, &node) in nodes.iter().enumerate() {
            let here = effects.get(node as usize).map_or(&[][..], Vec::as_slice);
            let (mut decidable, mut breakable) = (0u32, 0u32);
            for m in &moves[move_start[class] as usize..move_start[class + 1] as usize] {
                let effect = here.get(usize::from(m.reply)).copied().unwrap_or_default();
                let (later_decidable, later_breakable) = masks[m.to as usize];
                decidable |= effect.then | later_decidable;
                // A rule breaks when a `then` comes first; a `before` first rules that out.
                breakable |= effect.then & !effect.kept_within
                    | later_breakable & !(effect.then | effect.before);
            }
            masks.push((decidable, breakable));
        }
        ClassRules { masks }
    }

    /// The key as `class` keeps it: only rules that can still be decided; and a rule that can
    /// no longer be broken counts as its `before` seen, since both can only end up kept.
    fn key(&self, class: usize, key: u64) -> u64 {
        let (decidable, breakable) = self
            .masks
            .get(class)
            .copied()
            .unwrap_or((u32::MAX, u32::MAX));
        let (seen, done) = (key as u32, (key >> 32) as u32);
        rule_key(decidable, seen | !breakable, done)
    }
}

/// Rows of points per principle and step, each kept once: most edges share a handful.
struct PointRows {
    width: usize,
    rows: Vec<i32>,
    ids: HashMap<Box<[i32]>, u32, BuildHasherDefault<StateHasher>>,
    /// Per reply, the row it gave last: a reply gives the same row in most states.
    last: Vec<u32>,
}

impl PointRows {
    /// As `intern`, checking first the row reply `reply` (see `last`) gave last time.
    fn intern_for(&mut self, reply: usize, row: &[i32]) -> u32 {
        let last = self.last.get(reply).copied().unwrap_or(u32::MAX);
        if last != u32::MAX && self.row(last) == row {
            return last;
        }
        let id = self.intern(row);
        if let Some(slot) = self.last.get_mut(reply) {
            *slot = id;
        }
        id
    }

    fn intern(&mut self, row: &[i32]) -> u32 {
        if let Some(&id) = self.ids.get(row) {
            return id;
        }
        let id = (self.rows.len() / self.width.max(1)) as u32;
        self.rows.extend_from_slice(row);
        self.ids.insert(row.into(), id);
        id
    }

    fn row(&self, id: u32) -> &[i32] {
        let at = id as usize * self.width;
        &self.rows[at..at + self.width]
    }
}

/// The order rules' keys met at one class of customer-side states, in the order met. Most
/// classes have a single key, kept without a list of its own; long lists get an index, since
/// every edge into the class looks its key up.
#[derive(Debug, Default)]
enum Keys {
    #[default]
    None,
    One(u64),
    Few(Vec<u64>),
    Many(Vec<u64>, KeyIndex),
}

/// Places in a long `Keys` list by key: open addressing, each slot a place plus one (0 empty),
/// kept at most half full.
#[derive(Debug)]
struct KeyIndex {
    slots: Vec<u32>,
}

/// Lists longer than this get a `KeyIndex`: a short scan costs less than hashing.
const FEW_KEYS: usize = 8;

impl KeyIndex {
    fn of(keys: &[u64]) -> KeyIndex {
        let mut index = KeyIndex {
            slots: vec![0; (4 * keys.len()).next_power_of_two()],
        };
        for (place, &key) in keys.iter().enumerate() {
            let slot = index.slot(keys, key);
            index.slots[slot] = place as u32 + 1;
        }
        index
    }

    /// The slot holding `key`, or the empty one where it belongs.
    fn slot(&self, keys: &[u64], key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut slot = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize & mask;
        loop {
            match self.slots[slot] {
                0 => return slot,
                place if keys[place as usize - 1] == key => return slot,
                _ => slot = (slot + 1) & mask,
            }
        }
    }
}

impl Keys {
    /// The key's place in the list, adding it at the end if it is new.
    fn place(&mut self, key: u64) -> usize {
        match self {
            Keys::None => {
                *self = Keys::One(key);
                0
            }
            Keys::One(first) if *first == key => 0,
            Keys::One(first) => {
                // Room for every key it holds before it gets an index: one allocation.
                let mut keys = Vec::with_capacity(FEW_KEYS + 1);
                keys.extend([*first, key]);
                *self = Keys::Few(keys);
                1
            }
            Keys::Few(keys) => match keys.iter().position(|&k| k == key) {
                Some(place) => place,
                None => {
                    keys.push(key);
                    if keys.len() > FEW_KEYS {
                        let keys = std::mem::take(keys);
                        let index = KeyIndex::of(&keys);
                        *self = Keys::Many(keys, index);
                    }
                    // Places never change: the new key is last either way.
                    self.as_slice().len() - 1
                }
            },
            Keys::Many(keys, index) => {
                let slot = index.slot(keys, key);
                match index.slots[slot] {
                    0 => {
                        keys.push(key);
                        index.slots[slot] = keys.len() as u32;
                        if 2 * keys.len() > index.slots.len() {
                            *index = KeyIndex::of(keys);
                        }
                        keys.len() - 1
                    }
                    place => place as usize - 1,
                }
            }
        }
    }

    fn as_slice(&self) -> &[u64] {
        match self {
            Keys::None => &[],
            Keys::One(key) => std::slice::from_ref(key),
            Keys::Few(keys) | Keys::Many(keys, _) => keys,
        }
    }
}

/// A reply from a customer-side state, as the first pass finds it.
#[derive(Clone, Copy)]
struct Move {
    reply: u16,
    to: u32,
    /// Its points without the order rules, as a `PointRows` id.
    row: u32,
}

/// A fast hash for states (FxHash's mixing step): the analysis hashes millions of small keys
/// that no outsider chooses, so a DoS-resistant hash buys nothing here.
#[derive(Debug, Default, Clone, Copy)]
pub struct StateHasher(u64);

impl StateHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for StateHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }

    fn write_u16(&mut self, v: u16) {
        self.add(u64::from(v));
    }

    fn write_u32(&mut self, v: u32) {
        self.add(u64::from(v));
    }

    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }

    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }

    fn finish(&self) -> u64 {
        // The table picks buckets by the low bits, which a multiply mixes least.
        self.0.rotate_left(26)
    }
}

type StateMap<K> = HashMap<K, u32, BuildHasherDefault<StateHasher>>;

/// Customer-side states and their numbers, one map per block of nodes: the first pass looks up
/// states at the few nodes just ahead of where it is, and smaller maps stay in the cache where
/// one large map for a large scenario would not.
#[derive(Debug)]
struct SideIndex {
    /// Per block of `NODES_PER_MAP` nodes, then one more for any other node number (the turn
    /// limit's).
    by_block: Vec<StateMap<PlayState>>,
}

/// Nodes per map of `SideIndex`: a bundled scenario has one or two maps, a large one has many.
const NODES_PER_MAP: usize = 64;

impl SideIndex {
    fn new(nodes: usize) -> SideIndex {
        SideIndex {
            by_block: (0..=nodes.div_ceil(NODES_PER_MAP))
                .map(|_| StateMap::default())
                .collect(),
        }
    }

    fn slot(&self, node: NodeIdx) -> usize {
        (node as usize / NODES_PER_MAP).min(self.by_block.len().saturating_sub(1))
    }

    fn map(&mut self, node: NodeIdx) -> &mut StateMap<PlayState> {
        let slot = self.slot(node);
        &mut self.by_block[slot]
    }

    fn get(&self, side: &PlayState) -> Option<u32> {
        self.by_block.get(self.slot(side.node))?.get(side).copied()
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut u32> {
        self.by_block.iter_mut().flat_map(|map| map.values_mut())
    }
}

impl Analysis {
    pub fn run(
        scenario: Arc<Scenario>,
        catalogue: Arc<Catalogue>,
        persona: PersonaIdx,
    ) -> Result<Analysis, AnalysisError> {
        Self::run_with_limit(scenario, catalogue, persona, MAX_STATES)
    }

    /// As `run`, giving up with `TooComplex` past `max_states` states.
    pub fn run_with_limit(
        scenario: Arc<Scenario>,
        catalogue: Arc<Catalogue>,
        persona: PersonaIdx,
        max_states: usize,
    ) -> Result<Analysis, AnalysisError> {
        Self::explore(scenario, catalogue, persona, max_states, Reduce::All)
    }

    /// As `run`, keeping every mood and trust level a condition tests and merging no states:
    /// slower, with the same figures. Tests compare the two.
    #[doc(hidden)]
    pub fn run_unreduced(
        scenario: Arc<Scenario>,
        catalogue: Arc<Catalogue>,
        persona: PersonaIdx,
    ) -> Result<Analysis, AnalysisError> {
        Self::explore(
            scenario,
            catalogue,
            persona,
            MAX_STATES,
            Reduce::LivenessOnly,
        )
    }

    fn explore(
        scenario: Arc<Scenario>,
        catalogue: Arc<Catalogue>,
        persona: PersonaIdx,
        max_states: usize,
        reduce: Reduce,
    ) -> Result<Analysis, AnalysisError> {
        let ctx = Context {
            scenario: &scenario,
            catalogue: &catalogue,
            persona,
        };
        let np = catalogue.principles.len();
        let ns = catalogue.steps.len();
        let p = catalogue.persona(persona);
        let live = Liveness::of(&ctx, reduce);
        let start = PlayState::start(&scenario, p.start_mood, p.start_trust);
        let start_rules = live.split(&start).1;
        let width = np + ns;
        // Where the scenario's nodes go round in circles the turn number is kept, for the turn
        // limit. When the states themselves cannot go round and no path is long enough to
        // reach the limit, the turn number changes nothing: leaving it out then keeps far fewer
        // states (the unreduced analysis, which keeps it, checks the figures are the same).
        let without_turn = (reduce == Reduce::All && live.keeps_turn())
            .then(|| {
                let live = live.without_turn();
                let (pass, order) =
                    FirstPass::run_in_order(&ctx, &live, &start, max_states, width).ok()?;
                pass.never_reaches_the_turn_limit(&ctx, &order)
                    .then_some((live, pass, order))
            })
            .flatten();
        let (live, pass, order) = match without_turn {
            Some(found) => found,
            None => {
                let (pass, order) =
                    FirstPass::run_in_order(&ctx, &live, &start, max_states, width)?;
                (live, pass, order)
            }
        };
        let FirstPass {
            mut index,
            sides,
            move_start,
            moves,
            stuck,
            mut rows,
        } = pass;
        let mut buf = vec![0i32; width];
        let timeout_reachable = sides.iter().any(|s| s.node == TIMEOUT_NODE);
        let merged = MergedSides::of(&sides, &move_start, &moves, &order, reduce);
        drop((order, moves, move_start));
        let start_class = merged.class_of[0];
        for id in index.values_mut() {
            *id = merged.class_of[*id as usize];
        }
        let MergedSides {
            node: class_node,
            move_start,
            moves,
            ..
        } = merged;
        let sides = class_node;

        // Second pass: the order rules on top. In topological order all of a side's
        // predecessors come first, so its rule keys are complete when it is reached; numbering
        // its full states then makes every edge lead to a higher number, and the reverse of
        // the numbering is a topological order of the full states.
        // What each reply does to the order rules, worked out once per reply.
        let effects: Vec<Vec<OrderEffect>> = (0..scenario.nodes.len())
            .map(|n| {
                ctx.turn(n as NodeIdx).map_or(Vec::new(), |t| {
                    t.replies
                        .iter()
                        .map(|r| OrderEffect::of(&catalogue, r))
                        .collect()
                })
            })
            .collect();
        let class_rules = match reduce {
            Reduce::All => ClassRules::of(&sides, &move_start, &moves, &effects),
            Reduce::LivenessOnly => ClassRules::by_node(&sides, &live),
        };
        // Per side, the order rules' keys met there, in the order met.
        let mut keys_at: Vec<Keys> = Vec::with_capacity(sides.len());
        keys_at.resize_with(sides.len(), Keys::default);
        keys_at[start_class as usize].place(class_rules.key(start_class as usize, start_rules));
        let mut full: Vec<(u32, u32)> = vec![(0, 0); sides.len()];
        // Every side has at least one full state and each of its moves an edge from it: room
        // for that from the start saves copying the largest lists as they grow.
        let mut side_of: Vec<u32> = Vec::with_capacity(sides.len());
        let mut rule_keys: Vec<u64> = Vec::with_capacity(sides.len());
        let mut edge_start: Vec<u32> = Vec::with_capacity(sides.len() + 1);
        let mut edges: Vec<Edge> = Vec::with_capacity(moves.len());
        let mut with_rules: HashMap<(u32, u64, StepIdx), u32, BuildHasherDefault<StateHasher>> =
            HashMap::default();
        // A move's row of points with the order rules it decides added, each kept once.
        let mut row_with_rules = |row: u32, after: &OrderStep, step: StepIdx| -> u32 {
            let decided = u64::from(after.kept) | u64::from(after.broken) << 32;
            if decided == 0 {
                return row;
            }
            match with_rules.entry((row, decided, step)) {
                Entry::Occupied(known) => *known.get(),
                Entry::Vacant(new) => {
                    buf.copy_from_slice(rows.row(row));
                    for (k, rule) in catalogue.order_rules.iter().enumerate() {
                        let points = if after.kept & (1u32 << k) != 0 {
                            rule.kept
                        } else if after.broken & (1u32 << k) != 0 {
                            rule.broken
                        } else {
                            continue;
                        };
                        buf[usize::from(rule.principle)] += i32::from(points);
                        buf[np + usize::from(step)] += i32::from(points);
                    }
                    *new.insert(rows.intern(&buf))
                }
            }
        };
        for side in (0..sides.len()).rev() {
            // Keys are only ever added to later sides' lists, never to this one's.
            let keys = std::mem::take(&mut keys_at[side]);
            let keys = keys.as_slice();
            full[side] = (rule_keys.len() as u32, keys.len() as u32);
            if rule_keys.len() + keys.len() > max_states {
                return Err(AnalysisError::TooComplex);
            }
            let node = sides[side];
            let step = ctx.turn(node).map_or(0, |t| t.step);
            let own = &moves[move_start[side] as usize..move_start[side + 1] as usize];
            let effects_here = effects.get(node as usize).map_or(&[][..], Vec::as_slice);
            // Each full state's edges follow the side's moves one for one, so the edge of key
            // `i` and move `j` has its place before they are made. Going move by move keeps
            // one target's list of keys at hand for all the keys.
            let first_edge = edges.len();
            for (i, &key) in keys.iter().enumerate() {
                side_of.push(side as u32);
                rule_keys.push(key);
                edge_start.push((first_edge + i * own.len()) as u32);
            }
            edges.resize(
                first_edge + keys.len() * own.len(),
                Edge {
                    to: 0,
                    row: 0,
                    reply: 0,
                },
            );
            for (j, m) in own.iter().enumerate() {
                let effect = effects_here
                    .get(usize::from(m.reply))
                    .copied()
                    .unwrap_or_default();
                let target = &mut keys_at[m.to as usize];
                for (i, &key) in keys.iter().enumerate() {
                    let after = effect.apply(key as u32, (key >> 32) as u32);
                    let to_key = class_rules.key(
                        m.to as usize,
                        u64::from(after.before_seen) | u64::from(after.rules_done) << 32,
                    );
                    // Until every side is numbered, an edge's target is its place among the
                    // full states of its move's side.
                    let place = target.place(to_key) as u32;
                    let row = row_with_rules(m.row, &after, step);
                    edges[first_edge + i * own.len() + j] = Edge {
                        to: place,
                        row,
                        reply: m.reply,
                    };
                }
            }
        }
        edge_start.push(edges.len() as u32);
        // A full state's edges follow its side's moves one for one.
        for (s, &side) in side_of.iter().enumerate() {
            let side = side as usize;
            let own = &moves[move_start[side] as usize..move_start[side + 1] as usize];
            let out = &mut edges[edge_start[s] as usize..edge_start[s + 1] as usize];
            for (edge, m) in out.iter_mut().zip(own) {
                edge.to += full[m.to as usize].0;
            }
        }
        drop(keys_at);
        let point_sets = rows.rows.as_slice();

        let n = rule_keys.len();
        let terminal = |s: usize| edge_start[s] == edge_start[s + 1];
        let complete = |s: usize| ctx.ends_at(sides[side_of[s] as usize]);

        // Per principle and step, the max and min points still to come from each state. No
        // path is longer than the longest one between classes, so when that many of the
        // largest points fit in 16 bits, so do all the sums: a vector instruction then takes
        // twice as many of them.
        let largest = point_sets
            .iter()
            .map(|v| v.unsigned_abs())
            .max()
            .unwrap_or(0);
        let (longest, paths) =
            class_paths(&move_start, &moves, start_class, |c| ctx.ends_at(sides[c]));
        let full_graph = FullGraph {
            edge_start: &edge_start,
            edges: &edges,
        };
        let reach = if u64::from(largest) * u64::from(longest) <= i16::MAX as u64 {
            full_graph.reach::<i16>(point_sets, width, &complete)
        } else {
            full_graph.reach::<i32>(point_sets, width, &complete)
        };
        let Reach { alive, extremes } = reach;
        if !alive[0] {
            return Err(AnalysisError::NoCompletePath);
        }
        let (hi, negated_lo) = extremes.split_at(width);
        let principles: Vec<Range> = (0..np)
            .map(|k| Range {
                min: -negated_lo[k],
                max: hi[k],
            })
            .collect();
        let steps: Vec<Range> = (0..ns)
            .map(|k| Range {
                min: -negated_lo[np + k],
                max: hi[np + k],
            })
            .collect();
        let weight_sum: f64 = principles
            .iter()
            .zip(&catalogue.principles)
            .filter(|(r, _)| r.anchor_and_scale().is_some())
            .map(|(_, p)| p.weight)
            .sum();
        let coeff: Vec<f64> = principles
            .iter()
            .zip(&catalogue.principles)
            .map(|(r, p)| match r.anchor_and_scale() {
                Some((_, scale)) if weight_sum > 0.0 => {
                    100.0 * p.weight / (weight_sum * f64::from(scale))
                }
                _ => 0.0,
            })
            .collect();
        let gains: Vec<f64> = point_sets
            .chunks(width.max(1))
            .map(|points| (0..np).map(|k| coeff[k] * f64::from(points[k])).sum())
            .collect();
        let mut best = vec![f64::NEG_INFINITY; n];
        let mut worst = vec![f64::INFINITY; n];
        for s in (0..n).rev() {
            if !alive[s] {
                continue;
            }
            if terminal(s) {
                best[s] = 0.0;
                worst[s] = 0.0;
                continue;
            }
            for e in &edges[edge_start[s] as usize..edge_start[s + 1] as usize] {
                let to = e.to as usize;
                if alive[to] {
                    let gain = gains[e.row as usize];
                    best[s] = best[s].max(gain + best[to]);
                    worst[s] = worst[s].min(gain + worst[to]);
                }
            }
        }
        let mut endings: Vec<NodeIdx> = (0..n)
            .filter(|&s| terminal(s) && complete(s))
            .map(|s| sides[side_of[s] as usize])
            .filter(|&node| node != TIMEOUT_NODE)
            .collect();
        endings.sort_unstable();
        endings.dedup();
        let mut analysis = Analysis {
            scenario: scenario.clone(),
            catalogue: catalogue.clone(),
            persona,
            live,
            index,
            full,
            rule_keys,
            class_rules,
            edge_start,
            edges,
            gains,
            best,
            worst,
            principles,
            steps,
            coeff,
            best_total: 0.0,
            worst_total: 0.0,
            paths,
            endings,
            timeout_reachable,
            stuck,
        };
        // The extreme totals are computed by walking the extreme paths and scoring them with the
        // same formula as any attempt, so that they match a played attempt to the last digit.
        analysis.best_total = analysis.path_total(&rows, true);
        analysis.worst_total = analysis.path_total(&rows, false);
        Ok(analysis)
    }

    fn path_total(&self, rows: &PointRows, best: bool) -> f64 {
        let np = self.catalogue.principles.len();
        let mut points = vec![0i32; np];
        let mut state = 0usize;
        loop {
            let range = self.edge_start[state] as usize..self.edge_start[state + 1] as usize;
            let mut chosen: Option<(usize, f64)> = None;
            for e in range {
                let to = self.edges[e].to as usize;
                let value = if best { self.best[to] } else { self.worst[to] };
                if !value.is_finite() {
                    continue;
                }
                let value = self.gain(&self.edges[e]) + value;
                let better = match chosen {
                    None => true,
                    Some((_, v)) if best => value > v + 1e-9,
                    Some((_, v)) => value < v - 1e-9,
                };
                if better {
                    chosen = Some((e, value));
                }
            }
            let Some((e, _)) = chosen else { break };
            for (p, v) in points.iter_mut().zip(rows.row(self.edges[e].row)) {
                *p += v;
            }
            state = self.edges[e].to as usize;
        }
        self.total(&points)
    }

    pub fn context(&self) -> Context<'_> {
        Context {
            scenario: &self.scenario,
            catalogue: &self.catalogue,
            persona: self.persona,
        }
    }

    /// How many distinct states the analysis kept.
    pub fn state_count(&self) -> usize {
        self.rule_keys.len()
    }

    /// The number of a state as the analysis keeps it, if it is reachable.
    fn full_state(&self, state: &PlayState) -> Option<usize> {
        let (side, key) = self.live.split(state);
        let side = self.index.get(&side)?;
        let key = self.class_rules.key(side as usize, key);
        let (first, count) = *self.full.get(side as usize)?;
        let range = first as usize..(first + count) as usize;
        let at = self.rule_keys.get(range)?.iter().position(|&k| k == key)?;
        Some(first as usize + at)
    }

    /// An edge's contribution to the total, in total points.
    fn gain(&self, edge: &Edge) -> f64 {
        self.gains.get(edge.row as usize).copied().unwrap_or(0.0)
    }

    /// The total (0–100) for a path's principle points.
    pub fn total(&self, principle_points: &[i32]) -> f64 {
        let sum: f64 = self
            .principles
            .iter()
            .zip(&self.coeff)
            .zip(principle_points)
            .map(|((r, c), p)| c * f64::from(p - r.anchor_and_scale().map_or(0, |(a, _)| a)))
            .sum();
        ((sum * 1e9).round() / 1e9).clamp(0.0, 100.0)
    }

    /// The replies from a state, each with the most and the fewest total points still to come
    /// after choosing it (weighted as in the total, without the anchors). Replies that lead
    /// nowhere complete are left out.
    pub fn reply_values(&self, state: &PlayState) -> Vec<(usize, f64, f64)> {
        let Some(id) = self.full_state(state) else {
            return Vec::new();
        };
        self.edges[self.edge_start[id] as usize..self.edge_start[id + 1] as usize]
            .iter()
            .filter(|e| self.best[e.to as usize].is_finite())
            .map(|e| {
                let to = e.to as usize;
                (
                    usize::from(e.reply),
                    self.gain(e) + self.best[to],
                    self.gain(e) + self.worst[to],
                )
            })
            .collect()
    }

    /// The reply that leads to the best total reachable from here (the first, on a tie).
    pub fn best_reply(&self, state: &PlayState) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (reply, value, _) in self.reply_values(state) {
            if best.is_none_or(|(_, b)| value > b + 1e-9) {
                best = Some((reply, value));
            }
        }
        best.map(|(r, _)| r)
    }

    /// The reply that leads to the worst total reachable from here (the first, on a tie).
    pub fn worst_reply(&self, state: &PlayState) -> Option<usize> {
        let mut worst: Option<(usize, f64)> = None;
        for (reply, _, value) in self.reply_values(state) {
            if worst.is_none_or(|(_, w)| value < w - 1e-9) {
                worst = Some((reply, value));
            }
        }
        worst.map(|(r, _)| r)
    }
}

/// The first pass: the customer's side of every reachable state, breadth-first; a state's
/// moves are stored together when it is expanded.
struct FirstPass {
    index: SideIndex,
    sides: Vec<PlayState>,
    move_start: Vec<u32>,
    moves: Vec<Move>,
    /// Turn nodes where some state shows no reply, sorted.
    stuck: Vec<NodeIdx>,
    rows: PointRows,
}

impl FirstPass {
    fn run(
        ctx: &Context<'_>,
        live: &Liveness,
        start: &PlayState,
        max_states: usize,
        width: usize,
    ) -> Result<FirstPass, AnalysisError> {
        let scenario = ctx.scenario;
        let np = ctx.catalogue.principles.len();
        let start = live.split(start).0;
        let mut rows = PointRows {
            width,
            rows: Vec::new(),
            ids: HashMap::default(),
            last: Vec::new(),
        };
        let mut index = SideIndex::new(scenario.nodes.len());
        let mut sides = vec![start];
        index.map(start.node).insert(start, 0);
        let mut move_start = Vec::new();
        let mut moves: Vec<Move> = Vec::new();
        let mut stuck = Vec::new();
        let mut buf = vec![0i32; width];
        // Each reply's place in one list of all replies, for `PointRows::intern_for`.
        let mut reply_base = Vec::with_capacity(scenario.nodes.len());
        let mut replies = 0;
        for n in 0..scenario.nodes.len() {
            reply_base.push(replies);
            replies += ctx.turn(n as NodeIdx).map_or(0, |t| t.replies.len());
        }
        rows.last = vec![u32::MAX; replies];
        let mut available = Vec::new();
        let mut cursor = 0usize;
        while cursor < sides.len() {
            let state = sides[cursor];
            move_start.push(u32::try_from(moves.len()).map_err(|_| AnalysisError::TooComplex)?);
            cursor += 1;
            if ctx.is_over(&state) {
                continue;
            }
            ctx.available_into(&state, &mut available);
            if available.is_empty() {
                stuck.push(state.node);
            }
            for &reply in &available {
                buf.fill(0);
                let (principles_buf, steps_buf) = buf.split_at_mut(np);
                let outcome = ctx.apply(
                    &state,
                    reply,
                    &mut PointsScorer {
                        principles: principles_buf,
                        steps: steps_buf,
                    },
                );
                let (key, _) = live.split(&outcome.state);
                let to = match index.map(key.node).entry(key) {
                    Entry::Occupied(known) => *known.get(),
                    Entry::Vacant(new) => {
                        if sides.len() >= max_states {
                            return Err(AnalysisError::TooComplex);
                        }
                        let id = sides.len() as u32;
                        sides.push(key);
                        new.insert(id);
                        id
                    }
                };
                moves.push(Move {
                    reply: u16::try_from(reply).unwrap_or(u16::MAX),
                    to,
                    row: rows.intern_for(reply_base[state.node as usize] + reply, &buf),
                });
            }
        }
        move_start.push(moves.len() as u32);
        stuck.sort_unstable();
        stuck.dedup();
        Ok(FirstPass {
            index,
            sides,
            move_start,
            moves,
            stuck,
            rows,
        })
    }

    /// The pass and a topological order of its states (an error if the states go round).
    fn run_in_order(
        ctx: &Context<'_>,
        live: &Liveness,
        start: &PlayState,
        max_states: usize,
        width: usize,
    ) -> Result<(FirstPass, Vec<u32>), AnalysisError> {
        let pass = FirstPass::run(ctx, live, start, max_states, width)?;
        let order = topological_order(pass.sides.len(), &pass.move_start, |m| pass.moves[m].to)?;
        Ok((pass, order))
    }

    /// Whether, in a pass that left the turn number out, no path makes so many replies that
    /// the turn limit would end it: then keeping the turn number would change nothing. `order`
    /// is a topological order of the states.
    fn never_reaches_the_turn_limit(&self, ctx: &Context<'_>, order: &[u32]) -> bool {
        if self.sides.iter().any(|s| s.node == TIMEOUT_NODE) {
            return false;
        }
        // The most replies any path makes before reaching each state.
        let mut depth = vec![0u32; self.sides.len()];
        for &side in order {
            let side = side as usize;
            let after = depth[side].saturating_add(1);
            let own =
                &self.moves[self.move_start[side] as usize..self.move_start[side + 1] as usize];
            for m in own {
                let to = m.to as usize;
                // As `apply` does: the limit ends a conversation that goes on to another turn.
                if ctx.turn(self.sides[to].node).is_some() && after >= ctx.scenario.max_turns {
                    return false;
                }
                depth[to] = depth[to].max(after);
            }
        }
        true
    }
}

/// How far the analysis shrinks the state space; the figures are the same either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reduce {
    /// Forget what no later condition or rule reads, group mood and trust levels no later
    /// condition tells apart, merge customer-side states with the same futures, and keep of
    /// the order rules what each class can still decide or break (`ClassRules`).
    All,
    /// Only forget what no later condition or rule reads.
    LivenessOnly,
}

/// The first pass's graph with equivalent customer-side states merged: two states at the same
/// node whose replies are the same (so do the same to the order rules), give the same points
/// and lead to equivalent states have the same futures, whatever their mood or trust. Many
/// states differ only in something no later condition can tell apart (a mood of 2 or 3 where
/// only 7 and above counts), so the second pass, which multiplies states by the order rules,
/// works on far fewer.
struct MergedSides {
    /// Per class, its node. Classes are numbered so that every move leads to a lower number.
    node: Vec<NodeIdx>,
    move_start: Vec<u32>,
    moves: Vec<Move>,
    /// Per customer-side state, its class.
    class_of: Vec<u32>,
}

impl MergedSides {
    fn of(
        sides: &[PlayState],
        move_start: &[u32],
        moves: &[Move],
        order: &[u32],
        reduce: Reduce,
    ) -> Self {
        let mut merged = MergedSides {
            node: Vec::new(),
            move_start: vec![0],
            moves: Vec::new(),
            class_of: vec![0; sides.len()],
        };
        // Classes by their signature's hash. A hash shared by two different signatures only
        // costs a merge missed, never a wrong one: the class found is checked move by move.
        let mut classes: HashMap<u64, u32, BuildHasherDefault<StateHasher>> = HashMap::default();
        // In reverse topological order every move's target already has its class.
        for &side in order.iter().rev() {
            let side = side as usize;
            let node = sides[side].node;
            let own = &moves[move_start[side] as usize..move_start[side + 1] as usize];
            let class_of = &merged.class_of;
            let signature = |m: &Move| (m.reply, class_of[m.to as usize], m.row);
            let mut hasher = StateHasher::default();
            hasher.add(u64::from(node));
            for m in own {
                let (reply, to, row) = signature(m);
                hasher.add(u64::from(reply) | u64::from(to) << 16);
                hasher.add(u64::from(row));
            }
            let hash = hasher.finish();
            let same = |class: u32| {
                let class = class as usize;
                let theirs = &merged.moves
                    [merged.move_start[class] as usize..merged.move_start[class + 1] as usize];
                merged.node[class] == node
                    && theirs.len() == own.len()
                    && theirs
                        .iter()
                        .zip(own)
                        .all(|(t, m)| (t.reply, t.to, t.row) == signature(m))
            };
            let class = match classes.get(&hash) {
                Some(&class) if reduce == Reduce::All && same(class) => class,
                known => {
                    let class = merged.node.len() as u32;
                    merged.node.push(node);
                    merged.moves.extend(own.iter().map(|m| Move {
                        to: class_of[m.to as usize],
                        ..*m
                    }));
                    merged.move_start.push(merged.moves.len() as u32);
                    if known.is_none() {
                        classes.insert(hash, class);
                    }
                    class
                }
            };
            merged.class_of[side] = class;
        }
        merged
    }
}

/// One lane of a score-range row (see `FullGraph::reach`).
trait Lane: Copy + Ord + std::ops::Add<Output = Self> + Default {
    const LOWEST: Self;
    /// `points`, which the caller has made sure fits.
    fn of(points: i32) -> Self;
    fn widen(self) -> i32;
}

impl Lane for i16 {
    const LOWEST: i16 = i16::MIN;
    fn of(points: i32) -> i16 {
        i16::try_from(points).unwrap_or(i16::MAX)
    }
    fn widen(self) -> i32 {
        i32::from(self)
    }
}

impl Lane for i32 {
    const LOWEST: i32 = i32::MIN;
    fn of(points: i32) -> i32 {
        points
    }
    fn widen(self) -> i32 {
        self
    }
}

/// The full states' edges, numbered so that every edge leads to a higher number.
struct FullGraph<'a> {
    edge_start: &'a [u32],
    edges: &'a [Edge],
}

/// Which full states have a complete path, and the range row from the start: per principle
/// and step the most points still to come, then the fewest, negated.
struct Reach {
    alive: Vec<bool>,
    extremes: Vec<i32>,
}

impl FullGraph<'_> {
    /// Works backwards from the last state. Each state's range row holds its maxima then its
    /// negated minima, so both are one running maximum over a row of `T`, which compiles to
    /// vector code; `T` must hold every sum of points along a path.
    fn reach<T: Lane>(
        &self,
        point_sets: &[i32],
        width: usize,
        complete: impl Fn(usize) -> bool,
    ) -> Reach {
        let n = self.edge_start.len().saturating_sub(1);
        let both = 2 * width;
        let signed_points: Vec<T> = if width == 0 {
            Vec::new()
        } else {
            point_sets
                .chunks_exact(width)
                .flat_map(|row| row.iter().copied().chain(row.iter().map(|v| -v)))
                .map(T::of)
                .collect()
        };
        // An ending's row stays all zeros: nothing more to come. Rows of states with no
        // complete path are never read.
        let mut extremes = vec![T::default(); n * both];
        let mut alive = vec![false; n];
        for s in (0..n).rev() {
            let range = self.edge_start[s] as usize..self.edge_start[s + 1] as usize;
            if range.is_empty() {
                alive[s] = complete(s);
                continue;
            }
            // Every edge leads to a higher number: the rows after this one are all complete.
            let (before, after) = extremes.split_at_mut((s + 1) * both);
            let row = &mut before[s * both..];
            row.fill(T::LOWEST);
            for edge in &self.edges[range] {
                let to = edge.to as usize;
                if !alive[to] {
                    continue;
                }
                alive[s] = true;
                let points = &signed_points[edge.row as usize * both..][..both];
                let later = &after[(to - s - 1) * both..][..both];
                for ((best, &v), &rest) in row.iter_mut().zip(points).zip(later) {
                    *best = (*best).max(v + rest);
                }
            }
        }
        Reach {
            extremes: extremes.iter().take(both).map(|v| v.widen()).collect(),
            alive,
        }
    }
}

/// The most moves on any path between classes, and the number of complete paths from
/// `start` (saturating). Every move leads to a lower class; a class without moves ends a
/// complete path if `complete` says so. The full states' edges follow their classes' moves
/// one for one, so their paths are as many and as long.
fn class_paths(
    move_start: &[u32],
    moves: &[Move],
    start: u32,
    complete: impl Fn(usize) -> bool,
) -> (u32, u128) {
    let classes = move_start.len().saturating_sub(1);
    let mut depth = vec![0u32; classes];
    let mut paths = vec![0u128; classes];
    for class in 0..classes {
        let own = &moves[move_start[class] as usize..move_start[class + 1] as usize];
        if own.is_empty() {
            paths[class] = u128::from(complete(class));
            continue;
        }
        for m in own {
            let to = m.to as usize;
            depth[class] = depth[class].max(depth[to].saturating_add(1));
            paths[class] = paths[class].saturating_add(paths[to]);
        }
    }
    let longest = depth.into_iter().max().unwrap_or(0);
    (longest, paths.get(start as usize).copied().unwrap_or(0))
}

/// Kahn's algorithm. The state graph is acyclic by construction (nodes move forward, or the turn
/// number is part of the state); a cycle would mean a bug, reported rather than looped on.
fn topological_order(
    n: usize,
    edge_start: &[u32],
    target: impl Fn(usize) -> u32,
) -> Result<Vec<u32>, AnalysisError> {
    let mut indegree = vec![0u32; n];
    for e in 0..edge_start.last().map_or(0, |&end| end as usize) {
        indegree[target(e) as usize] += 1;
    }
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&s| indegree[s as usize] == 0)
        .collect();
    let mut head = 0;
    while head < order.len() {
        let s = order[head] as usize;
        head += 1;
        for e in edge_start[s] as usize..edge_start[s + 1] as usize {
            let to = target(e) as usize;
            indegree[to] -= 1;
            if indegree[to] == 0 {
                order.push(to as u32);
            }
        }
    }
    if order.len() == n {
        Ok(order)
    } else {
        Err(AnalysisError::TooComplex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 0 → 1 → 3 ends well; 0 → 2 → 4 goes nowhere complete, with larger points.
    fn diamond() -> (Vec<u32>, Vec<Edge>, Vec<i32>) {
        let edge = |to, row| Edge { to, row, reply: 0 };
        (
            vec![0, 2, 3, 4, 4, 4],
            vec![edge(1, 0), edge(2, 1), edge(3, 2), edge(4, 2)],
            vec![1, -2, 5, 5, -3, 4],
        )
    }

    #[test]
    fn ranges_count_complete_paths_only_in_either_lane_width() {
        let (edge_start, edges, point_sets) = diamond();
        let graph = FullGraph {
            edge_start: &edge_start,
            edges: &edges,
        };
        let complete = |s: usize| s == 3;
        for reach in [
            graph.reach::<i16>(&point_sets, 2, complete),
            graph.reach::<i32>(&point_sets, 2, complete),
        ] {
            assert_eq!(reach.alive, [true, true, false, true, false]);
            // Maxima, then negated minima, of the one complete path's sums (-2, 2).
            assert_eq!(reach.extremes, [-2, 2, 2, -2]);
        }
    }

    #[test]
    fn keys_keep_their_places_as_the_list_grows_an_index() {
        let mut keys = Keys::default();
        // Keys that share their low and high bits, as rule keys do, past several regrowths.
        let key = |i: u64| (i % 7) | (i / 7) << 32;
        for i in 0..200 {
            assert_eq!(keys.place(key(i)), i as usize, "new key {i}");
            for j in [0, i / 2, i] {
                assert_eq!(keys.place(key(j)), j as usize, "known key {j} after {i}");
            }
        }
        assert!(matches!(keys, Keys::Many(..)));
        assert_eq!(keys.as_slice(), (0..200).map(key).collect::<Vec<_>>());
    }

    #[test]
    fn a_class_keeps_only_the_rules_it_can_still_decide_and_break() {
        // Rules 0 and 1 can still be decided, only rule 0 broken; rule 2 no longer at all.
        let rules = ClassRules {
            masks: vec![(0b011, 0b001)],
        };
        let key = |seen: u32, done: u32| u64::from(seen) | u64::from(done) << 32;
        // Rule 1 unseen can only end up kept, as if seen; rule 2's bits are dropped.
        assert_eq!(rules.key(0, key(0b000, 0b100)), key(0b010, 0));
        assert_eq!(rules.key(0, key(0b110, 0)), key(0b010, 0));
        // Rule 0 keeps whether its `before` was seen; done rules stay done.
        assert_eq!(rules.key(0, key(0b001, 0)), key(0b011, 0));
        assert_eq!(rules.key(0, key(0b001, 0b011)), key(0, 0b011));
    }

    #[test]
    fn class_paths_are_counted_and_measured() {
        let mv = |to| Move {
            reply: 0,
            to,
            row: 0,
        };
        // Class 0 ends well, 1 does not; 2 leads to both, 3 to 2 twice and to 0.
        let move_start = [0, 0, 0, 2, 5];
        let moves = [mv(0), mv(1), mv(2), mv(2), mv(0)];
        assert_eq!(class_paths(&move_start, &moves, 3, |c| c == 0), (2, 3));
    }
}
