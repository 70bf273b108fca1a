//! The real app in a real window under Xvfb: a scripted attempt from sign-in to the debrief,
//! with a screenshot of every screen. Needs `Xvfb` and a Vulkan driver (Debian: `xvfb`,
//! `mesa-vulkan-drivers`; `.ci/run` installs them).
#![cfg(feature = "gui")]

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A private X server for one test, stopped when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// Starts Xvfb on a display number it picks itself (`-displayfd`), so tests never collide.
    fn start(width: u32, height: u32) -> Xvfb {
        use std::io::BufRead;
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{width}x{height}x24"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start Xvfb ({e}). The end-to-end test needs the Debian packages \
                     `xvfb` and `mesa-vulkan-drivers`; `.ci/run` installs them."
                )
            });
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = std::io::BufReader::new(out).read_line(&mut line);
        }
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb did not report a display");
        Xvfb {
            display: format!(":{number}"),
            child,
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[path = "support/scratch.rs"]
mod scratch;
use scratch::ScratchDir;

fn temp_dir(name: &str) -> ScratchDir {
    ScratchDir::new("ct-e2e", name)
}

/// Runs the app with a time limit; a hung window fails the test instead of the whole run.
fn run_app(display: &str, size: &str, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_complaint-trainer"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env("COMPLAINT_TRAINER_WINDOW", size)
        // The scripted run then also opens the trainer area (each run has its own data folder).
        .env("COMPLAINT_TRAINER_PASSWORD", "e2e-trainer-password")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the app");
    let start = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if start.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().expect("collect the app's output")
}

/// Width and height from a PNG's header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG", "{} is not a PNG", path.display());
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (be(16), be(20))
}

fn screenshots(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    names.sort();
    names
}

fn cli_total(args: &[&str]) -> f64 {
    let out = Command::new(env!("CARGO_BIN_EXE_complaint-trainer"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["total"].as_f64().unwrap()
}

fn check_run(
    scenarios: Option<&Path>,
    scenario: &str,
    strategy: &str,
    mode: &str,
    lang: &str,
    (width, height): (u32, u32),
) -> (String, Vec<String>) {
    let x = Xvfb::start(width, height);
    let dir = temp_dir(&format!("{scenario}-{strategy}"));
    let shots = dir.join("shots");
    let size = format!("{width}x{height}");
    let data = dir.join("data").display().to_string();
    let shots_arg = shots.display().to_string();
    let folder = scenarios.map(|p| p.display().to_string());
    let mut args = vec!["--data-dir", &data];
    if let Some(folder) = &folder {
        args.extend(["--scenarios", folder.as_str()]);
    }
    args.extend([
        "--lang",
        lang,
        "gui",
        "--autoplay",
        scenario,
        "--strategy",
        strategy,
        "--mode",
        mode,
        "--screenshot-dir",
        &shots_arg,
    ]);
    let out = run_app(&x.display, &size, &args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let names = screenshots(&shots);
    for name in &names {
        let path = shots.join(name);
        assert_eq!(png_size(&path), (width, height), "{name}");
        // A blank or black frame compresses to almost nothing.
        let bytes = std::fs::metadata(&path).unwrap().len();
        assert!(
            bytes > 20_000,
            "{name} is suspiciously small ({bytes} bytes)"
        );
    }
    let settings = std::fs::read_to_string(dir.join("data/settings.json")).unwrap_or_default();
    assert!(
        settings.contains(&format!("\"lang\": \"{lang}\"")),
        "{settings}"
    );
    (stdout, names)
}

#[test]
fn scripted_best_attempt_in_practice_mode_at_1280x720() {
    let (stdout, names) = check_run(None, "case2-clutch", "best", "practice", "zh", (1280, 720));
    let expected = cli_total(&[
        "play",
        "case2-clutch",
        "--strategy",
        "best",
        "--seed",
        "1",
        "--json",
    ]);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("autoplay:"))
        .unwrap_or_default();
    assert!(
        line.contains(&format!("total {expected:.1}, passed")),
        "the app's total should match the terminal's ({expected:.1}): {line}"
    );
    for wanted in [
        "sign-in",
        "home",
        "settings",
        "turn-01",
        "coaching-01",
        "pause",
        "ending",
        "debrief",
        "my-records",
        "trainer-password",
        "trainer-table",
        "trainee-page",
        "attempt-page",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(&format!("-{wanted}.png"))),
            "no {wanted} screenshot in {names:?}"
        );
    }
}

#[test]
fn scripted_worst_attempt_in_assessment_mode_at_1920x1080() {
    // A folder with one broken file: its problems are listed, the rest stays playable.
    let folder = temp_dir("broken-folder");
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for entry in std::fs::read_dir(bundled).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ron") {
            std::fs::copy(&path, folder.join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(
        folder.join("broken.ron"),
        "Scenario(\n    id: \"broken\",\n    kind: Cas,\n",
    )
    .unwrap();
    let (stdout, names) = check_run(
        Some(&folder),
        "roleplay-angry-service",
        "worst",
        "assessment",
        "en",
        (1920, 1080),
    );
    assert!(
        names.iter().any(|n| n.ends_with("-problems.png")),
        "{names:?}"
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("autoplay:"))
        .unwrap_or_default();
    assert!(line.contains("not passed"), "{line}");
    assert!(
        !names.iter().any(|n| n.contains("coaching")),
        "assessment mode has no coaching: {names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with("-debrief.png")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with("-trainer-table.png")),
        "{names:?}"
    );
}
