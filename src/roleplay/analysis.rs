//! Exact analysis of a scenario for one behaviour type: every reachable state, the best and worst
//! total, per-principle ranges, the number of distinct paths and the endings that can be reached.
//!
//! Scores depend only on the scenario, the behaviour type and the choices (never on random draws),
//! so exploring every reachable state gives exact figures, not estimates.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use thiserror::Error;

use crate::scenario::{
    Catalogue, NodeIdx, PersonaIdx, PrincipleIdx, Scenario, StepIdx, TechniqueIdx,
};
use crate::scenario::{Condition, validate::strongly_connected};

use super::rules::{Context, Scorer, Source};
use super::state::{PlayState, StateMask, TIMEOUT_NODE};

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

/// One possible reply from one state.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub reply: u16,
    pub to: u32,
    /// The reply's contribution to the total, in total points.
    pub gain: f64,
}

/// Accumulates a step's points into arrays indexed by principle and by step.
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
    index: StateMap<PlayState>,
    states: Vec<PlayState>,
    edge_start: Vec<u32>,
    edges: Vec<Edge>,
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

fn condition_reads(c: &Condition, mask: &mut StateMask) {
    match c {
        Condition::MoodAtLeast(_) | Condition::MoodAtMost(_) => mask.mood = true,
        Condition::TrustAtLeast(_) | Condition::TrustAtMost(_) => mask.trust = true,
        Condition::Fact(i) => mask.facts |= 1u64 << i,
        Condition::Flag(i) => mask.flags |= 1u64 << i,
        Condition::Persona(_) => {}
        Condition::Not(inner) => condition_reads(inner, mask),
        Condition::All(list) | Condition::Any(list) => {
            list.iter().for_each(|c| condition_reads(c, mask))
        }
    }
}

/// The parts of the state a turn reads itself: its replies' conditions and branches, the
/// escalations checked after every reply, and the order and streak rules its techniques decide.
fn local_reads(ctx: &Context<'_>, node: NodeIdx) -> StateMask {
    let mut mask = StateMask::default();
    let Some(turn) = ctx.turn(node) else {
        return mask;
    };
    if !turn.replies.is_empty() {
        for e in &ctx.scenario.escalations {
            condition_reads(&e.when, &mut mask);
        }
    }
    let persona = ctx.catalogue.persona(ctx.persona);
    for r in &turn.replies {
        if let Some(c) = &r.requires {
            condition_reads(c, &mut mask);
        }
        for (c, _) in &r.branches {
            condition_reads(c, &mut mask);
        }
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

/// For each node, the parts of the state that some condition or rule at that node or after it
/// reads. Two states at a node that differ only elsewhere have the same futures, so the
/// analysis keeps one of them: this is what keeps the state space small.
#[derive(Debug)]
pub struct Liveness {
    nodes: Vec<StateMask>,
}

impl Liveness {
    fn of(ctx: &Context<'_>) -> Liveness {
        let scenario = ctx.scenario;
        let successors: Vec<Vec<NodeIdx>> = (0..scenario.nodes.len())
            .map(|i| scenario.successors(i as NodeIdx))
            .collect();
        let components = strongly_connected(&successors);
        // The turn number matters only where the conversation can go round in a circle.
        let cyclic = components
            .iter()
            .any(|c| c.len() > 1 || successors[c[0] as usize].contains(&c[0]));
        let mut nodes = vec![StateMask::default(); scenario.nodes.len()];
        // Tarjan's algorithm lists a component after every component it leads to, so each
        // component's successors outside it are final when it is reached.
        for component in &components {
            let mut live = StateMask::default();
            for &n in component {
                live = live.union(local_reads(ctx, n));
                for &to in &successors[n as usize] {
                    live = live.union(nodes[to as usize]);
                }
            }
            // The turn number decides when the turn limit ends a conversation that goes round
            // in a circle; in a scenario without circles it is left out, as it always was.
            live.turn = cyclic && component.iter().any(|&n| ctx.turn(n).is_some());
            for &n in component {
                nodes[n as usize] = live;
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
        let ctx = Context {
            scenario: &scenario,
            catalogue: &catalogue,
            persona,
        };
        let np = catalogue.principles.len();
        let ns = catalogue.steps.len();
        let p = catalogue.persona(persona);
        let live = Liveness::of(&ctx);
        let start = live.project(&PlayState::start(&scenario, p.start_mood, p.start_trust));

        // Explore breadth-first; a state's edges are stored together when it is expanded.
        let mut index: StateMap<PlayState> = StateMap::default();
        let mut states = vec![start];
        index.insert(start, 0);
        let mut edge_start = Vec::new();
        let mut edges: Vec<Edge> = Vec::new();
        // Each edge's points per principle and step, as an index into `point_sets` (rows of
        // `width`): most edges share a handful of rows, so they are kept once.
        let width = np + ns;
        let mut point_sets: Vec<i32> = Vec::new();
        let mut point_set_ids: HashMap<Box<[i32]>, u32, BuildHasherDefault<StateHasher>> =
            HashMap::default();
        let mut edge_points: Vec<u32> = Vec::new();
        let mut stuck = Vec::new();
        let mut buf = vec![0i32; width];
        let mut available = Vec::new();
        let mut cursor = 0usize;
        while cursor < states.len() {
            let state = states[cursor];
            edge_start.push(u32::try_from(edges.len()).map_err(|_| AnalysisError::TooComplex)?);
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
                let key = live.project(&outcome.state);
                let to = match index.entry(key) {
                    Entry::Occupied(known) => *known.get(),
                    Entry::Vacant(new) => {
                        if states.len() >= max_states {
                            return Err(AnalysisError::TooComplex);
                        }
                        let id = states.len() as u32;
                        states.push(key);
                        new.insert(id);
                        id
                    }
                };
                edges.push(Edge {
                    reply: u16::try_from(reply).unwrap_or(u16::MAX),
                    to,
                    gain: 0.0,
                });
                let set = match point_set_ids.get(&buf[..]) {
                    Some(&id) => id,
                    None => {
                        let id = (point_sets.len() / width.max(1)) as u32;
                        point_sets.extend_from_slice(&buf);
                        point_set_ids.insert(buf.clone().into_boxed_slice(), id);
                        id
                    }
                };
                edge_points.push(set);
            }
        }
        edge_start.push(edges.len() as u32);
        stuck.sort_unstable();
        stuck.dedup();

        let order = topological_order(states.len(), &edge_start, &edges)?;
        let n = states.len();
        let points_of = |e: usize| {
            let at = edge_points[e] as usize * width;
            &point_sets[at..at + width]
        };
        let terminal = |s: usize| edge_start[s] == edge_start[s + 1];
        let complete = |s: usize| ctx.is_over(&states[s]);

        // Per principle and step, the max and min points still to come from each state.
        let mut hi = vec![i32::MIN; n * width];
        let mut lo = vec![i32::MAX; n * width];
        let mut alive = vec![false; n];
        let mut paths = vec![0u128; n];
        let (mut best_hi, mut best_lo) = (vec![0i32; width], vec![0i32; width]);
        for &s in order.iter().rev() {
            let s = s as usize;
            if terminal(s) {
                if complete(s) {
                    alive[s] = true;
                    paths[s] = 1;
                    hi[s * width..(s + 1) * width].fill(0);
                    lo[s * width..(s + 1) * width].fill(0);
                }
                continue;
            }
            let range = edge_start[s] as usize..edge_start[s + 1] as usize;
            best_hi.fill(i32::MIN);
            best_lo.fill(i32::MAX);
            for (edge, &set) in edges[range.clone()].iter().zip(&edge_points[range]) {
                let to = edge.to as usize;
                if !alive[to] {
                    continue;
                }
                alive[s] = true;
                paths[s] = paths[s].saturating_add(paths[to]);
                let points = &point_sets[set as usize * width..(set as usize + 1) * width];
                let rows = to * width..(to + 1) * width;
                for ((((h, l), v), th), tl) in best_hi
                    .iter_mut()
                    .zip(best_lo.iter_mut())
                    .zip(points)
                    .zip(&hi[rows.clone()])
                    .zip(&lo[rows])
                {
                    *h = (*h).max(v + th);
                    *l = (*l).min(v + tl);
                }
            }
            hi[s * width..(s + 1) * width].copy_from_slice(&best_hi);
            lo[s * width..(s + 1) * width].copy_from_slice(&best_lo);
        }
        if !alive[0] {
            return Err(AnalysisError::NoCompletePath);
        }
        let principles: Vec<Range> = (0..np)
            .map(|k| Range {
                min: lo[k],
                max: hi[k],
            })
            .collect();
        let steps: Vec<Range> = (0..ns)
            .map(|k| Range {
                min: lo[np + k],
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
        for (edge, &set) in edges.iter_mut().zip(&edge_points) {
            edge.gain = gains[set as usize];
        }
        let mut best = vec![f64::NEG_INFINITY; n];
        let mut worst = vec![f64::INFINITY; n];
        for &s in order.iter().rev() {
            let s = s as usize;
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
                    best[s] = best[s].max(e.gain + best[to]);
                    worst[s] = worst[s].min(e.gain + worst[to]);
                }
            }
        }
        let mut endings: Vec<NodeIdx> = states
            .iter()
            .enumerate()
            .filter(|(i, s)| terminal(*i) && complete(*i) && s.node != TIMEOUT_NODE)
            .map(|(_, s)| s.node)
            .collect();
        endings.sort_unstable();
        endings.dedup();
        let timeout_reachable = states.iter().any(|s| s.node == TIMEOUT_NODE);
        let mut analysis = Analysis {
            scenario: scenario.clone(),
            catalogue: catalogue.clone(),
            persona,
            live,
            index,
            states,
            edge_start,
            edges,
            best,
            worst,
            principles,
            steps,
            coeff,
            best_total: 0.0,
            worst_total: 0.0,
            paths: paths[0],
            endings,
            timeout_reachable,
            stuck,
        };
        // The extreme totals are computed by walking the extreme paths and scoring them with the
        // same formula as any attempt, so that they match a played attempt to the last digit.
        let points_of_edge = |e: usize| points_of(e);
        analysis.best_total = analysis.path_total(&points_of_edge, true);
        analysis.worst_total = analysis.path_total(&points_of_edge, false);
        Ok(analysis)
    }

    fn path_total<'p>(&self, points_of: &dyn Fn(usize) -> &'p [i32], best: bool) -> f64 {
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
                let value = self.edges[e].gain + value;
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
            for (p, v) in points.iter_mut().zip(points_of(e)) {
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

    pub fn state_count(&self) -> usize {
        self.states.len()
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

    /// The replies from a state, each with the best and worst total still reachable after it.
    /// Replies that lead nowhere complete are left out.
    pub fn reply_values(&self, state: &PlayState) -> Vec<(usize, f64, f64)> {
        let Some(&id) = self.index.get(&self.live.project(state)) else {
            return Vec::new();
        };
        let id = id as usize;
        self.edges[self.edge_start[id] as usize..self.edge_start[id + 1] as usize]
            .iter()
            .filter(|e| self.best[e.to as usize].is_finite())
            .map(|e| {
                let to = e.to as usize;
                (
                    usize::from(e.reply),
                    e.gain + self.best[to],
                    e.gain + self.worst[to],
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

/// Kahn's algorithm. The state graph is acyclic by construction (nodes move forward, or the turn
/// number is part of the state); a cycle would mean a bug, reported rather than looped on.
fn topological_order(
    n: usize,
    edge_start: &[u32],
    edges: &[Edge],
) -> Result<Vec<u32>, AnalysisError> {
    let mut indegree = vec![0u32; n];
    for e in edges {
        indegree[e.to as usize] += 1;
    }
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&s| indegree[s as usize] == 0)
        .collect();
    let mut head = 0;
    while head < order.len() {
        let s = order[head] as usize;
        head += 1;
        for e in &edges[edge_start[s] as usize..edge_start[s + 1] as usize] {
            let to = e.to as usize;
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
