//! Every diagnostic code has a fixture that must produce it, at the right line and column.

use std::path::{Path, PathBuf};

use complaint_trainer::roleplay::checks::diagnose;
use complaint_trainer::scenario::load::{MAX_FILE_BYTES, embedded_catalogue};
use complaint_trainer::scenario::text::is_cjk;
use complaint_trainer::scenario::{Code, Lang, Sources};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diagnostics")
}

/// `// expect: CT011 18:136` lines at the end of a fixture.
fn expectations(path: &Path) -> Vec<(String, usize, usize)> {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("// expect: "))
        .map(|rest| {
            let (code, pos) = rest.split_once(' ').unwrap_or((rest, "0:0"));
            let (line, col) = pos.split_once(':').unwrap_or(("0", "0"));
            (
                code.to_string(),
                line.parse().unwrap_or(0),
                col.parse().unwrap_or(0),
            )
        })
        .collect()
}

fn found(path: &Path, max_states: usize) -> Vec<(String, usize, usize)> {
    let sources = Sources::from_paths(&[path.to_path_buf()], || Some(embedded_catalogue()));
    let (diagnostics, _, _) = diagnose(&sources, max_states);
    diagnostics
        .iter()
        .map(|d| (d.code.as_str().to_string(), d.line, d.col))
        .collect()
}

#[test]
fn every_fixture_gives_exactly_its_expected_diagnostics() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures()).expect("fixtures folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        let expected = expectations(&path);
        assert!(
            !expected.is_empty(),
            "{} has no `// expect:` lines",
            path.display()
        );
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(
            expected
                .iter()
                .any(|(code, _, _)| name.starts_with(code.as_str())),
            "{name} should expect the code its name starts with"
        );
        assert_eq!(found(&path, 50), expected, "diagnostics of {name}");
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} fixtures");
}

/// The ids, fields and names a message quotes between backticks, each once, sorted.
fn quoted(message: &str) -> Vec<&str> {
    let mut names: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[test]
fn every_fixture_is_explained_in_chinese_with_the_same_names() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures folder")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    let mut messages = 0;
    for path in paths {
        let sources =
            Sources::from_paths(std::slice::from_ref(&path), || Some(embedded_catalogue()));
        let (diagnostics, _, _) = diagnose(&sources, 50);
        for d in &diagnostics {
            let zh = d.message(Lang::Zh);
            assert!(zh.chars().any(is_cjk), "{d}: {zh}");
            assert_eq!(quoted(zh), quoted(&d.message), "{d}: {zh}");
            assert_eq!(d.message(Lang::En), d.message);
            assert!(d.in_lang(Lang::Zh).ends_with(zh), "{}", d.in_lang(Lang::Zh));
            messages += 1;
        }
    }
    assert!(messages >= 25, "only {messages} messages");
}

#[test]
fn every_code_has_a_fixture_or_a_test_here() {
    // Codes whose trigger cannot live in a small file are exercised by the tests below.
    let tested_here = [
        Code::TooLarge,
        Code::Unreadable,
        Code::NoCatalogue,
        Code::DuplicateScenario,
    ];
    let names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    for code in Code::ALL {
        let has_fixture = names.iter().any(|n| n.starts_with(code.as_str()));
        assert!(
            has_fixture || tested_here.contains(&code),
            "no fixture for {}",
            code.as_str()
        );
    }
}

#[test]
fn duplicate_scenario_ids_across_files() {
    let found = found(&fixtures().join("CT041_duplicate_scenario"), 1000);
    assert_eq!(found, vec![("CT041".to_string(), 1, 1)]);
}

#[test]
fn a_file_too_large_is_refused_before_parsing() {
    let dir = tempdir("too-large");
    let path = dir.join("huge.ron");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(MAX_FILE_BYTES as u64 + 1).expect("grow");
    assert_eq!(found(&path, 1000), vec![("CT007".to_string(), 1, 1)]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_missing_file_is_reported_not_fatal() {
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/warmup_late_car.ron");
    let missing = fixtures().join("does-not-exist.ron");
    let sources = Sources::from_paths(&[missing, good], || Some(embedded_catalogue()));
    let (diagnostics, _, ready) = diagnose(&sources, 1000);
    assert_eq!(ready, 1, "the good file still loads");
    assert!(
        diagnostics
            .iter()
            .any(|d| d.code == Code::Unreadable && d.file.ends_with("does-not-exist.ron"))
    );
}

#[test]
fn a_folder_without_catalogue_says_so() {
    let dir = tempdir("no-catalogue");
    std::fs::copy(fixtures().join("CT101_single_reply.ron"), dir.join("a.ron")).expect("copy");
    let sources = Sources::from_paths(std::slice::from_ref(&dir), || None);
    let (diagnostics, _, ready) = diagnose(&sources, 1000);
    assert_eq!(ready, 0);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, Code::NoCatalogue);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn one_broken_file_does_not_stop_the_others() {
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/warmup_late_car.ron");
    let paths = vec![
        fixtures().join("CT001_syntax.ron"),
        good,
        fixtures().join("CT011_unknown_node.ron"),
    ];
    let library = Sources::from_paths(&paths, || Some(embedded_catalogue())).load();
    assert_eq!(library.scenarios.len(), 1);
    assert_eq!(library.error_count(), 2);
}

#[test]
fn the_bundled_scenarios_are_clean() {
    let sources = Sources::from_paths(
        &[Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")],
        || None,
    );
    let (diagnostics, files, ready) =
        diagnose(&sources, complaint_trainer::roleplay::analysis::MAX_STATES);
    let shown: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert!(diagnostics.is_empty(), "{}", shown.join("\n"));
    assert_eq!(ready + 1, files);
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ct-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The authors' guide lists every code with the meaning `check` gives it, in its own language.
#[test]
fn the_authoring_guides_list_every_code_as_check_sums_it_up() {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for (file, lang, warning) in [
        ("AUTHORING.md", Lang::En, "warning: "),
        ("AUTHORING.zh.md", Lang::Zh, "警告："),
    ] {
        let guide = std::fs::read_to_string(scenarios.join(file)).expect(file);
        let rows: Vec<(&str, &str)> = guide
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line
                    .trim()
                    .strip_prefix('|')?
                    .strip_suffix('|')?
                    .split('|')
                    .collect();
                match cells[..] {
                    [code, meaning] if code.trim().starts_with("CT") => {
                        Some((code.trim(), meaning.trim()))
                    }
                    _ => None,
                }
            })
            .collect();
        assert_eq!(rows.len(), Code::ALL.len(), "{file}: one row per code");
        for code in Code::ALL {
            let meaning = rows
                .iter()
                .find(|(c, _)| *c == code.as_str())
                .map(|(_, m)| m.trim_start_matches(warning))
                .unwrap_or_else(|| panic!("{file} does not list {code}"));
            assert_eq!(meaning, code.summary(lang), "{file}, {code}");
        }
    }
}
