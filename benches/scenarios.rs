//! Benchmarks: load + validate + analyse (bundled scenarios and generated ones of 1k/10k/100k
//! nodes), and simulated random attempts per second on one core.
//!
//! `cargo bench` (release profile). Prints one line per figure.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use complaint_trainer::parallel::map_on_all_cores;
use complaint_trainer::roleplay::{Analysis, simulate_random};
use complaint_trainer::scenario::load::{self, SourceFile, embedded_catalogue};
use complaint_trainer::scenario::validate::CatalogueIds;
use complaint_trainer::scenario::{Catalogue, Library, ScenarioSource, Sources};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Opening turns: each reply decides the same order rule (as real scenarios do early on), with
/// different companions, so every path has settled the order rules after them.
const OPENING: &[[&str; 3]] = &[
    ["open_question", "closed_question", "open_question"],
    ["closed_question", "closed_question", "closed_question"],
    ["explain", "explain", "explain"],
    ["propose", "propose", "propose"],
    ["escalate", "escalate", "escalate"],
];
/// Later turns: the rest of the catalogue, don'ts included.
const TECHNIQUES: &[&str] = &[
    "clarify",
    "repeat",
    "summarise",
    "empathise",
    "apologise",
    "say_no",
    "follow_up",
    "record",
    "thank",
    "inspect_together",
    "argue",
    "over_promise",
    "minimise",
    "listen",
    "isolate",
];
const STEPS: &[&str] = &[
    "facts",
    "matter",
    "solution",
    "communication",
    "follow_up",
    "improvement",
];
const PRINCIPLES: &[&str] = &[
    "feelings_first",
    "understand_background",
    "find_cause",
    "win_win",
    "follow_through",
];

/// A scenario of `turns` turns (plus three endings): each turn offers three replies with
/// different techniques, mood changes and points, going one or two turns ahead; an
/// escalation on mood ends it early, as in the bundled scenarios. The exact analysis explores
/// states, not nodes: here the mood (read by the escalation) gives up to 11 states per turn.
pub fn generated(turns: usize) -> String {
    let mut s = String::with_capacity(turns * 700);
    s.push_str(
        "Scenario(id: \"generated\", version: 1, kind: RolePlay, persona: \"angry\",\n\
         title: (zh: \"生成的情景\", en: \"Generated\"), summary: (zh: \"基准测试\", en: \"Benchmark\"),\n\
         customer: (name: (zh: \"王先生\", en: \"Mr Wang\"), car: (zh: \"轿车\", en: \"Saloon\"), complaint: (zh: \"异响\", en: \"Noise\")),\n\
         notes: (goals: [(zh: \"测试\", en: \"Test\")], manual: (zh: \"无\", en: \"None\"), discussion: [(zh: \"无\", en: \"None\")]),\n\
         start: (mood: 5, trust: 5), max_turns: 500,\n\
         escalations: [(id: \"explodes\", when: MoodAtLeast(10), goto: \"lost\")],\n\
         nodes: [\n",
    );
    for i in 0..turns {
        let next = |k: usize| {
            if i + k < turns {
                format!("t{}", i + k)
            } else if k == 1 {
                "resolved".into()
            } else {
                "damaged".into()
            }
        };
        s.push_str(&format!(
            "Turn(id:\"t{i}\",step:\"{}\",say:[(zh:\"顾客第{i}句\",en:\"Customer line {i}\")],replies:[\n",
            STEPS[i * STEPS.len() / turns.max(1)]
        ));
        for r in 0..3 {
            let technique = match OPENING.get(i) {
                Some(opening) => opening[r],
                None => TECHNIQUES[(i * 3 + r * 5) % TECHNIQUES.len()],
            };
            let principle = PRINCIPLES[(i + r) % PRINCIPLES.len()];
            let points = [2, -1, 1][r];
            let mood = [-1, 1, 0][(i + r) % 3];
            s.push_str(&format!(
                "Reply(text:(zh:\"回应{i}-{r}\",en:\"Reply {i}-{r}\"),techniques:[\"{technique}\"],mood:{mood},\
                 score:[Score(principle:\"{principle}\",points:{points},why:(zh:\"原因\",en:\"Why\"))],goto:\"{}\"),\n",
                next(1 + (r == 2) as usize)
            ));
        }
        s.push_str("]),\n");
    }
    for (id, outcome) in [
        ("resolved", "Resolved"),
        ("damaged", "Damaged"),
        ("lost", "Lost"),
    ] {
        s.push_str(&format!(
            "Ending(id: \"{id}\", outcome: {outcome}, title: (zh: \"结局\", en: \"End\"), say: [(zh: \"好\", en: \"OK\")], debrief: (zh: \"总结\", en: \"Debrief\")),\n"
        ));
    }
    s.push_str("])\n");
    s
}

/// One line of results on standard output. A reader that has gone (`| head`) ends the run
/// quietly instead of with a panic.
fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    if writeln!(std::io::stdout().lock(), "{line}").is_err() {
        std::process::exit(0);
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let source = ScenarioSource::Dir(dir.clone());
    let bundled = source.sources();
    let library = bundled.load();
    let catalogue = library
        .catalogue
        .clone()
        .expect("the bundled catalogue loads");
    let personas = catalogue.personas.len();

    // Every scenario under every behaviour type (what `check` does), or under its own type
    // only (what `list` does); the analyses on one core, or on all of them as `check` and
    // `list` run them. Files always load on every core, as the loader does.
    let load_and_analyse = |sources: &Sources, every_type: bool, all_cores: bool| {
        let library = sources.load();
        let catalogue = library.catalogue.clone().expect("catalogue");
        let jobs: Vec<(usize, u8)> = library
            .scenarios
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                let types: Vec<u8> = if every_type {
                    (0..catalogue.personas.len() as u8).collect()
                } else {
                    vec![s.persona]
                };
                types.into_iter().map(move |p| (i, p))
            })
            .collect();
        let analyse = |&(i, p): &(usize, u8)| {
            Analysis::run(library.scenarios[i].clone(), catalogue.clone(), p)
                .expect("analysis")
                .state_count()
        };
        let states: Vec<usize> = if all_cores {
            map_on_all_cores(&jobs, analyse)
        } else {
            jobs.iter().map(analyse).collect()
        };
        states.iter().sum::<usize>()
    };
    // `CT_BENCH_PART=bundled|generated|simulated` runs one part only (for profiling).
    let part = std::env::var("CT_BENCH_PART").unwrap_or_default();
    let runs_part = |name: &str| part.is_empty() || part == name;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (every_type, label) in [
        (true, format!("× {personas} behaviour types")),
        (false, "× own behaviour type".to_string()),
    ] {
        if !runs_part("bundled") {
            break;
        }
        let mut states = 0;
        let one_core = time(5, || states = load_and_analyse(&bundled, every_type, false));
        let all_cores = time(5, || load_and_analyse(&bundled, every_type, true));
        let read_too = time(5, || load_and_analyse(&source.sources(), every_type, true));
        say(format_args!(
            "bundled set ({} scenarios {label}, {states} states): load + validate + analyse {:.1} ms with the analyses on one core, {:.1} ms on {cores} cores ({:.1} ms reading the files too)",
            library.scenarios.len(),
            one_core.as_secs_f64() * 1e3,
            all_cores.as_secs_f64() * 1e3,
            read_too.as_secs_f64() * 1e3
        ));
    }

    if runs_part("generated") {
        generated_figures();
    }
    if runs_part("simulated") {
        simulated_figures(&library, &catalogue);
    }
}

/// Load + validate + analyse generated scenarios of growing size.
fn generated_figures() {
    let (cat, _) = load::catalogue(&embedded_catalogue());
    let cat = Arc::new(cat.expect("catalogue"));
    let ids = CatalogueIds::from_catalogue(&cat);
    let mut per_node = Vec::new();
    // `CT_BENCH_TURNS=10000` measures one size only (for profiling).
    let sizes: Vec<usize> = match std::env::var("CT_BENCH_TURNS") {
        Ok(turns) => vec![turns.parse().expect("CT_BENCH_TURNS is a number of turns")],
        Err(_) => vec![1_000, 3_000, 10_000, 100_000],
    };
    for &turns in &sizes {
        eprintln!("generating {turns} turns");
        let text = generated(turns);
        let file = SourceFile::new("generated.ron", text.into_bytes());
        // The median of several runs at every size, so that no size is timed only on memory
        // the process has never touched before (the first run pays for faulting it in).
        let runs = if turns >= 100_000 {
            3
        } else if turns >= 10_000 {
            9
        } else {
            15
        };
        let mut states = 0;
        let mut loading = Vec::new();
        let elapsed = time(runs, || {
            let started = Instant::now();
            let (scenario, diagnostics) = load::scenario(&file, &ids);
            loading.push(started.elapsed());
            let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
            assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(3)]);
            let scenario = Arc::new(scenario.expect("scenario"));
            let analysis = Analysis::run(scenario, cat.clone(), 2)
                .unwrap_or_else(|e| panic!("{turns} turns: {e}"));
            states = analysis.state_count();
            analysis.best_total
        });
        let loading = median(loading);
        // The RON parse alone (a large file's nodes on every core), to show how much of loading
        // is the parser's.
        let text = std::str::from_utf8(&file.bytes).expect("UTF-8");
        let parsing = time(runs, || load::parse_scenario(text).expect("parses"));
        per_node.push(elapsed.as_secs_f64() / turns as f64);
        say(format_args!(
            "generated {turns:>6} turns ({:.1} MB, {states} states): load + validate + analyse {:.1} ms ({:.2} µs per turn; load + validate {:.1} ms, of which RON parse {:.1} ms)",
            file.bytes.len() as f64 / 1e6,
            elapsed.as_secs_f64() * 1e3,
            elapsed.as_secs_f64() * 1e6 / turns as f64,
            loading.as_secs_f64() * 1e3,
            parsing.as_secs_f64() * 1e3
        ));
    }
    if let [one_k, _, ten_k, hundred_k] = per_node[..] {
        say(format_args!(
            "growth: per-turn cost at 10k is {:.2}× and at 100k {:.2}× that at 1k (1.0 = linear)",
            ten_k / one_k,
            hundred_k / one_k
        ));
    }
}

/// Random attempts played per second against the exact analyses, one core.
fn simulated_figures(library: &Library, catalogue: &Arc<Catalogue>) {
    let personas = catalogue.personas.len();
    let analyses: Vec<Arc<Analysis>> = library
        .scenarios
        .iter()
        .flat_map(|s| {
            (0..personas).map(|p| {
                Arc::new(Analysis::run(s.clone(), catalogue.clone(), p as u8).expect("analysis"))
            })
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut buffer = Vec::new();
    let started = Instant::now();
    let mut attempts = 0u64;
    let mut turns = 0u64;
    while started.elapsed() < Duration::from_secs(3) {
        for a in &analyses {
            for _ in 0..100 {
                let sim = simulate_random(a, &mut rng, &mut buffer);
                turns += sim.choices.len() as u64;
                black_box(sim.total);
                attempts += 1;
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    say(format_args!(
        "simulated random attempts (all bundled scenarios × behaviour types, one core): {:.0} attempts/s ({:.1} turns each on average)",
        attempts as f64 / secs,
        turns as f64 / attempts as f64
    ));
}
