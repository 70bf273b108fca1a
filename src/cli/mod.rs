//! The command line: parses arguments and runs one subcommand; each subcommand has its own file.

/// `println!` for the command's output: when the reader has gone away (`| head`), the
/// command ends quietly (see `main`) instead of in a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// As `say!`, without the newline, flushed (a prompt waits on the same line).
macro_rules! say_inline {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        write!(out, $($arg)*)?;
        out.flush()?
    }};
}

mod analyse;
mod check;
mod graph;
mod gui;
mod help;
mod list;
mod play;
mod records;
mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::records::{RecordsError, TraineeError};
use crate::roleplay::AnalysisError;
use crate::scenario::{Lang, Library, ScenarioSource, Sources, Text};

#[derive(Debug, Parser)]
#[command(
    name = "complaint-trainer",
    version,
    about = "Practise preventing and handling customer complaints at a car dealership",
    long_about = "Practise preventing and handling customer complaints at a car dealership.\n\
                  With no command the desktop app opens; `list` and `play ID` work in a terminal."
)]
pub struct Cli {
    /// Where settings and records live (default: the platform's data folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Scenario folder with catalogue.ron (default: ./scenarios, else the built-in copies).
    #[arg(long, global = true, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// Language for text output: zh or en (default: from the environment's locale).
    #[arg(long, global = true, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language `{s}`; use zh or en"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario files: syntax, references, translations, reachability, endings.
    Check(check::Args),
    /// List the scenarios with their best and worst possible scores.
    List(list::Args),
    /// The exact analysis of a scenario for every behaviour type: best and worst totals,
    /// per-principle ranges, distinct paths, reachable endings.
    Analyse(analyse::Args),
    /// Draw a scenario's graph (Graphviz DOT or Mermaid).
    Graph(graph::Args),
    /// Play a scenario in the terminal, or automatically with --choices or --strategy.
    Play(play::Args),
    /// Score a saved transcript again and check that it still plays as recorded.
    Replay(play::ReplayArgs),
    /// Register, list, rename and archive trainees.
    Trainee {
        #[command(subcommand)]
        command: records::TraineeCommand,
    },
    /// Create and list cohorts (classes).
    Cohort {
        #[command(subcommand)]
        command: records::CohortCommand,
    },
    /// Export records, sync them to a Learning Record Store, check the records file.
    Records {
        #[command(subcommand)]
        command: records::RecordsCommand,
    },
    /// Show where scenarios and data are read from.
    Info,
    /// Open the desktop app (the default when no command is given).
    Gui(gui::Args),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Dot,
    Mermaid,
}

/// What every subcommand gets: the parsed global options.
#[derive(Debug)]
pub struct Env {
    pub lang: Lang,
    /// The language asked for on the command line, if any (the app remembers its own).
    pub lang_override: Option<Lang>,
    pub source: ScenarioSource,
    pub data_dir: PathBuf,
}

impl Env {
    fn from_cli(cli: &Cli) -> Env {
        Env {
            lang: cli.lang.unwrap_or_else(Lang::from_env),
            lang_override: cli.lang,
            source: cli
                .scenarios
                .clone()
                .map_or_else(ScenarioSource::default_source, ScenarioSource::Dir),
            data_dir: cli.data_dir.clone().unwrap_or_else(default_data_dir),
        }
    }

    pub fn sources(&self) -> Sources {
        self.source.sources()
    }

    /// Loads the scenarios, printing any problem so that a broken file is never silent.
    pub fn library(&self) -> Library {
        let library = self.sources().load();
        let errors: Vec<_> = library
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        for d in &errors {
            eprintln!("{d}");
        }
        if !errors.is_empty() {
            eprintln!(
                "(the files above were skipped; `complaint-trainer check` explains every problem)"
            );
        }
        library
    }
}

/// `$XDG_DATA_HOME/complaint-trainer`, `~/.local/share/complaint-trainer`, or the platform's
/// equivalent (`%APPDATA%`, `~/Library/Application Support`).
pub fn default_data_dir() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if cfg!(target_os = "windows") {
        if let Some(app_data) = std::env::var_os("APPDATA") {
            return PathBuf::from(app_data).join("complaint-trainer");
        }
    } else if cfg!(target_os = "macos") {
        if let Some(home) = &home {
            return home.join("Library/Application Support/complaint-trainer");
        }
    } else if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(xdg).join("complaint-trainer");
    } else if let Some(home) = &home {
        return home.join(".local/share/complaint-trainer");
    }
    PathBuf::from("complaint-trainer-data")
}

/// Exit codes: 0 success, 1 a problem with the content or the request, 2 usage.
pub const EXIT_PROBLEM: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// The language `--lang` asks for, read before the command line is parsed so that its help
/// can be in that language; else the environment's.
fn lang_asked_for(args: &[std::ffi::OsString]) -> Lang {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    let given = args
        .iter()
        .enumerate()
        .find_map(|(i, a)| match a.strip_prefix("--lang") {
            Some("") => args.get(i + 1).copied(),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        });
    given.and_then(Lang::parse).unwrap_or_else(Lang::from_env)
}

/// The help or error as clap would print it: styled on a terminal (unless NO_COLOR is set),
/// plain text when piped.
fn rendered(e: &clap::Error) -> String {
    use std::io::IsTerminal as _;
    let styled = e.render();
    let terminal = if e.use_stderr() {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    if terminal && std::env::var_os("NO_COLOR").is_none() {
        styled.ansi().to_string()
    } else {
        styled.to_string()
    }
}

pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = lang_asked_for(&args);
    let command = match lang {
        Lang::Zh => help::in_chinese(Cli::command()),
        Lang::En => Cli::command(),
    };
    let parsed = command
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let is_help = matches!(
                e.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            let in_chinese = match lang {
                Lang::Zh if is_help => Some(help::chinese_punctuation(&rendered(&e))),
                Lang::Zh => help::usage_error_in_chinese(&e),
                Lang::En => None,
            };
            match in_chinese {
                Some(told) if e.use_stderr() => eprint!("{told}"),
                // A reader that has gone (`| head`) is no reason for a panic.
                Some(told) => {
                    let _ = std::io::Write::write_all(&mut std::io::stdout(), told.as_bytes());
                }
                None => {
                    let _ = e.print();
                }
            }
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let env = Env::from_cli(&cli);
    let result = match cli.command {
        Some(Command::Check(args)) => check::run(&env, &args),
        Some(Command::List(args)) => list::run(&env, &args),
        Some(Command::Analyse(args)) => analyse::run(&env, &args),
        Some(Command::Graph(args)) => graph::run(&env, &args),
        Some(Command::Play(args)) => play::run(&env, &args),
        Some(Command::Replay(args)) => play::replay(&env, &args),
        Some(Command::Trainee { command }) => records::trainee(&env, &command),
        Some(Command::Cohort { command }) => records::cohort(&env, &command),
        Some(Command::Records { command }) => records::records(&env, &command),
        Some(Command::Info) => info(&env),
        Some(Command::Gui(args)) => gui::run(&env, &args),
        None => gui::run(&env, &gui::Args::default()),
    };
    match result {
        Ok(code) => code,
        // The reader stopped reading (`| head`): what it wanted has been written.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "{}{}",
                terminal::label(env.lang, "错误", "error"),
                in_lang(&e, env.lang)
            );
            ExitCode::from(EXIT_PROBLEM)
        }
    }
}

/// A command's error in both languages; the error line gives it in the chosen one.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.en)]
pub struct Told(pub Text);

pub fn told(zh: impl Into<String>, en: impl Into<String>) -> anyhow::Error {
    Told(Text::new(zh, en)).into()
}

/// Why a scenario's analysis failed, in both languages, naming its file.
pub fn analysis_failed(file: &str, e: &AnalysisError) -> anyhow::Error {
    told(
        format!("{file}：{}", e.message(Lang::Zh)),
        format!("{file}: {e}"),
    )
}

/// The commands that need the catalogue say this when it did not load.
pub fn no_catalogue() -> anyhow::Error {
    told(
        "通用目录没有载入；运行 `complaint-trainer check` 查看详情",
        "the catalogue did not load; run `complaint-trainer check` for details",
    )
}

/// The error's message in `lang` where it has one (a records error met as it is), else as the
/// error tells it.
fn in_lang(e: &anyhow::Error, lang: Lang) -> String {
    let told = format!("{e:#}");
    // Only when no context was added around it, which would be lost.
    let as_is = |inner: &dyn std::fmt::Display| inner.to_string() == told;
    if lang == Lang::En {
        return told;
    }
    if let Some(records) = e.downcast_ref::<RecordsError>().filter(|r| as_is(r)) {
        return records.message(lang);
    }
    if let Some(trainee) = e.downcast_ref::<TraineeError>().filter(|t| as_is(t)) {
        return trainee.message(lang);
    }
    match e.downcast_ref::<Told>().filter(|t| as_is(t)) {
        Some(Told(text)) => text.get(lang).to_string(),
        None => told,
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn info(env: &Env) -> anyhow::Result<ExitCode> {
    let records = env.data_dir.join(crate::records::DB_FILE);
    let lines = [
        (("情景：", "scenarios: "), env.source.describe()),
        (
            ("数据：", "data:      "),
            env.data_dir.display().to_string(),
        ),
        (("记录：", "records:   "), records.display().to_string()),
        (("语言：", "language:  "), env.lang.code().to_string()),
    ];
    say!("complaint-trainer {}", env!("CARGO_PKG_VERSION"));
    for ((zh, en), value) in lines {
        say!("{}{value}", terminal::t(env.lang, zh, en));
    }
    Ok(ExitCode::SUCCESS)
}
