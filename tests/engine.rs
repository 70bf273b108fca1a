//! The role-play engine: determinism, seeds, strategies, behaviour types, transcripts and replay.

use std::path::Path;
use std::sync::Arc;

use complaint_trainer::roleplay::rules::{Context, Scorer, Source};
use complaint_trainer::roleplay::state::PlayState;
use complaint_trainer::roleplay::{
    Analysis, Mode, Phase, PlayError, ReplayError, Session, SessionError, Strategy, play_choices,
    play_strategy, replay, simulate_random,
};
use complaint_trainer::scenario::load::embedded_catalogue;
use complaint_trainer::scenario::{
    Catalogue, Lang, Library, PrincipleIdx, Scenario, ScenarioSource, Sources, StepIdx,
    TechniqueIdx,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn bundled() -> Library {
    let library = ScenarioSource::Dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
        .sources()
        .load();
    assert_eq!(library.error_count(), 0, "{:?}", library.diagnostics);
    library
}

fn probe() -> Library {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/engine/persona_probe.ron");
    let library = Sources::from_paths(&[path], || Some(embedded_catalogue())).load();
    assert_eq!(library.error_count(), 0, "{:?}", library.diagnostics);
    library
}

fn analysis(library: &Library, id: &str, persona: &str) -> Arc<Analysis> {
    let catalogue = library.catalogue.clone().expect("catalogue");
    let scenario = library.scenario(id).expect("scenario").clone();
    let p = catalogue.persona_by_id(persona).expect("persona");
    Arc::new(Analysis::run(scenario, catalogue, p).expect("analysis"))
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let library = bundled();
    let a = analysis(&library, "warmup-late-car", "angry");
    for seed in [0, 1, 42, u64::MAX] {
        let one = play_strategy(a.clone(), seed, Mode::Practice, Strategy::Random).expect("play");
        let two = play_strategy(a.clone(), seed, Mode::Practice, Strategy::Random).expect("play");
        let bytes = |s: &Session| serde_json::to_string(s.transcript()).expect("json");
        assert_eq!(bytes(&one), bytes(&two));
    }
}

#[test]
fn different_seeds_change_the_order_of_replies_but_never_the_score() {
    let library = bundled();
    let a = analysis(&library, "warmup-late-car", "angry");
    let best = play_strategy(a.clone(), 1, Mode::Assessment, Strategy::Best).expect("play");
    let chosen: Vec<String> = best
        .transcript()
        .turns
        .iter()
        .map(|t| t.chosen.clone())
        .collect();
    let mut orders = std::collections::HashSet::new();
    let mut lines = std::collections::HashSet::new();
    for seed in 0..40u64 {
        let mut session = Session::new(a.clone(), seed, Mode::Assessment);
        orders.insert(
            session
                .prompt()
                .expect("prompt")
                .offered
                .iter()
                .map(|o| o.id.clone())
                .collect::<Vec<_>>(),
        );
        lines.insert(session.prompt().expect("prompt").say.en.clone());
        for id in &chosen {
            session.choose_id(id).expect("offered");
        }
        assert!(session.is_over());
        assert_eq!(session.score().total, best.score().total, "seed {seed}");
        assert_eq!(
            session.score().principles,
            best.score().principles,
            "seed {seed}"
        );
    }
    assert!(
        orders.len() > 5,
        "only {} distinct orders of the first replies",
        orders.len()
    );
    assert!(lines.len() > 1, "the customer's line variants never change");
}

#[test]
fn best_and_worst_bound_every_random_attempt_for_every_behaviour_type() {
    let library = bundled();
    let catalogue = library.catalogue.clone().expect("catalogue");
    for scenario in &library.scenarios {
        for persona in &catalogue.personas {
            let a = analysis(&library, &scenario.id, &persona.id);
            let best = play_strategy(a.clone(), 3, Mode::Assessment, Strategy::Best).expect("best");
            let worst =
                play_strategy(a.clone(), 3, Mode::Assessment, Strategy::Worst).expect("worst");
            let round = |v: f64| (v * 10.0).round() / 10.0;
            assert_eq!(
                best.score().total,
                round(a.best_total),
                "{} {}",
                scenario.id,
                persona.id
            );
            assert_eq!(
                worst.score().total,
                round(a.worst_total),
                "{} {}",
                scenario.id,
                persona.id
            );
            let mut rng = ChaCha8Rng::seed_from_u64(9);
            let mut buffer = Vec::new();
            for _ in 0..300 {
                let total = simulate_random(&a, &mut rng, &mut buffer).total;
                assert!(
                    total <= best.score().total + 1e-6,
                    "{} {}: {total}",
                    scenario.id,
                    persona.id
                );
                assert!(
                    total >= worst.score().total - 1e-6,
                    "{} {}: {total}",
                    scenario.id,
                    persona.id
                );
            }
        }
    }
}

#[test]
fn the_simulator_scores_exactly_as_a_session_does() {
    let library = bundled();
    for scenario in &library.scenarios {
        let a = analysis(&library, &scenario.id, "angry");
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut buffer = Vec::new();
        for seed in 0..30 {
            let sim = simulate_random(&a, &mut rng, &mut buffer);
            let mut session = Session::new(a.clone(), seed, Mode::Assessment);
            for &reply in &sim.choices {
                let number = session
                    .prompt()
                    .and_then(|p| p.offered.iter().position(|o| o.index == reply))
                    .expect("the simulated reply is offered");
                session.choose(number + 1).expect("choose");
            }
            assert!(session.is_over());
            assert_eq!(session.score().total, sim.total);
            assert_eq!(session.score().passed, sim.passed);
        }
    }
}

/// Points per principle and per handling step, as a session would add them up.
struct Tally {
    principles: Vec<i32>,
    steps: Vec<i32>,
}

impl Scorer for Tally {
    fn points(&mut self, principle: PrincipleIdx, step: StepIdx, points: i8, _: Source) {
        self.principles[usize::from(principle)] += i32::from(points);
        self.steps[usize::from(step)] += i32::from(points);
    }
    fn critical(&mut self, _: TechniqueIdx) {}
}

/// What playing out every path one by one finds: the reference the exact analysis (which merges
/// states and follows the order rules apart) must agree with.
#[derive(Default)]
struct EveryPath {
    paths: u128,
    endings: std::collections::BTreeSet<u32>,
    timeout: bool,
    principles: Vec<(i32, i32)>,
    steps: Vec<(i32, i32)>,
    /// Per principle, its points on each complete path, to total once the ranges are known.
    ends: Vec<Vec<i32>>,
}

fn play_every_path(ctx: &Context<'_>, state: PlayState, tally: &mut Tally, out: &mut EveryPath) {
    if ctx.is_over(&state) {
        out.paths += 1;
        if state.node == complaint_trainer::roleplay::state::TIMEOUT_NODE {
            out.timeout = true;
        } else {
            out.endings.insert(state.node);
        }
        let widen = |ranges: &mut Vec<(i32, i32)>, points: &[i32]| {
            ranges.resize(points.len(), (i32::MAX, i32::MIN));
            for (r, &p) in ranges.iter_mut().zip(points) {
                *r = (r.0.min(p), r.1.max(p));
            }
        };
        widen(&mut out.principles, &tally.principles);
        widen(&mut out.steps, &tally.steps);
        out.ends.push(tally.principles.clone());
        return;
    }
    for reply in ctx.available(&state) {
        let (principles, steps) = (tally.principles.clone(), tally.steps.clone());
        let next = ctx.apply(&state, reply, tally).state;
        play_every_path(ctx, next, tally, out);
        tally.principles = principles;
        tally.steps = steps;
    }
}

/// Ignores points: for walking states only.
struct NoScore;

impl Scorer for NoScore {
    fn points(&mut self, _: PrincipleIdx, _: StepIdx, _: i8, _: Source) {}
    fn critical(&mut self, _: TechniqueIdx) {}
}

/// Checks that the reduced analysis gives every figure the unreduced one gives, and the coach's
/// values along random walks; returns both analyses' state counts and whether the turn limit
/// can end a conversation.
fn assert_reduction_changes_no_figure(
    scenario: &Arc<Scenario>,
    catalogue: &Arc<Catalogue>,
    persona: u8,
    rng: &mut ChaCha8Rng,
    buffer: &mut Vec<usize>,
) -> (usize, usize, bool) {
    let run = |reduced: bool| {
        let (s, c) = (scenario.clone(), catalogue.clone());
        let analysis = if reduced {
            Analysis::run(s, c, persona)
        } else {
            Analysis::run_unreduced(s, c, persona)
        };
        analysis.expect("analysis")
    };
    let (reduced, plain) = (run(true), run(false));
    let pair = format!(
        "{} under behaviour type {persona}, turn limit {}",
        scenario.id, scenario.max_turns
    );
    assert_eq!(reduced.principles, plain.principles, "{pair}");
    assert_eq!(reduced.steps, plain.steps, "{pair}");
    assert_eq!(reduced.best_total, plain.best_total, "{pair}");
    assert_eq!(reduced.worst_total, plain.worst_total, "{pair}");
    assert_eq!(reduced.paths, plain.paths, "{pair}");
    assert_eq!(reduced.endings, plain.endings, "{pair}");
    assert_eq!(reduced.timeout_reachable, plain.timeout_reachable, "{pair}");
    assert_eq!(reduced.stuck, plain.stuck, "{pair}");
    // The coach's values for every reply, along random walks.
    let ctx = plain.context();
    let p = catalogue.persona(persona);
    for _ in 0..40 {
        let walk = simulate_random(&plain, rng, buffer);
        let mut state = PlayState::start(scenario, p.start_mood, p.start_trust);
        for reply in walk.choices {
            assert_eq!(
                reduced.reply_values(&state),
                plain.reply_values(&state),
                "{pair} at {state:?}"
            );
            state = ctx.apply(&state, reply, &mut NoScore).state;
        }
    }
    (
        reduced.state_count(),
        plain.state_count(),
        plain.timeout_reachable,
    )
}

#[test]
fn grouping_levels_and_merging_states_changes_no_figure() {
    let library = bundled();
    let catalogue = library.catalogue.clone().expect("catalogue");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut buffer = Vec::new();
    let mut fewer_states = 0;
    for scenario in &library.scenarios {
        for persona in 0..catalogue.personas.len() as u8 {
            let (reduced, plain, _) = assert_reduction_changes_no_figure(
                scenario,
                &catalogue,
                persona,
                &mut rng,
                &mut buffer,
            );
            if reduced < plain {
                fewer_states += 1;
            }
        }
    }
    // Not a test of speed; only that the reduction is not silently switched off.
    assert!(
        fewer_states >= 30,
        "{fewer_states} of 32 pairs kept fewer states"
    );
}

/// A scenario whose nodes go round in a circle keeps the turn number, for the turn limit,
/// unless no path can reach the limit: whatever the limit, the figures are those of the
/// analysis that always keeps it.
#[test]
fn leaving_the_turn_number_out_changes_no_figure_whatever_the_turn_limit() {
    let library = bundled();
    let catalogue = library.catalogue.clone().expect("catalogue");
    let circular = library.scenario("case2-clutch").expect("the clutch case");
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut buffer = Vec::new();
    let (mut limit_reached, mut turn_left_out) = (false, false);
    for max_turns in [2, 4, 6, 8, 10, 12, 16, 24, 40] {
        let scenario = Arc::new(Scenario {
            max_turns,
            ..Scenario::clone(circular)
        });
        for persona in 0..catalogue.personas.len() as u8 {
            let (reduced, plain, timeout) = assert_reduction_changes_no_figure(
                &scenario,
                &catalogue,
                persona,
                &mut rng,
                &mut buffer,
            );
            limit_reached |= timeout;
            // Without the turn number the clutch case keeps far fewer states.
            turn_left_out |= !timeout && reduced * 4 < plain;
        }
    }
    assert!(
        limit_reached,
        "some limit is short enough to end a conversation"
    );
    assert!(
        turn_left_out,
        "some limit is long enough to leave the turn number out"
    );
}

#[test]
fn the_exact_analysis_agrees_with_playing_every_path() {
    let library = bundled();
    let catalogue = library.catalogue.clone().expect("catalogue");
    let scenario = library.scenario("warmup-late-car").expect("warm-up");
    let mut order_rules_decided = 0;
    for p in 0..catalogue.personas.len() as u8 {
        let a = Analysis::run(scenario.clone(), catalogue.clone(), p).expect("analysis");
        let ctx = a.context();
        let persona = catalogue.persona(p);
        let start = PlayState::start(scenario, persona.start_mood, persona.start_trust);
        let mut tally = Tally {
            principles: vec![0; catalogue.principles.len()],
            steps: vec![0; catalogue.steps.len()],
        };
        let mut every = EveryPath::default();
        play_every_path(&ctx, start, &mut tally, &mut every);
        let tag = &persona.id;
        assert!(every.paths > 100, "{tag}: too few paths to test anything");
        assert_eq!(a.paths, every.paths, "{tag}");
        assert_eq!(
            a.endings,
            every.endings.iter().copied().collect::<Vec<_>>(),
            "{tag}"
        );
        assert_eq!(a.timeout_reachable, every.timeout, "{tag}");
        let ranges = |r: &[complaint_trainer::roleplay::analysis::Range]| {
            r.iter().map(|r| (r.min, r.max)).collect::<Vec<_>>()
        };
        assert_eq!(ranges(&a.principles), every.principles, "{tag}");
        assert_eq!(ranges(&a.steps), every.steps, "{tag}");
        let totals: Vec<f64> = every.ends.iter().map(|points| a.total(points)).collect();
        let best = totals.iter().copied().fold(f64::MIN, f64::max);
        let worst = totals.iter().copied().fold(f64::MAX, f64::min);
        assert!(
            (a.best_total - best).abs() < 1e-9,
            "{tag}: {} vs {best}",
            a.best_total
        );
        assert!(
            (a.worst_total - worst).abs() < 1e-9,
            "{tag}: {} vs {worst}",
            a.worst_total
        );

        // Each first reply's best and worst points still to come, as the coach ranks replies.
        for (reply, best_after, worst_after) in a.reply_values(&start) {
            let mut tally = Tally {
                principles: vec![0; catalogue.principles.len()],
                steps: vec![0; catalogue.steps.len()],
            };
            let mut recorder = Recorder(Vec::new());
            ctx.apply(&start, reply, &mut recorder);
            order_rules_decided += recorder
                .0
                .iter()
                .filter(|(_, _, s)| matches!(s, Source::Order { .. }))
                .count();
            let next = ctx.apply(&start, reply, &mut tally).state;
            let mut after = EveryPath::default();
            play_every_path(&ctx, next, &mut tally, &mut after);
            // Points still to come, weighted as in the total (no anchors: nothing is earned yet).
            let gains: Vec<f64> = after
                .ends
                .iter()
                .map(|points| {
                    a.coeff
                        .iter()
                        .zip(points)
                        .map(|(c, &p)| c * f64::from(p))
                        .sum()
                })
                .collect();
            let best = gains.iter().copied().fold(f64::MIN, f64::max);
            let worst = gains.iter().copied().fold(f64::MAX, f64::min);
            assert!(
                (best_after - best).abs() < 1e-9,
                "{tag} reply {reply}: {best_after} vs {best}"
            );
            assert!(
                (worst_after - worst).abs() < 1e-9,
                "{tag} reply {reply}: {worst_after} vs {worst}"
            );
        }
    }
    assert!(
        order_rules_decided > 0,
        "no first reply decides an order rule, so they go untested here"
    );
}

struct Recorder(Vec<(PrincipleIdx, i8, Source)>);

impl Scorer for Recorder {
    fn points(&mut self, principle: PrincipleIdx, _: StepIdx, points: i8, source: Source) {
        self.0.push((principle, points, source));
    }
    fn critical(&mut self, _: TechniqueIdx) {}
}

/// The state after playing the probe's replies `ids` in order, with every score event.
fn probe_play(persona: &str, ids: &[&str]) -> (PlayState, PlayState, Vec<(String, i8, Source)>) {
    let library = probe();
    let catalogue = library.catalogue.clone().expect("catalogue");
    let scenario = library.scenario("persona-probe").expect("probe").clone();
    let p = catalogue.persona_by_id(persona).expect("persona");
    let ctx = Context {
        scenario: &scenario,
        catalogue: &catalogue,
        persona: p,
    };
    let persona_def = catalogue.persona(p);
    let start = PlayState::start(&scenario, persona_def.start_mood, persona_def.start_trust);
    let mut state = start;
    let mut recorder = Recorder(Vec::new());
    for id in ids {
        let turn = ctx.turn(state.node).expect("turn");
        let index = turn
            .replies
            .iter()
            .position(|r| r.id == *id)
            .expect("reply");
        state = ctx.apply(&state, index, &mut recorder).state;
    }
    let events = recorder
        .0
        .into_iter()
        .map(|(p, points, source)| (catalogue.principle(p).id.clone(), points, source))
        .collect();
    (start, state, events)
}

#[test]
fn an_angry_customer_argued_with_explodes_and_calms_with_empathy() {
    let (start, after_argue, events) = probe_play("angry", &["argue"]);
    let (_, calm_after_argue, _) = probe_play("passive", &["argue"]);
    assert!(
        after_argue.mood >= start.mood + 5,
        "mood {} → {}",
        start.mood,
        after_argue.mood
    );
    assert!(after_argue.mood > calm_after_argue.mood + 2);
    let argue_cost: i32 = events
        .iter()
        .filter(|e| e.0 == "never_argue")
        .map(|e| i32::from(e.1))
        .sum();
    assert!(
        argue_cost <= -6,
        "angry customers make arguing cost more: {argue_cost}"
    );
    let (start, after_empathy, _) = probe_play("angry", &["empathise"]);
    assert!(
        after_empathy.mood + 3 <= start.mood,
        "empathy calms: {} → {}",
        start.mood,
        after_empathy.mood
    );
}

#[test]
fn a_passive_customer_shuts_down_after_a_string_of_closed_questions() {
    let streak = |events: &[(String, i8, Source)]| {
        events
            .iter()
            .filter(|e| matches!(e.2, Source::Streak { .. }))
            .count()
    };
    let (_, two, e2) = probe_play("passive", &["closed_question", "closed_question"]);
    let (_, three, e3) = probe_play(
        "passive",
        &["closed_question", "closed_question", "closed_question"],
    );
    assert_eq!(streak(&e2), 0);
    assert_eq!(streak(&e3), 1);
    assert!(three.trust < two.trust);
    let (_, _, broken) = probe_play(
        "passive",
        &[
            "open_question",
            "closed_question",
            "open_question",
            "closed_question",
        ],
    );
    assert_eq!(streak(&broken), 0, "an open question breaks the run");
    let (_, _, talker) = probe_play(
        "talker",
        &["closed_question", "closed_question", "closed_question"],
    );
    assert_eq!(
        streak(&talker),
        0,
        "only the passive type reacts to closed questions this way"
    );
}

#[test]
fn a_talker_is_steered_by_summaries_and_drifts_with_open_questions() {
    let (start, after, events) = probe_play("talker", &["summarise"]);
    assert!(after.mood < start.mood);
    assert!(
        events
            .iter()
            .any(|e| e.0 == "find_cause" && e.1 > 0 && matches!(e.2, Source::Reaction { .. }))
    );
    let (_, _, drift) = probe_play(
        "talker",
        &["open_question", "open_question", "open_question"],
    );
    assert!(
        drift
            .iter()
            .any(|e| matches!(e.2, Source::Streak { .. }) && e.1 < 0)
    );
}

#[test]
fn an_activist_punishes_over_promising() {
    let (start, activist, events) = probe_play("activist", &["over_promise"]);
    let (start_p, passive, _) = probe_play("passive", &["over_promise"]);
    assert!(
        activist.trust < start.trust,
        "trust {} → {}",
        start.trust,
        activist.trust
    );
    assert!(
        i32::from(passive.trust) - i32::from(start_p.trust)
            > i32::from(activist.trust) - i32::from(start.trust)
    );
    let cost: i32 = events
        .iter()
        .filter(|e| e.0 == "no_over_promise")
        .map(|e| i32::from(e.1))
        .sum();
    assert!(cost <= -7, "over-promising an activist costs more: {cost}");
}

#[test]
fn order_rules_reward_feelings_before_the_matter() {
    let (_, _, good) = probe_play("passive", &["empathise", "propose"]);
    let (_, _, bad) = probe_play("passive", &["propose", "empathise"]);
    let order = |events: &[(String, i8, Source)]| -> i32 {
        events
            .iter()
            .filter(|e| e.0 == "feelings_first" && matches!(e.2, Source::Order { .. }))
            .map(|e| i32::from(e.1))
            .sum()
    };
    assert!(order(&good) > 0);
    assert!(order(&bad) < 0);
    // Swapping the two replies changes only the order items.
    let others = |events: &[(String, i8, Source)]| -> i32 {
        events
            .iter()
            .filter(|e| !matches!(e.2, Source::Order { .. }))
            .map(|e| i32::from(e.1))
            .sum()
    };
    assert_eq!(others(&good), others(&bad));
}

#[test]
fn an_over_promise_is_flagged_every_time() {
    let library = probe();
    let a = analysis(&library, "persona-probe", "angry");
    for seed in 0..10 {
        let mut session = Session::new(a.clone(), seed, Mode::Assessment);
        session.choose_id("over_promise").expect("offered");
        while !session.is_over() {
            session.choose_id("empathise").expect("offered");
        }
        let card = session.score();
        assert_eq!(card.critical.len(), 1);
        assert!(!card.passed);
    }
}

#[test]
fn a_transcript_replays_to_the_same_score_and_notices_a_new_version() {
    let library = bundled();
    let a = analysis(&library, "warmup-late-car", "angry");
    for seed in 0..10 {
        let session =
            play_strategy(a.clone(), seed, Mode::Practice, Strategy::Random).expect("play");
        let text = serde_json::to_string(session.transcript()).expect("json");
        let transcript = serde_json::from_str(&text).expect("parse");
        let card = replay(&transcript, a.clone()).expect("replay");
        assert_eq!(card, session.score());
    }
    let session = play_strategy(a.clone(), 1, Mode::Assessment, Strategy::Best).expect("play");
    let mut newer = (*a.scenario).clone();
    newer.version += 1;
    let newer =
        Arc::new(Analysis::run(Arc::new(newer), a.catalogue.clone(), a.persona).expect("analysis"));
    match replay(session.transcript(), newer) {
        Err(ReplayError::VersionChanged {
            recorded: 1,
            current: 2,
            ..
        }) => {}
        other => panic!("expected a version change, got {other:?}"),
    }
}

#[test]
fn practice_mode_coaches_and_retries_assessment_does_not() {
    let library = bundled();
    let a = analysis(&library, "warmup-late-car", "angry");
    let mut practice = Session::new(a.clone(), 8, Mode::Practice);
    let hint = practice.hint().expect("practice").expect("a hint");
    let wrong = if hint == 1 { 2 } else { 1 };
    let turn = practice.choose(wrong).expect("choose").clone();
    assert!(turn.better.is_some(), "feedback names a better reply");
    assert!(
        turn.events
            .iter()
            .all(|e| !e.why.zh.is_empty() && !e.why.en.is_empty())
    );
    assert_eq!(practice.phase(), Phase::Feedback);
    practice.retry().expect("retry");
    practice.choose(hint).expect("choose");
    let record = practice.last_turn().expect("turn");
    assert_eq!(record.retries, 1);
    assert!(record.better.is_none());

    let mut assessment = Session::new(a, 8, Mode::Assessment);
    assert_eq!(assessment.hint(), Err(SessionError::NotInPractice));
    assessment.choose_id("apologise").expect("choose");
    assert_eq!(assessment.retry(), Err(SessionError::NotInPractice));
    assert_eq!(assessment.phase(), Phase::Choosing);
}

#[test]
fn a_better_reply_comes_with_the_points_it_would_have_earned() {
    use rand::Rng as _;
    let library = bundled();
    let catalogue = library.catalogue.clone().expect("catalogue");
    let (mut checked, mut with_points) = (0, 0);
    for scenario in &library.scenarios {
        let a = Arc::new(
            Analysis::run(scenario.clone(), catalogue.clone(), scenario.persona).expect("analysis"),
        );
        for seed in 0..3 {
            let mut session = Session::new(a.clone(), seed, Mode::Practice);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            while session.phase() == Phase::Choosing {
                let shown = session.prompt().expect("a prompt").offered.len();
                let turn = session
                    .choose(rng.random_range(1..=shown))
                    .expect("choose")
                    .clone();
                if let Some(better) = &turn.better {
                    // Take the reply back and choose the better one: it scores what was said.
                    session.retry().expect("retry");
                    let taken = session.choose_id(better).expect("the better reply");
                    assert_eq!(
                        taken.events, turn.better_events,
                        "{} turn {}",
                        scenario.id, turn.turn
                    );
                    assert!(taken.better.is_none() && taken.better_events.is_empty());
                    checked += 1;
                    with_points += usize::from(!turn.better_events.is_empty());
                } else {
                    assert!(turn.better_events.is_empty());
                }
                session.proceed().expect("proceed");
            }
        }
    }
    assert!(checked > 50 && with_points > 0, "{checked} / {with_points}");
    // Transcripts saved before these points were kept still load and replay.
    let a = analysis(&library, "warmup-late-car", "angry");
    let session = play_strategy(a.clone(), 4, Mode::Practice, Strategy::Worst).expect("play");
    let mut older = serde_json::to_value(session.transcript()).expect("json");
    for turn in older["turns"].as_array_mut().expect("turns") {
        assert!(
            turn.as_object_mut()
                .expect("a turn")
                .remove("better_events")
                .is_some()
        );
    }
    let older = serde_json::from_value(older).expect("an older transcript loads");
    assert_eq!(replay(&older, a).expect("replays"), session.score());
}

#[test]
fn fixed_choices_are_checked() {
    let library = bundled();
    let a = analysis(&library, "warmup-late-car", "angry");
    let Err(out_of_range) = play_choices(a.clone(), 1, Mode::Assessment, &[9]) else {
        panic!("choice 9 of at most 4 replies was taken");
    };
    assert!(matches!(
        out_of_range,
        PlayError::BadChoice {
            position: 1,
            number: 9,
            ..
        }
    ));
    assert!(
        out_of_range
            .message(Lang::Zh)
            .starts_with("第 1 个选择（9）：请输入 1 到")
    );
    let Err(too_few) = play_choices(a.clone(), 1, Mode::Assessment, &[1]) else {
        panic!("one reply finished the warm-up");
    };
    assert_eq!(too_few, PlayError::TooFewChoices { given: 1 });
    assert_eq!(
        too_few.to_string(),
        "the choices ran out after 1 reply, before the role play ended"
    );
    assert_eq!(too_few.message(Lang::Zh), "1 个选择用完了，演练还没有结束");
    let Err(too_many) = play_choices(a, 1, Mode::Assessment, &[1; 40]) else {
        panic!("40 replies fitted in the warm-up");
    };
    assert!(matches!(too_many, PlayError::TooManyChoices { extra } if extra > 1));
    assert!(
        too_many.to_string().contains(" choices left over"),
        "{too_many}"
    );
    assert!(too_many.message(Lang::Zh).starts_with("演练结束后还多出 "));
}
