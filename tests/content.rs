//! The bundled content meets the course's quality bar: the manual's three cases and four role
//! plays, playable in both languages, with the expert path passing and the criticised one failing.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;

use complaint_trainer::roleplay::{
    Analysis, Mode, Session, Strategy, play_strategy, simulate_random,
};
use complaint_trainer::scenario::{Library, NodeKind, Outcome, ScenarioKind, ScenarioSource};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const MANUAL_SCENARIOS: [(&str, ScenarioKind, &str); 7] = [
    ("case1-seven-calls", ScenarioKind::Case, "activist"),
    ("case2-clutch", ScenarioKind::Case, "angry"),
    ("case3-evaporator", ScenarioKind::Case, "activist"),
    (
        "roleplay-passive-new-car",
        ScenarioKind::RolePlay,
        "passive",
    ),
    ("roleplay-angry-service", ScenarioKind::RolePlay, "angry"),
    ("roleplay-talker-parts", ScenarioKind::RolePlay, "talker"),
    (
        "roleplay-activist-service",
        ScenarioKind::RolePlay,
        "activist",
    ),
];

fn library() -> Library {
    let library = ScenarioSource::Dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
        .sources()
        .load();
    assert_eq!(library.error_count(), 0, "{:?}", library.diagnostics);
    library
}

fn default_analysis(library: &Library, id: &str) -> Arc<Analysis> {
    let catalogue = library.catalogue.clone().expect("catalogue");
    let scenario = library
        .scenario(id)
        .unwrap_or_else(|| panic!("scenario {id} is bundled"))
        .clone();
    let persona = scenario.persona;
    Arc::new(Analysis::run(scenario, catalogue, persona).expect("analysis"))
}

#[test]
fn the_seven_scenarios_of_the_manual_are_bundled_with_their_behaviour_types() {
    let library = library();
    let catalogue = library.catalogue.clone().expect("catalogue");
    for (id, kind, persona) in MANUAL_SCENARIOS {
        let scenario = library
            .scenario(id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(scenario.kind, kind, "{id}");
        assert_eq!(catalogue.persona(scenario.persona).id, persona, "{id}");
    }
}

#[test]
fn expert_play_passes_and_the_worst_play_fails_badly() {
    let library = library();
    for (id, _, _) in MANUAL_SCENARIOS {
        let a = default_analysis(&library, id);
        let best = play_strategy(a.clone(), 1, Mode::Assessment, Strategy::Best)
            .expect("best")
            .score();
        let worst = play_strategy(a.clone(), 1, Mode::Assessment, Strategy::Worst)
            .expect("worst")
            .score();
        assert!(
            best.total >= 90.0 && best.passed,
            "{id}: best {} passed {}",
            best.total,
            best.passed
        );
        assert!(
            worst.total <= 30.0 && !worst.passed,
            "{id}: worst {}",
            worst.total
        );
        assert_eq!(
            best.outcome,
            Some(Outcome::Resolved),
            "{id}: the expert path resolves the complaint"
        );
    }
}

#[test]
fn each_scenario_is_substantial() {
    let library = library();
    let catalogue = library.catalogue.clone().expect("catalogue");
    let required: BTreeSet<&str> = [
        "open_question",
        "closed_question",
        "clarify",
        "repeat",
        "summarise",
        "empathise",
    ]
    .into();
    for (id, _, _) in MANUAL_SCENARIOS {
        let a = default_analysis(&library, id);
        let scenario = &a.scenario;
        let best = play_strategy(a.clone(), 1, Mode::Assessment, Strategy::Best).expect("best");
        assert!(
            best.transcript().turns.len() >= 10,
            "{id}: {} decisions on the best path",
            best.transcript().turns.len()
        );
        let mut techniques = BTreeSet::new();
        let mut steps = HashSet::new();
        let mut outcomes = HashSet::new();
        for node in &scenario.nodes {
            match &node.kind {
                NodeKind::Turn(turn) => {
                    assert!(
                        turn.replies.len() >= 3,
                        "{id}: turn `{}` has {} replies",
                        node.id,
                        turn.replies.len()
                    );
                    steps.insert(turn.step);
                    for reply in &turn.replies {
                        for t in &reply.techniques {
                            techniques.insert(catalogue.technique(*t).id.as_str());
                        }
                    }
                }
                NodeKind::Ending(ending) => {
                    outcomes.insert(ending.outcome);
                }
            }
        }
        let missing: Vec<_> = required.difference(&techniques).collect();
        assert!(
            missing.is_empty(),
            "{id}: techniques never offered: {missing:?}"
        );
        assert_eq!(
            steps.len(),
            catalogue.steps.len(),
            "{id}: not every handling step is exercised"
        );
        assert!(outcomes.contains(&Outcome::Resolved), "{id}");
        assert!(outcomes.contains(&Outcome::Damaged), "{id}");
        assert!(
            outcomes.contains(&Outcome::Escalated) || outcomes.contains(&Outcome::Lost),
            "{id}"
        );
        assert_eq!(
            a.endings.len(),
            scenario
                .nodes
                .iter()
                .filter(|n| matches!(n.kind, NodeKind::Ending(_)))
                .count(),
            "{id}: every ending is reachable"
        );
    }
}

#[test]
fn random_attempts_spread_between_best_and_worst() {
    let library = library();
    for (id, _, _) in MANUAL_SCENARIOS {
        let a = default_analysis(&library, id);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut buffer = Vec::new();
        let mut totals: Vec<f64> = (0..500)
            .map(|_| simulate_random(&a, &mut rng, &mut buffer).total)
            .collect();
        totals.sort_by(f64::total_cmp);
        let (low, high) = (totals[50], totals[449]);
        assert!(
            high - low >= 5.0,
            "{id}: random attempts bunch between {low} and {high}"
        );
        assert!(
            totals[499] - totals[0] >= 25.0,
            "{id}: random attempts range only {} to {}",
            totals[0],
            totals[499]
        );
        assert!(
            high < a.best_total && low > a.worst_total,
            "{id}: random play should not reach the extremes often"
        );
    }
}

/// Plays the best reply everywhere except that `reply` is chosen whenever it is offered.
fn best_except(a: &Arc<Analysis>, reply: &str) -> (complaint_trainer::roleplay::ScoreCard, bool) {
    let mut session = Session::new(a.clone(), 2, Mode::Assessment);
    let mut used = false;
    while !session.is_over() {
        let offered = session
            .prompt()
            .expect("prompt")
            .offered
            .iter()
            .any(|o| o.id == reply);
        if offered {
            used = true;
            session.choose_id(reply).expect("choose");
        } else {
            let best = a.best_reply(session.state()).expect("a way on");
            let id = session
                .prompt()
                .and_then(|p| p.offered.iter().find(|o| o.index == best))
                .expect("offered")
                .id
                .clone();
            session.choose_id(&id).expect("choose");
        }
    }
    (session.score(), used)
}

#[test]
fn the_handling_the_manual_criticises_fails() {
    let library = library();
    for (id, reply) in [
        ("case2-clutch", "mercedes_bmw"),
        ("case3-evaporator", "assessor_away"),
    ] {
        let a = default_analysis(&library, id);
        let (card, used) = best_except(&a, reply);
        assert!(
            used,
            "{id}: the reply `{reply}` is offered on the expert path"
        );
        assert!(
            !card.passed,
            "{id}: `{reply}` must fail the attempt (total {})",
            card.total
        );
        assert!(
            !card.critical.is_empty(),
            "{id}: `{reply}` is a critical error"
        );
    }
}

#[test]
fn every_text_a_trainee_sees_is_in_both_languages() {
    let library = library();
    for scenario in &library.scenarios {
        let mut texts = vec![
            &scenario.title,
            &scenario.summary,
            &scenario.customer.name,
            &scenario.customer.car,
            &scenario.customer.complaint,
        ];
        for node in &scenario.nodes {
            match &node.kind {
                NodeKind::Turn(turn) => {
                    texts.extend(&turn.say);
                    texts.extend(turn.say_as.iter().flat_map(|(_, lines)| lines));
                    for reply in &turn.replies {
                        texts.push(&reply.text);
                        texts.extend(&reply.react);
                        texts.extend(reply.score.iter().map(|s| &s.why));
                    }
                }
                NodeKind::Ending(ending) => {
                    texts.extend([&ending.title, &ending.debrief]);
                    texts.extend(&ending.say);
                }
            }
        }
        for text in texts {
            assert!(
                text.zh
                    .chars()
                    .any(complaint_trainer::scenario::text::is_cjk),
                "{}: {:?}",
                scenario.id,
                text
            );
            assert!(
                !text.en.trim().is_empty()
                    && !text.en.contains("TODO")
                    && !text.zh.contains("TODO"),
                "{}: {:?}",
                scenario.id,
                text
            );
        }
    }
}

/// Pearson correlation of two equally long series; None when either does not vary.
fn correlation(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    (va > 0.0 && vb > 0.0).then(|| cov / (va.sqrt() * vb.sqrt()))
}

#[test]
fn no_two_principles_measure_the_same_thing() {
    let library = library();
    for (id, _, _) in MANUAL_SCENARIOS {
        let a = default_analysis(&library, id);
        let principles = a.catalogue.principles.len();
        let mut series = vec![Vec::new(); principles];
        for seed in 0..200 {
            let session =
                play_strategy(a.clone(), seed, Mode::Assessment, Strategy::Random).expect("play");
            for (k, line) in session.score().principles.iter().enumerate() {
                series[k].push(f64::from(line.points));
            }
        }
        for i in 0..principles {
            for j in i + 1..principles {
                if let Some(r) = correlation(&series[i], &series[j]) {
                    assert!(
                        r < 0.9,
                        "{id}: `{}` and `{}` move together (r = {r:.2})",
                        a.catalogue.principles[i].id,
                        a.catalogue.principles[j].id
                    );
                }
            }
        }
    }
}
