//! `play` and `replay`: a role play in the terminal, automatic play, and rescoring transcripts.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use serde::Serialize;

use crate::records::time::now_secs;
use crate::records::{Db, progress_of_session, record_of_session};
use crate::roleplay::{
    Analysis, Mode, Phase, ScoreCard, Session, Strategy, Transcript, play_choices, play_strategy,
};
use crate::scenario::{Catalogue, Lang, Library, Scenario, Text};

use super::terminal::{self, label, t};
use super::{EXIT_PROBLEM, Env, Told, analysis_failed, no_catalogue, told};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    Practice,
    Assessment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StrategyArg {
    Best,
    Worst,
    Random,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario id (see `list`).
    pub id: String,
    /// Play the customer as another behaviour type: passive, talker, angry or activist.
    #[arg(long, value_name = "TYPE")]
    pub persona: Option<String>,
    /// The seed for line variants and the order of replies (default: a new one, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Practice coaches after every reply; assessment gives the debrief only at the end.
    #[arg(long, value_enum, default_value = "practice")]
    pub mode: ModeArg,
    /// Replies to choose, as the numbers shown on screen, e.g. 2,1,3.
    #[arg(long, value_delimiter = ',', conflicts_with = "strategy")]
    pub choices: Option<Vec<usize>>,
    /// Let the program choose: best, worst or random.
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Also write the transcript (JSON) to this file.
    #[arg(long, value_name = "FILE")]
    pub transcript: Option<PathBuf>,
    /// Record the attempt for this trainee (id, employee number or unique name), as the app does.
    #[arg(long, value_name = "ID_OR_NAME")]
    pub trainee: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A transcript written by `play --transcript` or `play --json`.
    pub file: PathBuf,
    /// Print the score card as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn find_scenario<'a>(library: &'a Library, id: &str) -> anyhow::Result<&'a Arc<Scenario>> {
    library.scenario(id).ok_or_else(|| {
        let known: Vec<&str> = library.scenarios.iter().map(|s| s.id.as_str()).collect();
        told(
            format!("没有情景 `{id}`；已有：{}", known.join("、")),
            format!("no scenario `{id}`; known: {}", known.join(", ")),
        )
    })
}

fn persona_index(
    catalogue: &Catalogue,
    scenario: &Scenario,
    name: Option<&str>,
) -> anyhow::Result<u8> {
    match name {
        None => Ok(scenario.persona),
        Some(name) => catalogue.persona_by_id(name).ok_or_else(|| {
            let known: Vec<&str> = catalogue.personas.iter().map(|p| p.id.as_str()).collect();
            told(
                format!("没有客户类型 `{name}`；已有：{}", known.join("、")),
                format!("no behaviour type `{name}`; known: {}", known.join(", ")),
            )
        }),
    }
}

fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    (nanos as u64) ^ (u64::from(std::process::id()) << 32)
}

#[derive(Debug, Serialize)]
struct EndingJson<'a> {
    node: &'a str,
    outcome: &'static str,
}

#[derive(Debug, Serialize)]
struct PlayJson<'a> {
    scenario: &'a str,
    persona: &'a str,
    seed: u64,
    mode: &'static str,
    total: f64,
    passed: bool,
    pass_mark: f64,
    principles: BTreeMap<&'a str, Option<f64>>,
    steps: BTreeMap<&'a str, Option<f64>>,
    ending: Option<EndingJson<'a>>,
    critical: Vec<&'a str>,
    score: &'a ScoreCard,
    transcript: &'a Transcript,
}

fn result_json(card: &ScoreCard, transcript: &Transcript) -> anyhow::Result<String> {
    let json = PlayJson {
        scenario: &transcript.scenario,
        persona: &transcript.persona,
        seed: transcript.seed,
        mode: transcript.mode.as_str(),
        total: card.total,
        passed: card.passed,
        pass_mark: card.pass_mark,
        principles: card
            .principles
            .iter()
            .map(|l| (l.id.as_str(), l.percent))
            .collect(),
        steps: card
            .steps
            .iter()
            .map(|l| (l.id.as_str(), l.percent))
            .collect(),
        ending: transcript.ending.as_ref().map(|e| EndingJson {
            node: &e.node,
            outcome: e.outcome.as_str(),
        }),
        critical: card.critical.iter().map(|c| c.technique.as_str()).collect(),
        score: card,
        transcript,
    };
    Ok(serde_json::to_string_pretty(&json)?)
}

pub fn run(env: &Env, args: &Args) -> anyhow::Result<ExitCode> {
    let library = env.library();
    let Some(catalogue) = library.catalogue.clone() else {
        return Err(no_catalogue());
    };
    let scenario = find_scenario(&library, &args.id)?.clone();
    let persona = persona_index(&catalogue, &scenario, args.persona.as_deref())?;
    let analysis = Arc::new(
        Analysis::run(scenario.clone(), catalogue.clone(), persona)
            .map_err(|e| analysis_failed(&scenario.source, &e))?,
    );
    // Find the trainee before playing, so that a typo is reported before the work, not after.
    let recorder = match &args.trainee {
        Some(key) => {
            let db = Db::open_dir(&env.data_dir)?;
            let trainee = db.find_trainee(key)?;
            if trainee.archived {
                return Err(told(
                    format!(
                        "学员 {} 已归档；用 `trainee unarchive {}` 可以恢复",
                        trainee.label(),
                        trainee.id
                    ),
                    format!(
                        "trainee {} is archived; `trainee unarchive {}` brings them back",
                        trainee.label(),
                        trainee.id
                    ),
                ));
            }
            Some((db, trainee))
        }
        None => None,
    };
    let started_at = now_secs();
    let started = std::time::Instant::now();
    let seed = args.seed.unwrap_or_else(fresh_seed);
    let mode = match args.mode {
        ModeArg::Practice => Mode::Practice,
        ModeArg::Assessment => Mode::Assessment,
    };
    let session = if let Some(choices) = &args.choices {
        play_choices(analysis, seed, mode, choices)
            .map_err(|e| Told(Text::in_both(|lang| e.message(lang))))?
    } else if let Some(strategy) = args.strategy {
        let strategy = match strategy {
            StrategyArg::Best => Strategy::Best,
            StrategyArg::Worst => Strategy::Worst,
            StrategyArg::Random => Strategy::Random,
        };
        play_strategy(analysis, seed, mode, strategy)?
    } else {
        let stdin = std::io::stdin();
        let mut save_turn = |session: &Session| {
            if let Some((db, trainee)) = &recorder {
                let progress = progress_of_session(
                    trainee.id,
                    session,
                    started_at,
                    started.elapsed().as_secs(),
                );
                if let Err(e) = db.save_progress(&progress) {
                    eprintln!(
                        "{}{}",
                        t(
                            env.lang,
                            "警告：进行中的演练没有保存：",
                            "warning: the attempt in progress was not saved: "
                        ),
                        e.message(env.lang)
                    );
                }
            }
        };
        match interactive(
            Session::new(analysis, seed, mode),
            &scenario,
            &catalogue,
            env.lang,
            &mut stdin.lock(),
            &mut save_turn,
        )? {
            Some(session) => session,
            None => return Ok(ExitCode::from(EXIT_PROBLEM)),
        }
    };
    let card = session.score();
    if let Some((db, trainee)) = &recorder {
        let record = record_of_session(
            trainee.id,
            &session,
            started_at,
            started.elapsed().as_secs(),
        );
        db.save_attempt(&record).map_err(|e| {
            told(
                format!(
                    "{} 的这次演练没有记录下来：{}",
                    trainee.label(),
                    e.message(Lang::Zh)
                ),
                format!(
                    "the attempt was not recorded for {}: {}",
                    trainee.label(),
                    e.message(Lang::En)
                ),
            )
        })?;
        match env.lang {
            Lang::Zh => eprintln!(
                "已为 {}（学员 {}）记录这次演练 {}",
                trainee.label(),
                trainee.id,
                record.id
            ),
            Lang::En => eprintln!(
                "recorded attempt {} for {} (trainee {})",
                record.id,
                trainee.label(),
                trainee.id
            ),
        }
    }
    if let Some(path) = &args.transcript {
        let text = serde_json::to_string_pretty(session.transcript())?;
        std::fs::write(path, text).map_err(|e| {
            told(
                format!("无法把对话记录写入 {}：{e}", path.display()),
                format!("cannot write the transcript to {}: {e}", path.display()),
            )
        })?;
    }
    if args.json {
        say!("{}", result_json(&card, session.transcript())?);
    } else if args.choices.is_some() || args.strategy.is_some() {
        let name = &scenario.customer.name;
        // One paragraph per exchange: the reaction and the next turn's line are both the
        // customer's, and the blank line shows where one exchange ends.
        for (i, turn) in session.transcript().turns.iter().enumerate() {
            let gap = if i == 0 { "" } else { "\n" };
            say_inline!("{gap}{}", terminal::scripted_turn(turn, name, env.lang));
        }
        if let Some(ending) = &session.transcript().ending {
            say_inline!("{}", terminal::ending(ending, name, env.lang));
        }
        say_inline!(
            "{}",
            terminal::debrief(&card, &session.transcript().turns, &catalogue, env.lang)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads one trimmed line; None at the end of input.
fn read_line(input: &mut impl BufRead) -> anyhow::Result<Option<String>> {
    say_inline!("> ");
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim().to_string()))
}

/// The terminal role play. Returns None when the trainee quits or the input ends early.
pub fn interactive(
    mut session: Session,
    scenario: &Scenario,
    catalogue: &Catalogue,
    mut lang: Lang,
    input: &mut impl BufRead,
    after_turn: &mut dyn FnMut(&Session),
) -> anyhow::Result<Option<Session>> {
    let name = &scenario.customer.name;
    let mode = session.mode();
    say_inline!("{}", terminal::header(scenario, catalogue, &session, lang));
    say!(
        "{}",
        t(
            lang,
            "输入编号选择回应；h 提示（练习模式）；l 切换语言；q 退出。",
            "Type a number to reply; h for a hint (practice); l to switch language; q to quit."
        )
    );
    let mut show_prompt = true;
    loop {
        match session.phase() {
            Phase::Ended => {
                if let Some(ending) = &session.transcript().ending {
                    say_inline!("{}", terminal::ending(ending, name, lang));
                }
                say_inline!(
                    "{}",
                    terminal::debrief(
                        &session.score(),
                        &session.transcript().turns,
                        catalogue,
                        lang
                    )
                );
                return Ok(Some(session));
            }
            Phase::Choosing => {
                if let (true, Some(p)) = (show_prompt, session.prompt()) {
                    say_inline!("{}", terminal::prompt(p, &session, catalogue, name, lang));
                }
                show_prompt = false;
                let Some(line) = read_line(input)? else {
                    eprintln!(
                        "{}",
                        t(
                            lang,
                            "输入结束，演练未完成。",
                            "Input ended before the role play finished."
                        )
                    );
                    return Ok(None);
                };
                match line.as_str() {
                    "q" | "quit" => return Ok(None),
                    "l" => {
                        lang = if lang == Lang::Zh { Lang::En } else { Lang::Zh };
                        show_prompt = true;
                    }
                    "h" | "?" => match session.hint() {
                        Ok(Some(n)) => say!("{}{n}", label(lang, "提示：试试", "Hint: try")),
                        Ok(None) => {}
                        Err(e) => say!("{}", e.message(lang)),
                    },
                    other => match other.parse::<usize>() {
                        Ok(n) => match session.choose(n) {
                            Ok(_) => {
                                after_turn(&session);
                                let Some(turn) = session.last_turn() else {
                                    continue;
                                };
                                if mode == Mode::Practice {
                                    say_inline!(
                                        "{}",
                                        terminal::feedback(turn, catalogue, name, lang)
                                    );
                                    say!(
                                        "{}",
                                        t(
                                            lang,
                                            "回车继续；r 重做这一回合。",
                                            "Enter to continue; r to try this turn again."
                                        )
                                    );
                                } else if let Some(react) = &turn.react {
                                    say!("{}", terminal::said(name, react, lang));
                                }
                                show_prompt = true;
                            }
                            Err(e) => say!("{}", e.message(lang)),
                        },
                        Err(_) => say!(
                            "{}",
                            t(
                                lang,
                                "请输入回应编号，或 h / l / q。",
                                "Type a reply's number, or h / l / q."
                            )
                        ),
                    },
                }
            }
            Phase::Feedback => {
                let Some(line) = read_line(input)? else {
                    eprintln!(
                        "{}",
                        t(
                            lang,
                            "输入结束，演练未完成。",
                            "Input ended before the role play finished."
                        )
                    );
                    return Ok(None);
                };
                match line.as_str() {
                    "r" => {
                        session.retry()?;
                        after_turn(&session);
                    }
                    "q" | "quit" => return Ok(None),
                    _ => session.proceed()?,
                }
                show_prompt = true;
            }
        }
    }
}

pub fn replay(env: &Env, args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let file = args.file.display();
    let text = std::fs::read_to_string(&args.file).map_err(|e| {
        told(
            format!("无法读取 {file}：{e}"),
            format!("cannot read {file}: {e}"),
        )
    })?;
    // Accept a bare transcript or the object `play --json` prints.
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        told(
            format!("{file} 不是 JSON 文件：{e}"),
            format!("{file} is not JSON: {e}"),
        )
    })?;
    let transcript: Transcript =
        serde_json::from_value(value.get("transcript").cloned().unwrap_or(value)).map_err(|e| {
            told(
                format!("{file} 不是对话记录：{e}"),
                format!("{file} is not a transcript: {e}"),
            )
        })?;
    let library = env.library();
    let Some(catalogue) = library.catalogue.clone() else {
        return Err(no_catalogue());
    };
    let scenario = find_scenario(&library, &transcript.scenario)?.clone();
    let persona = persona_index(&catalogue, &scenario, Some(&transcript.persona))?;
    let analysis = Arc::new(
        Analysis::run(scenario.clone(), catalogue, persona)
            .map_err(|e| analysis_failed(&scenario.source, &e))?,
    );
    let card = crate::roleplay::replay(&transcript, analysis)
        .map_err(|e| Told(Text::in_both(|lang| e.message(lang))))?;
    if args.json {
        say!("{}", serde_json::to_string_pretty(&card)?);
    } else {
        let id = &transcript.scenario;
        match env.lang {
            Lang::Zh => say!(
                "{id}：{:.1} / 100，{}",
                card.total,
                if card.passed { "及格" } else { "未及格" }
            ),
            Lang::En => say!(
                "{id}: {:.1} / 100, {}",
                card.total,
                if card.passed { "passed" } else { "not passed" }
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}
