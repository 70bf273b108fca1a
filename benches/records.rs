//! Records at scale: 1,000,000 recorded attempts (real sessions played at random on every
//! bundled scenario and behaviour type, with their full transcripts), then the dashboard's
//! cohort table, a trainee's history, and a CSV export of everything.
//!
//! `cargo bench --bench records` (release). `CT_BENCH_ATTEMPTS` changes the count,
//! `CT_BENCH_DIR` keeps the database (and reuses it on the next run), `CT_BENCH_SHUFFLED=1`
//! records the attempts out of time order.

use std::time::Instant;

use complaint_trainer::records::export::{ExportFormat, ExportRequest, Names, export_to_file};
use complaint_trainer::records::generate::{Templates, add_trainees};
use complaint_trainer::records::time::{Zone, now_secs};
use complaint_trainer::records::{DB_FILE, Db, Filter};
use complaint_trainer::scenario::{Lang, ScenarioSource};
use rand::{Rng, SeedableRng};

fn main() {
    let attempts: usize = std::env::var("CT_BENCH_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let trainees = 2_000;
    let cohorts = 40;
    let keep = std::env::var_os("CT_BENCH_DIR").map(std::path::PathBuf::from);
    let shuffled = std::env::var("CT_BENCH_SHUFFLED").is_ok_and(|v| v == "1");
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("ct-bench-records-{}", std::process::id()))
    });
    let library = ScenarioSource::Embedded.sources().load();
    let db = Db::open_dir(&dir).expect("open the records");
    let existing = db.attempt_count().expect("count");
    if existing < attempts as u64 {
        let started = Instant::now();
        let templates = Templates::play(&library, &[], true, 12, 1).expect("play templates");
        println!(
            "templates: {} real sessions played in {:.1} s",
            templates.len(),
            started.elapsed().as_secs_f64()
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let ids = if db.trainees(true).expect("trainees").is_empty() {
            add_trainees(&db, trainees, cohorts, &mut rng).expect("trainees")
        } else {
            db.trainees(true)
                .expect("trainees")
                .iter()
                .map(|t| t.id)
                .collect()
        };
        let started = Instant::now();
        let now = now_secs();
        let year = 365 * 86_400;
        let mut batch = Vec::with_capacity(10_000);
        for i in existing as usize..attempts {
            // Attempts are recorded as they end, so the table's order follows time (with a
            // minute of jitter), as in a real records file. `CT_BENCH_SHUFFLED=1` spreads the
            // times at random instead: the worst case for reading a date range.
            let ended = if shuffled {
                now - year + rng.random_range(0..year)
            } else {
                now - year + year * i as i64 / attempts as i64 + rng.random_range(0..60)
            };
            let trainee = ids[rng.random_range(0..ids.len())];
            batch.push(templates.attempt(&mut rng, trainee, ended));
            if batch.len() == 10_000 || i + 1 == attempts {
                db.save_attempts_batch(&batch).expect("save");
                batch.clear();
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "generated {} attempts in {secs:.1} s ({:.0} per second)",
            attempts - existing as usize,
            (attempts - existing as usize) as f64 / secs
        );
    }
    drop(db);
    let size: u64 = std::fs::read_dir(&dir)
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(DB_FILE))
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "records file: {:.0} MB for {attempts} attempts",
        size as f64 / 1e6
    );

    // A fresh connection, as the app has when the dashboard opens.
    let started = Instant::now();
    let db = Db::open_dir(&dir).expect("open");
    println!("open: {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    let cohort = db.cohorts().expect("cohorts")[0].id;
    let time = |label: &str, f: &mut dyn FnMut() -> usize| {
        let mut runs = Vec::new();
        let mut n = 0;
        for _ in 0..5 {
            let t = Instant::now();
            n = f();
            runs.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let first = runs[0];
        runs.sort_by(f64::total_cmp);
        println!(
            "{label}: first {first:.1} ms, median {:.1} ms ({n} rows)",
            runs[2]
        );
    };
    time("cohort table, all trainees", &mut || {
        db.cohort_table(&Filter::default(), false)
            .expect("table")
            .len()
    });
    time("cohort table, one cohort", &mut || {
        db.cohort_table(
            &Filter {
                cohort: Some(cohort),
                ..Filter::default()
            },
            false,
        )
        .expect("table")
        .len()
    });
    time("cohort profile, one cohort", &mut || {
        db.principle_profile(&Filter {
            cohort: Some(cohort),
            ..Filter::default()
        })
        .expect("profile")
        .len()
    });
    let since = now_secs() - 30 * 86_400;
    time("cohort table, one cohort, last 30 days", &mut || {
        db.cohort_table(
            &Filter {
                cohort: Some(cohort),
                since: Some(since),
                ..Filter::default()
            },
            false,
        )
        .expect("table")
        .len()
    });
    time("cohort table, all trainees, last 30 days", &mut || {
        db.cohort_table(
            &Filter {
                since: Some(since),
                ..Filter::default()
            },
            false,
        )
        .expect("table")
        .len()
    });
    let trainee = db.trainees(false).expect("trainees")[0].id;
    time("one trainee's history", &mut || {
        db.history(trainee, &Filter::default())
            .expect("history")
            .len()
    });
    let one = db.history(trainee, &Filter::default()).expect("history")[0].id;
    time("one attempt with its transcript", &mut || {
        usize::from(db.attempt(one).expect("attempt").is_some())
    });

    let names = Names::of(&library);
    let out = dir.join("everything.csv");
    let request = ExportRequest {
        format: ExportFormat::Csv,
        filter: Filter::default(),
        names: &names,
        lang: Lang::Zh,
        home_page: "https://dealer.example.com".into(),
        generated_at: now_secs(),
        zone: Zone::local(),
    };
    let mut runs = Vec::new();
    let mut rows = 0;
    for _ in 0..3 {
        let started = Instant::now();
        rows = export_to_file(&db, &request, &out).expect("export");
        runs.push(started.elapsed().as_secs_f64());
    }
    let first = runs[0];
    runs.sort_by(f64::total_cmp);
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!(
        "CSV export of everything: {rows} rows, {:.0} MB: first {first:.2} s, median {:.2} s (3 runs)",
        size as f64 / 1e6,
        runs[1]
    );
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
