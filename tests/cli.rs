//! The command line as a user runs it: exit codes, JSON shapes, interactive play, bad input.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_complaint-trainer"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("LANG", "C.UTF-8");
    cmd
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run the binary")
}

/// Runs the binary with `typed` as what the user types.
fn typed_into(args: &[&str], typed: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(typed)
        .expect("write");
    child.wait_with_output().expect("wait")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diagnostics")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn check_exit_codes() {
    let clean = run(&["check"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    let broken = run(&["check", &fixture("CT011_unknown_node.ron")]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stdout(&broken).contains("CT011_unknown_node.ron:18:136: error[CT011]: no node `ending`")
    );
    let in_chinese = run(&["--lang", "zh", "check", &fixture("CT011_unknown_node.ron")]);
    assert_eq!(in_chinese.status.code(), Some(1));
    assert!(
        stdout(&in_chinese)
            .contains("CT011_unknown_node.ron:18:136: error[CT011] 这个情景里没有节点 `ending`"),
        "{}",
        stdout(&in_chinese)
    );
    let as_json = json(&run(&[
        "check",
        "--json",
        &fixture("CT011_unknown_node.ron"),
    ]));
    assert_eq!(
        as_json["diagnostics"][0]["message_zh"],
        "这个情景里没有节点 `ending`"
    );
    let warning_only = run(&["check", &fixture("CT101_single_reply.ron")]);
    assert_eq!(warning_only.status.code(), Some(0));
    let in_chinese = run(&["--lang", "zh", "play", "nope"]);
    assert_eq!(in_chinese.status.code(), Some(1));
    let told = String::from_utf8_lossy(&in_chinese.stderr);
    assert!(told.starts_with("错误：没有情景 `nope`；已有："), "{told}");
    // A Chinese list is separated by 、, as in Chinese text.
    assert!(told.contains("case1-seven-calls、case2-clutch"), "{told}");
    let too_few = run(&[
        "--lang",
        "zh",
        "play",
        "warmup-late-car",
        "--seed",
        "1",
        "--choices",
        "1",
    ]);
    assert_eq!(too_few.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&too_few.stderr).trim_end(),
        "错误：1 个选择用完了，演练还没有结束"
    );
    let usage = run(&["check", "--no-such-flag"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn check_json_lists_every_diagnostic() {
    let out = run(&[
        "check",
        "--json",
        &fixture("CT010_duplicate_id.ron"),
        &fixture("CT020_missing_translation.ron"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["errors"], 2);
    assert_eq!(report["warnings"], 1);
    let first = &report["diagnostics"][0];
    for key in ["file", "line", "col", "severity", "code", "message"] {
        assert!(!first[key].is_null(), "missing {key}");
    }
}

#[test]
fn list_json_has_the_documented_fields() {
    let out = run(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let list = json(&out);
    let entries = list.as_array().expect("array");
    assert!(!entries.is_empty());
    for e in entries {
        assert!(e["id"].is_string());
        assert!(e["title"]["zh"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(e["title"]["en"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(matches!(e["kind"].as_str(), Some("case" | "roleplay")));
        assert!(matches!(
            e["persona"].as_str(),
            Some("passive" | "talker" | "angry" | "activist")
        ));
        assert!(e["nodes"].as_u64().is_some_and(|n| n > 1));
        let (best, worst) = (
            e["best"].as_f64().expect("best"),
            e["worst"].as_f64().expect("worst"),
        );
        assert!((0.0..=100.0).contains(&worst) && worst <= best && best <= 100.0);
    }
}

#[test]
fn graph_in_both_formats() {
    let dot = run(&["graph", "warmup-late-car"]);
    assert_eq!(dot.status.code(), Some(0));
    assert!(stdout(&dot).starts_with("digraph"));
    assert!(stdout(&dot).contains("->"));
    let mermaid = run(&["graph", "warmup-late-car", "--format", "mermaid"]);
    assert!(stdout(&mermaid).starts_with("flowchart TD"));
    let missing = run(&["graph", "no-such-scenario"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no scenario `no-such-scenario`"));
}

#[test]
fn play_json_is_deterministic_and_complete() {
    let args = [
        "play",
        "warmup-late-car",
        "--strategy",
        "random",
        "--seed",
        "17",
        "--json",
    ];
    let one = run(&args);
    let two = run(&args);
    assert_eq!(
        one.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(one.stdout, two.stdout);
    let v = json(&one);
    for key in [
        "scenario",
        "persona",
        "seed",
        "total",
        "passed",
        "principles",
        "steps",
        "ending",
        "transcript",
    ] {
        assert!(!v[key].is_null(), "missing {key}");
    }
    assert_eq!(v["seed"], 17);
    let total = v["total"].as_f64().expect("total");
    assert!((0.0..=100.0).contains(&total));
}

#[test]
fn best_passes_and_worst_fails() {
    let best = json(&run(&[
        "play",
        "warmup-late-car",
        "--strategy",
        "best",
        "--json",
        "--seed",
        "1",
    ]));
    assert_eq!(best["passed"], true);
    let worst = json(&run(&[
        "play",
        "warmup-late-car",
        "--strategy",
        "worst",
        "--json",
        "--seed",
        "1",
    ]));
    assert_eq!(worst["passed"], false);
    assert!(worst["total"].as_f64() < best["total"].as_f64());
}

#[test]
fn interactive_play_reads_numbers_from_stdin() {
    let out = typed_into(
        &[
            "--lang",
            "en",
            "play",
            "warmup-late-car",
            "--seed",
            "3",
            "--mode",
            "assessment",
        ],
        b"banana\n9\nh\n1\n1\n1\n1\n1\n1\n1\n1\n",
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Type a reply's number"), "{text}");
    assert!(text.contains("choose a number from 1 to"), "{text}");
    assert!(
        text.contains("hints and retries are for practice mode"),
        "{text}"
    );
    assert!(text.contains("Total"), "{text}");
}

#[test]
fn interactive_play_in_chinese_reads_as_chinese() {
    // A wrong number first, then the best replies, each followed by Enter past the coaching.
    let out = typed_into(
        &["--lang", "zh", "play", "warmup-late-car", "--seed", "3"],
        b"9\n1\n\n3\n\n2\n\n3\n\n3\n\n2\n\n",
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for part in [
        "顾客：赵女士",
        "输入编号选择回应；h 提示（练习模式）；l 切换语言；q 退出。",
        "请输入 1 到 4 之间的编号",
        "[第 1 回合] 不满",
        "赵女士：“说好的五点交车",
        "回车继续；r 重做这一回合。",
        "（及格线 80）— 通过",
        "处理原则：",
    ] {
        assert!(text.contains(part), "{part} in\n{text}");
    }
    // The supervisor's question after the customer has gone is narration, not her line.
    assert!(
        text.lines().any(|l| l.starts_with("（顾客离开后")),
        "{text}"
    );
    assert!(!text.contains("赵女士：“（"), "{text}");
}

#[test]
fn an_escalation_is_told_in_words_not_by_its_id() {
    // With this seed the first reply shown plays the problem down, and the angry customer
    // walks out.
    for (lang, notice) in [
        ("zh", "  ! 客户的耐心耗尽，事态升级了。"),
        (
            "en",
            "  ! The customer's patience ran out: the complaint escalates.",
        ),
    ] {
        let out = typed_into(
            &["--lang", lang, "play", "warmup-late-car", "--seed", "2"],
            b"1\n\n",
        );
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(text.lines().any(|l| l == notice), "{notice} in\n{text}");
        assert!(!text.contains("walks_out"), "{text}");
    }
}

#[test]
fn a_scripted_run_reads_back_with_the_customers_reactions() {
    // The worst handling of case 3 sends the ticket back to the region, which the narrator
    // answers before Mr Zhou phones again, and ends in an escalation.
    let dir = std::env::temp_dir().join(format!("ct-cli-script-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("t.json");
    for lang in ["en", "zh"] {
        let out = run(&[
            "--lang",
            lang,
            "play",
            "case3-evaporator",
            "--strategy",
            "worst",
            "--seed",
            "1",
            "--transcript",
            &file.display().to_string(),
        ]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        let transcript: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).expect("transcript")).expect("JSON");
        let turns = transcript["turns"].as_array().expect("turns");
        let reactions: Vec<&str> = turns
            .iter()
            .filter_map(|turn| turn["react"][lang].as_str())
            .collect();
        // Each exchange is a paragraph of its own, with the one reply chosen in it.
        let exchanges: Vec<&str> = text
            .split("\n\n")
            .filter(|paragraph| paragraph.lines().any(|l| l.starts_with("  → ")))
            .collect();
        assert_eq!(exchanges.len(), turns.len(), "{text}");
        for exchange in exchanges {
            let replies = exchange.lines().filter(|l| l.starts_with("  → ")).count();
            assert_eq!(replies, 1, "{exchange}");
        }
        assert!(!reactions.is_empty(), "no reaction in this run:\n{text}");
        // A quoted line's own quotation marks are printed as single ones.
        let marks = |s: &str| s.replace(['“', '”', '‘', '’', '"'], "'");
        for reaction in reactions {
            assert!(
                marks(&text).contains(&marks(reaction)),
                "{reaction:?} missing from\n{text}"
            );
        }
        let escalated = transcript["turns"]
            .as_array()
            .expect("turns")
            .iter()
            .any(|turn| !turn["escalation"].is_null());
        assert!(escalated, "this run was chosen for its escalation");
        assert!(
            text.lines().any(|l| l.starts_with("  ! ")),
            "the escalation is not told in\n{text}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn interactive_play_stops_cleanly_when_input_ends() {
    let out = bin()
        .args(["play", "warmup-late-car", "--seed", "3"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_saved_transcript_replays() {
    let dir = std::env::temp_dir().join(format!("ct-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("t.json");
    let played = run(&[
        "play",
        "warmup-late-car",
        "--strategy",
        "random",
        "--seed",
        "5",
        "--json",
        "--transcript",
        &file.display().to_string(),
    ]);
    assert_eq!(played.status.code(), Some(0));
    let replayed = run(&["replay", &file.display().to_string(), "--json"]);
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
    assert_eq!(json(&replayed)["total"], json(&played)["total"]);
    std::fs::write(&file, b"{ not json").expect("write");
    let bad = run(&["replay", &file.display().to_string()]);
    assert_eq!(bad.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn analyse_says_when_the_turn_limit_can_end_a_conversation() {
    let bundled = run(&["analyse", "case2-clutch"]);
    assert_eq!(bundled.status.code(), Some(0));
    assert!(
        !stdout(&bundled).contains("turn limit"),
        "{}",
        stdout(&bundled)
    );
    // The same case with a limit of 4 replies, which its longer paths go past.
    let dir = std::env::temp_dir().join(format!("ct-cli-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    std::fs::copy(scenarios.join("catalogue.ron"), dir.join("catalogue.ron")).expect("copy");
    let case = std::fs::read_to_string(scenarios.join("case2_clutch.ron")).expect("read");
    let start = "    start: (mood: 3, trust: 3),\n";
    assert!(case.contains(start), "the case's start line moved");
    let limited = case.replace(start, &format!("{start}    max_turns: 4,\n"));
    std::fs::write(dir.join("case2_clutch.ron"), limited).expect("write");
    let folder = dir.display().to_string();
    let human = run(&["--scenarios", &folder, "analyse", "case2-clutch"]);
    assert_eq!(human.status.code(), Some(0), "{}", stdout(&human));
    assert!(
        stdout(&human).contains("endings reached: hotline, the turn limit"),
        "{}",
        stdout(&human)
    );
    let chinese = run(&[
        "--lang",
        "zh",
        "--scenarios",
        &folder,
        "analyse",
        "case2-clutch",
    ]);
    assert!(
        stdout(&chinese).contains("可达结局：hotline、轮数上限"),
        "{}",
        stdout(&chinese)
    );
    let machine = json(&run(&[
        "--scenarios",
        &folder,
        "analyse",
        "case2-clutch",
        "--json",
    ]));
    let personas = machine.as_array().expect("one object per behaviour type");
    assert!(
        personas.iter().all(|p| p["timeout_reachable"] == true),
        "{machine}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn output_cut_short_by_its_reader_ends_quietly() {
    // As `complaint-trainer analyse … | head -0`: the reader is gone before the first line.
    let mut child = bin()
        .args(["analyse", "case2-clutch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn list_speaks_the_chosen_language_in_even_columns() {
    let zh = stdout(&run(&["--lang", "zh", "list"]));
    let en = stdout(&run(&["--lang", "en", "list"]));
    assert!(
        // The glossary's terms for the two kinds.
        zh.contains(" 案例分析 ") && zh.contains(" 角色演练 ") && !zh.contains("角色扮演"),
        "{zh}"
    );
    assert!(zh.contains("最高") && zh.contains("最低"), "{zh}");
    assert!(
        en.contains(" case study ")
            && en.contains(" role play ")
            && en.contains("best")
            && !en.contains("最高"),
        "{en}"
    );
    // Every row's best score starts in the same column (a Chinese character is two wide).
    for text in [&zh, &en] {
        let starts: Vec<usize> = text
            .lines()
            .map(|line| {
                let label = line
                    .find(" 100.0")
                    .or_else(|| line.find("  9"))
                    .expect("a score");
                line[..label]
                    .chars()
                    .map(|c| if c >= '\u{2e80}' { 2 } else { 1 })
                    .sum()
            })
            .collect();
        assert!(
            starts.windows(2).all(|w| w[0] == w[1]),
            "{starts:?}\n{text}"
        );
    }
}

#[test]
fn bad_arguments_get_clear_messages_not_panics() {
    for args in [
        vec!["play", "warmup-late-car", "--persona", "grumpy"],
        vec!["play", "warmup-late-car", "--choices", "1,x"],
        vec!["play", "warmup-late-car", "--choices", "7", "--seed", "1"],
        vec!["play", "warmup-late-car", "--seed", "-1"],
        vec!["play", "nope"],
        vec!["--lang", "fr", "list"],
        vec!["--scenarios", "/no/such/folder", "list"],
        vec!["check", "/no/such/file.ron"],
    ] {
        let out = run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{args:?}: {:?}",
            out.status
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            !err.trim().is_empty() || !stdout(&out).trim().is_empty(),
            "{args:?} said nothing"
        );
    }
}

#[test]
fn data_dir_is_global() {
    let before = run(&["--data-dir", "/tmp/ct-data", "info"]);
    let after = run(&["info", "--data-dir", "/tmp/ct-data"]);
    assert!(stdout(&before).contains("/tmp/ct-data"));
    assert_eq!(before.stdout, after.stdout);
}

#[test]
fn records_errors_are_told_in_the_chosen_language() {
    let dir = std::env::temp_dir().join(format!("ct-cli-records-{}", std::process::id()));
    let data = dir.display().to_string();
    for (lang, unknown, empty) in [
        ("zh", "错误：没有学员 `99`", "错误：请填写姓名。"),
        ("en", "error: no trainee `99`", "error: the name is empty"),
    ] {
        let rename = run(&[
            "--data-dir",
            &data,
            "--lang",
            lang,
            "trainee",
            "rename",
            "99",
            "--name",
            "x",
        ]);
        assert_eq!(rename.status.code(), Some(1));
        assert_eq!(String::from_utf8_lossy(&rename.stderr).trim(), unknown);
        let add = run(&[
            "--data-dir",
            &data,
            "--lang",
            lang,
            "trainee",
            "add",
            "--name",
            " ",
        ]);
        assert_eq!(add.status.code(), Some(1));
        assert_eq!(String::from_utf8_lossy(&add.stderr).trim(), empty);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn files_that_cannot_be_replayed_are_told_in_the_chosen_language() {
    let dir = std::env::temp_dir().join(format!("ct-cli-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{").unwrap();
    let other = dir.join("other.json");
    std::fs::write(&other, r#"{"a": 1}"#).unwrap();
    let missing = dir.join("missing.json");
    let path = |p: &std::path::Path| p.display().to_string();
    for (lang, said) in [
        (
            "zh",
            [
                format!("错误：{} 不是 JSON 文件：", path(&broken)),
                format!("错误：{} 不是对话记录：", path(&other)),
                format!("错误：无法读取 {}：", path(&missing)),
            ],
        ),
        (
            "en",
            [
                format!("error: {} is not JSON: ", path(&broken)),
                format!("error: {} is not a transcript: ", path(&other)),
                format!("error: cannot read {}: ", path(&missing)),
            ],
        ),
    ] {
        for (file, start) in [&broken, &other, &missing].into_iter().zip(said) {
            let out = run(&["--lang", lang, "replay", &path(file)]);
            assert_eq!(out.status.code(), Some(1));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.starts_with(&start), "{stderr}");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_help_is_in_the_chosen_language() {
    for args in [
        &["--lang", "zh", "check", "--help"][..],
        &["check", "--lang=zh", "--help"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0));
        let help = stdout(&out);
        assert!(help.starts_with("检查情景文件"), "{help}");
        assert!(help.contains("用法：complaint-trainer check"), "{help}");
        assert!(help.contains("以 JSON 输出结果"), "{help}");
        // Chinese punctuation where the parser adds its own, too.
        assert!(
            help.contains("用法：complaint-trainer check [选项]"),
            "{help}"
        );
        assert!(help.lines().any(|l| l == "选项："), "{help}");
    }
    // A command group without its command shows its help on standard error, in Chinese too.
    let group = run(&["--lang", "zh", "trainee"]);
    assert_eq!(group.status.code(), Some(2));
    let told = String::from_utf8_lossy(&group.stderr);
    assert!(told.lines().any(|l| l == "命令："), "{told}");
    let from_locale = bin()
        .args(["--help"])
        .env("LC_ALL", "zh_CN.UTF-8")
        .output()
        .expect("run the binary");
    assert!(
        stdout(&from_locale).contains("命令"),
        "{}",
        stdout(&from_locale)
    );
    let mistyped = run(&["--lang", "zh", "check", "--jsn"]);
    assert_eq!(mistyped.status.code(), Some(2));
    let told = String::from_utf8_lossy(&mistyped.stderr);
    assert!(told.starts_with("错误：不认识的选项 '--jsn'"), "{told}");
    assert!(told.contains("是不是 '--json'"), "{told}");
    let english = stdout(&run(&["--lang", "en", "check", "--help"]));
    assert!(english.starts_with("Check scenario files"), "{english}");
    assert!(
        english.contains("Usage: complaint-trainer check"),
        "{english}"
    );
}

#[test]
fn the_records_commands_answer_in_the_chosen_language() {
    let dir = std::env::temp_dir().join(format!("ct-cli-records-zh-{}", std::process::id()));
    let data = dir.display().to_string();
    let zh = |args: &[&str]| {
        let mut all = vec!["--data-dir", &data, "--lang", "zh"];
        all.extend_from_slice(args);
        run(&all)
    };
    assert!(stdout(&zh(&["trainee", "list"])).starts_with("（还没有学员；"));
    assert!(stdout(&zh(&["cohort", "list"])).starts_with("（还没有班级；"));
    assert_eq!(
        stdout(&zh(&[
            "trainee",
            "add",
            "--name",
            "张三",
            "--employee-id",
            "E1"
        ]))
        .trim(),
        "1"
    );
    assert_eq!(
        stdout(&zh(&["trainee", "rename", "E1", "--name", "张珊"])).trim(),
        "1 现在叫 张珊"
    );
    assert!(
        stdout(&zh(&["trainee", "archive", "E1"]))
            .trim()
            .ends_with("已归档")
    );
    assert!(stdout(&zh(&["trainee", "list", "--all"])).contains("（已归档）"));
    let check = zh(&["records", "check"]);
    assert_eq!(check.status.code(), Some(0));
    assert!(
        stdout(&check).starts_with("完好：1 位学员，0 个班级，0 次演练"),
        "{}",
        stdout(&check)
    );
    let info = stdout(&zh(&["info"]));
    assert!(info.contains(&format!("数据：{data}")), "{info}");
    let sync = zh(&["records", "sync"]);
    assert_eq!(sync.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&sync.stderr).starts_with("错误：还没有设置 LRS"));
    let _ = std::fs::remove_dir_all(dir);
}
