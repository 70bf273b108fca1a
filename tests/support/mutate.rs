//! Byte mutations for fuzzing the loader: the same generator serves the property test and the
//! long fuzz run (`examples/fuzz_loader.rs`).

use std::sync::Arc;

use complaint_trainer::roleplay::checks::analyse_all;
use complaint_trainer::scenario::load::{self, SourceFile, place_in};
use complaint_trainer::scenario::text::is_cjk;
use complaint_trainer::scenario::validate::CatalogueIds;
use complaint_trainer::scenario::{Catalogue, Diagnostic};
use rand::Rng;

/// Fragments that look like scenario syntax, so mutations reach deep into the parser.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "//",
    "/*",
    "*/",
    "r#\"",
    "Turn(",
    "Ending(",
    "Reply(",
    "Not(",
    "All([",
    "Fact(\"x\")",
    "MoodAtLeast(99)",
    "-2147483649",
    "1e999",
    "\\u{0}",
    "id: \"start\"",
    "goto: \"nowhere\"",
    "techniques: []",
    "score: [Score(principle: \"x\", points: 99)]",
    "\u{feff}",
    "中文",
    "\u{0}",
    "\r\n",
    "Some(",
    "None",
    "true",
    "'x'",
];

/// One random mutation of `input`, possibly mixed with `other`.
pub fn mutate(input: &[u8], other: &[u8], rng: &mut impl Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    let rounds = rng.random_range(1..=4);
    for _ in 0..rounds {
        let len = out.len();
        let at = if len == 0 {
            0
        } else {
            rng.random_range(0..=len)
        };
        match rng.random_range(0..9) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                out[i] ^= 1 << rng.random_range(0..8);
            }
            1 => out.insert(at, rng.random()),
            2 if len > 0 => {
                let end = (at + rng.random_range(1..64)).min(len);
                out.drain(at.min(end)..end);
            }
            3 if len > 0 => {
                let start = rng.random_range(0..len);
                let end = (start + rng.random_range(1..256)).min(len);
                let piece = out[start..end].to_vec();
                out.splice(at..at, piece);
            }
            4 => {
                let token = TOKENS[rng.random_range(0..TOKENS.len())];
                out.splice(at..at, token.bytes());
            }
            5 => out.truncate(at),
            6 if !other.is_empty() => {
                let start = rng.random_range(0..other.len());
                let end = (start + rng.random_range(1..512)).min(other.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
            7 => {
                let depth = rng.random_range(1..200);
                let mut nest = "[(".repeat(depth).into_bytes();
                nest.extend(")]".repeat(depth).bytes());
                out.splice(at..at, nest);
            }
            _ => {
                let junk: Vec<u8> = (0..rng.random_range(1..32)).map(|_| rng.random()).collect();
                out.splice(at..at, junk);
            }
        }
    }
    out
}

/// Everything `check` does with one scenario file: parse, validate, analyse, place diagnostics.
/// Returns the number of diagnostics.
pub fn check_scenario(
    catalogue: &Arc<Catalogue>,
    ids: &CatalogueIds,
    bytes: Vec<u8>,
    max_states: usize,
) -> usize {
    let file = SourceFile::new("fuzz.ron", bytes);
    let (scenario, mut diagnostics) = load::scenario(&file, ids);
    if let Some(scenario) = scenario {
        let (pending, _) = analyse_all(&Arc::new(scenario), catalogue, max_states);
        diagnostics.extend(place_in(&file, pending));
    }
    said_in_chinese_too(&diagnostics);
    diagnostics.len()
}

/// Every diagnostic, whatever the bytes that caused it, has a message in Chinese.
fn said_in_chinese_too(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        assert!(
            d.message_zh.chars().any(is_cjk),
            "no Chinese message for {d}: {:?}",
            d.message_zh
        );
    }
}

/// Parsing and checking a (possibly broken) catalogue.
pub fn check_catalogue(bytes: Vec<u8>) -> usize {
    let (_, diagnostics) = load::catalogue(&SourceFile::new("catalogue.ron", bytes));
    said_in_chinese_too(&diagnostics);
    diagnostics.len()
}

/// The files mutations start from: the bundled scenarios and the test fixtures.
pub fn corpus() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "scenarios",
        "tests/fixtures/diagnostics",
        "tests/fixtures/engine",
    ] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths {
                let scenario = path.extension().is_some_and(|e| e == "ron")
                    && !path.ends_with("catalogue.ron");
                if let (true, Ok(bytes)) = (scenario, std::fs::read(&path)) {
                    files.push(bytes);
                }
            }
        }
    }
    files
}
