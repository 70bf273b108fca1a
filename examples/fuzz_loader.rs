//! Feeds arbitrary and mutated bytes to the loader, validator and analysis, and counts panics.
//!
//! `cargo run --release --example fuzz_loader -- [CASES] [SEED]` (default 100000 cases).

#[path = "../tests/support/mutate.rs"]
mod mutate;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use complaint_trainer::scenario::load::{self, embedded_catalogue};
use complaint_trainer::scenario::validate::CatalogueIds;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let cases: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let (catalogue, diagnostics) = load::catalogue(&embedded_catalogue());
    let Some(catalogue) = catalogue else {
        eprintln!("the built-in catalogue does not load: {diagnostics:?}");
        return std::process::ExitCode::FAILURE;
    };
    let catalogue = Arc::new(catalogue);
    let ids = CatalogueIds::from_catalogue(&catalogue);
    let corpus = mutate::corpus();
    let original_catalogue = embedded_catalogue().bytes;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let started = Instant::now();
    let (mut panics, mut diagnosed, mut clean) = (0u64, 0u64, 0u64);
    std::panic::set_hook(Box::new(|_| {}));
    for case in 0..cases {
        let bytes: Vec<u8> = match case % 10 {
            0 => (0..rng.random_range(0..4096))
                .map(|_| rng.random())
                .collect(),
            9 => mutate::mutate(&original_catalogue, &original_catalogue, &mut rng),
            _ => {
                let a = &corpus[rng.random_range(0..corpus.len())];
                let b = &corpus[rng.random_range(0..corpus.len())];
                mutate::mutate(a, b, &mut rng)
            }
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            if case % 10 == 9 {
                mutate::check_catalogue(bytes.clone())
            } else {
                mutate::check_scenario(&catalogue, &ids, bytes.clone(), 5_000)
            }
        }));
        match result {
            Ok(0) => clean += 1,
            Ok(_) => diagnosed += 1,
            Err(_) => {
                panics += 1;
                let path = std::env::temp_dir().join(format!("fuzz-panic-{case}.ron"));
                let _ = std::fs::write(&path, &bytes);
                println!("case {case}: panic; input saved to {}", path.display());
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{cases} cases in {secs:.1} s ({:.0}/s): {diagnosed} diagnosed, {clean} clean, {panics} panics",
        cases as f64 / secs
    );
    if panics == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
