//! No bytes make the loader, validator or analysis panic; every broken file gets a diagnostic.

#[path = "support/mutate.rs"]
mod mutate;

use std::sync::Arc;

use complaint_trainer::scenario::load::{self, embedded_catalogue};
use complaint_trainer::scenario::validate::CatalogueIds;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn catalogue() -> (Arc<complaint_trainer::scenario::Catalogue>, CatalogueIds) {
    let (catalogue, diagnostics) = load::catalogue(&embedded_catalogue());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let catalogue = Arc::new(catalogue.expect("catalogue"));
    let ids = CatalogueIds::from_catalogue(&catalogue);
    (catalogue, ids)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let (catalogue, ids) = catalogue();
        let found = mutate::check_scenario(&catalogue, &ids, bytes.clone(), 5_000);
        prop_assert!(found > 0 || std::str::from_utf8(&bytes).is_ok());
        mutate::check_catalogue(bytes);
    }

    #[test]
    fn mutated_scenarios_never_panic(seed in any::<u64>()) {
        let (catalogue, ids) = catalogue();
        let corpus = mutate::corpus();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let i = (seed as usize) % corpus.len();
        let j = (seed as usize / 7) % corpus.len();
        let bytes = mutate::mutate(&corpus[i], &corpus[j], &mut rng);
        mutate::check_scenario(&catalogue, &ids, bytes, 5_000);
    }

    /// Parsing a file's nodes in parts (as large files are, on every core) gives exactly what
    /// one parse of the whole file gives: the same nodes, or the same error at the same place.
    #[test]
    fn parsing_in_parts_gives_what_one_parse_gives(seed in any::<u64>(), parts in 2usize..5) {
        let corpus = mutate::corpus();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let i = (seed as usize) % corpus.len();
        let j = (seed as usize / 7) % corpus.len();
        // Every third case keeps the file whole, so that most cases really are cut in parts.
        let bytes = if seed % 3 == 0 {
            corpus[i].clone()
        } else {
            mutate::mutate(&corpus[i], &corpus[j], &mut rng)
        };
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let whole = format!("{:?}", load::parse_scenario_in_parts(text, 1));
            let in_parts = format!("{:?}", load::parse_scenario_in_parts(text, parts));
            prop_assert_eq!(whole, in_parts);
        }
    }

    #[test]
    fn mutated_catalogues_never_panic(seed in any::<u64>()) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let original = embedded_catalogue().bytes;
        mutate::check_catalogue(mutate::mutate(&original, &original, &mut rng));
    }
}

#[test]
fn every_bundled_scenario_can_be_parsed_in_parts() {
    // Otherwise large files like them would quietly fall back to one parse on one core.
    let sources = load::Sources::embedded();
    assert!(sources.scenarios.len() >= 8);
    for file in &sources.scenarios {
        let text = std::str::from_utf8(&file.bytes).expect("UTF-8");
        let list = complaint_trainer::scenario::split::node_list(text);
        assert!(list.is_some_and(|l| l.commas.len() > 2), "{}", file.name);
    }
}

#[test]
fn truncating_a_scenario_anywhere_gives_a_diagnostic() {
    let (catalogue, ids) = catalogue();
    let text = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/warmup_late_car.ron"),
    )
    .expect("warm-up");
    // Every cut strictly inside the value leaves it unfinished.
    let last = text.iter().rposition(|b| *b == b')').unwrap_or(text.len());
    for cut in (0..last).step_by(97) {
        let found = mutate::check_scenario(&catalogue, &ids, text[..cut].to_vec(), 5_000);
        assert!(found > 0, "cut at {cut} went unnoticed");
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let (catalogue, ids) = catalogue();
    for depth in [100, 10_000, 200_000] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(mutate::check_scenario(&catalogue, &ids, text.into_bytes(), 5_000) > 0);
        let text = format!(
            "Scenario(id: {}1{})",
            "Not(".repeat(depth),
            ")".repeat(depth)
        );
        assert!(mutate::check_scenario(&catalogue, &ids, text.into_bytes(), 5_000) > 0);
    }
}
