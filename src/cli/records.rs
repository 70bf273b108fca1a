//! `trainee`, `cohort` and `records`: managing trainees, exports, LRS sync, and checks.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use rand::SeedableRng;
use serde::Serialize;

use crate::records::export::{ExportFormat, ExportRequest, Names, export_to_file};
use crate::records::generate::{Templates, add_trainees};
use crate::records::sync::{LrsConfig, sync_once};
use crate::records::time::{Date, Zone, now_secs};
use crate::records::{Cohort, Db, Filter, Trainee, password};
use crate::roleplay::Mode;

use super::terminal::{label, t};
use super::{EXIT_PROBLEM, Env, told};
use crate::scenario::{Lang, count_en};

#[derive(Debug, clap::Subcommand)]
pub enum TraineeCommand {
    /// Register a trainee; prints the new trainee's id.
    Add {
        // Names may start with "-" (and "=", "@"): they are data, not options.
        /// The trainee's name, as shown at sign-in.
        #[arg(long, allow_hyphen_values = true)]
        name: String,
        /// The employee number (unique when given).
        #[arg(long, value_name = "ID", allow_hyphen_values = true)]
        employee_id: Option<String>,
        /// The dealership or site.
        #[arg(long, allow_hyphen_values = true)]
        site: Option<String>,
        /// The cohort's name or id (a new name creates the cohort).
        #[arg(long, value_name = "C")]
        cohort: Option<String>,
    },
    /// List trainees.
    List {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
        /// Include archived trainees.
        #[arg(long)]
        all: bool,
    },
    /// Change a trainee's name.
    Rename {
        /// Id, employee number or unique name.
        trainee: String,
        /// The new name.
        #[arg(long, allow_hyphen_values = true)]
        name: String,
    },
    /// Hide a trainee from sign-in; their records stay.
    Archive {
        /// Id, employee number or unique name.
        trainee: String,
    },
    /// Bring an archived trainee back.
    Unarchive {
        /// Id, employee number or unique name.
        trainee: String,
    },
    /// Move a trainee to a cohort (name or id; "" for none).
    Move {
        /// Id, employee number or unique name.
        trainee: String,
        /// The cohort's name or id; "" takes the trainee out of any.
        #[arg(long)]
        cohort: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum CohortCommand {
    /// Create a cohort; prints its id.
    Add {
        /// The cohort's name, e.g. "2026 spring service advisors".
        #[arg(long)]
        name: String,
        /// Who trains it.
        #[arg(long)]
        trainer: Option<String>,
        /// First day, YYYY-MM-DD.
        #[arg(long, value_parser = parse_date)]
        starts: Option<Date>,
        /// Last day, YYYY-MM-DD.
        #[arg(long, value_parser = parse_date)]
        ends: Option<Date>,
    },
    /// List cohorts.
    List {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormatArg {
    Csv,
    Xapi,
    Html,
}

#[derive(Debug, clap::Subcommand)]
pub enum RecordsCommand {
    /// Export attempts as CSV, xAPI statements (JSON) or a printable HTML report.
    Export(ExportArgs),
    /// Send queued statements to the LRS now.
    Sync {
        /// Seconds to wait for the LRS on each request.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
    /// Set up, show or forget the Learning Record Store.
    Lrs {
        #[command(subcommand)]
        command: LrsCommand,
    },
    /// Check the records file's integrity and count what it holds.
    Check,
    /// Fill the records with generated attempts (for trying out the dashboard and for tests).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

#[derive(Debug, clap::Subcommand)]
pub enum LrsCommand {
    /// Set the endpoint and credentials; the password is read from the environment variable
    /// COMPLAINT_TRAINER_LRS_PASSWORD or, if unset, from the first line of standard input.
    Set {
        /// The xAPI endpoint, e.g. https://lrs.example.com/xAPI/
        #[arg(long)]
        endpoint: String,
        /// The LRS account's user name.
        #[arg(long)]
        username: String,
        /// The organisation's home page, for trainees' accounts and activity ids.
        #[arg(long, value_name = "URL")]
        home_page: String,
    },
    /// Show the LRS settings (not the password) and the queue.
    Show,
    /// Forget the LRS; queued statements stay for when one is set again.
    Clear,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// CSV for spreadsheets, xAPI statements (JSON), or an HTML report to print.
    #[arg(long, value_enum)]
    pub format: ExportFormatArg,
    /// Only this cohort (name or id).
    #[arg(long, value_name = "C")]
    pub cohort: Option<String>,
    /// Only this trainee (id, employee number or unique name); HTML gives a trainee report.
    #[arg(long, value_name = "T")]
    pub trainee: Option<String>,
    /// Only attempts that ended on or after this day (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<Date>,
    /// Only attempts that ended before this day.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<Date>,
    /// Only this scenario (its id, see `list`).
    #[arg(long, value_name = "ID")]
    pub scenario: Option<String>,
    /// Only practice or only assessment attempts.
    #[arg(long, value_enum)]
    pub mode: Option<super::play::ModeArg>,
    /// For xAPI: the organisation's home page (default: the LRS settings', else http://localhost).
    #[arg(long, value_name = "URL")]
    pub home_page: Option<String>,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// How many attempts to generate.
    #[arg(long, default_value_t = 1000)]
    pub attempts: usize,
    /// How many trainees to register for them.
    #[arg(long, default_value_t = 20)]
    pub trainees: usize,
    /// How many cohorts to spread the trainees over.
    #[arg(long, default_value_t = 2)]
    pub cohorts: usize,
    /// Only these scenarios (default: all).
    #[arg(long, value_delimiter = ',')]
    pub scenario: Vec<String>,
    /// Attempts per transaction; 1 records each attempt as the app does.
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Print each attempt's id once it is safely saved.
    #[arg(long)]
    pub print_ids: bool,
    /// The same seed generates the same records.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date; use YYYY-MM-DD, e.g. 2026-11-23"))
}

fn open(env: &Env) -> anyhow::Result<Db> {
    Ok(Db::open_dir(&env.data_dir)?)
}

/// Exports and settings that show everyone's records ask for the trainer password once one
/// is set: from COMPLAINT_TRAINER_PASSWORD, or typed on the first line of standard input.
fn require_trainer(db: &Db, lang: Lang) -> anyhow::Result<()> {
    if !password::is_set(db)? {
        return Ok(());
    }
    let typed = match std::env::var("COMPLAINT_TRAINER_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let typed = prompt_line(t(lang, "培训师密码：", "trainer password: "))?;
            if typed.is_empty() {
                // Nothing typed (or no terminal to type in): say how to give it.
                return Err(told(
                    "需要培训师密码：请在提示处输入，或设置环境变量 COMPLAINT_TRAINER_PASSWORD",
                    "the trainer password is needed: type it at the prompt, or set COMPLAINT_TRAINER_PASSWORD",
                ));
            }
            typed
        }
    };
    password::verify(db, &typed).map_err(|e| told(e.message_zh(), e.to_string()))
}

#[derive(Debug, Serialize)]
struct TraineeJson<'a> {
    id: i64,
    name: &'a str,
    employee_id: &'a str,
    site: &'a str,
    cohort: &'a str,
    archived: bool,
}

pub fn trainee(env: &Env, command: &TraineeCommand) -> anyhow::Result<ExitCode> {
    let db = open(env)?;
    match command {
        TraineeCommand::Add {
            name,
            employee_id,
            site,
            cohort,
        } => {
            let cohort = match cohort {
                // An id names an existing cohort; anything else is a name.
                Some(c) => db
                    .find_cohort(c)
                    .map_or_else(|_| c.clone(), |found| found.name),
                None => String::new(),
            };
            let t = db.add_trainee(&Trainee {
                name: name.clone(),
                employee_no: employee_id.clone().unwrap_or_default(),
                site: site.clone().unwrap_or_default(),
                cohort,
                ..Trainee::default()
            })?;
            say!("{}", t.id);
        }
        TraineeCommand::List { json, all } => {
            let trainees = db.trainees(*all)?;
            if *json {
                let rows: Vec<TraineeJson> = trainees
                    .iter()
                    .map(|t| TraineeJson {
                        id: t.id,
                        name: &t.name,
                        employee_id: &t.employee_no,
                        site: &t.site,
                        cohort: &t.cohort,
                        archived: t.archived,
                    })
                    .collect();
                say!("{}", serde_json::to_string_pretty(&rows)?);
            } else if trainees.is_empty() {
                say!(
                    "{}",
                    t(
                        env.lang,
                        "（还没有学员；用 `complaint-trainer trainee add --name 姓名` 登记）",
                        "(no trainees yet; `complaint-trainer trainee add --name NAME` registers one)"
                    )
                );
            } else {
                for trainee in &trainees {
                    say!(
                        "{:>5}  {}  {}  {}  {}{}",
                        trainee.id,
                        trainee.name,
                        or_dash(&trainee.employee_no),
                        or_dash(&trainee.site),
                        or_dash(&trainee.cohort),
                        if trainee.archived {
                            t(env.lang, "  （已归档）", "  (archived)")
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        TraineeCommand::Rename { trainee, name } => {
            let t = db.find_trainee(trainee)?;
            let t = db.rename_trainee(t.id, name)?;
            match env.lang {
                Lang::Zh => say!("{} 现在叫 {}", t.id, t.name),
                Lang::En => say!("{} is now {}", t.id, t.name),
            }
        }
        TraineeCommand::Archive { trainee } | TraineeCommand::Unarchive { trainee } => {
            let archive = matches!(command, TraineeCommand::Archive { .. });
            let t = db.find_trainee(trainee)?;
            let t = db.set_archived(t.id, archive)?;
            let done = match (env.lang, archive) {
                (Lang::Zh, true) => "已归档",
                (Lang::Zh, false) => "已从归档中恢复",
                (Lang::En, true) => "archived",
                (Lang::En, false) => "back from the archive",
            };
            say!("{} {done}", t.label());
        }
        TraineeCommand::Move { trainee, cohort } => {
            let t = db.find_trainee(trainee)?;
            let name = if cohort.trim().is_empty() {
                String::new()
            } else {
                db.find_cohort(cohort)
                    .map_or_else(|_| cohort.clone(), |c| c.name)
            };
            let t = db.set_cohort(t.id, &name)?;
            say!("{} → {}", t.label(), or_dash(&t.cohort));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

pub fn cohort(env: &Env, command: &CohortCommand) -> anyhow::Result<ExitCode> {
    let db = open(env)?;
    match command {
        CohortCommand::Add {
            name,
            trainer,
            starts,
            ends,
        } => {
            let c = db.add_cohort(&Cohort {
                id: 0,
                name: name.clone(),
                trainer: trainer.clone().unwrap_or_default(),
                starts: *starts,
                ends: *ends,
            })?;
            say!("{}", c.id);
        }
        CohortCommand::List { json } => {
            let cohorts = db.cohorts()?;
            if *json {
                say!("{}", serde_json::to_string_pretty(&cohorts)?);
            } else if cohorts.is_empty() {
                say!(
                    "{}",
                    t(
                        env.lang,
                        "（还没有班级；用 `complaint-trainer cohort add --name 名称` 建立）",
                        "(no cohorts yet; `complaint-trainer cohort add --name NAME` creates one)"
                    )
                );
            } else {
                for c in &cohorts {
                    let dates = match (c.starts, c.ends) {
                        (Some(s), Some(e)) => format!("{s} – {e}"),
                        (Some(s), None) => format!("from {s}"),
                        (None, Some(e)) => format!("until {e}"),
                        (None, None) => "-".into(),
                    };
                    say!(
                        "{:>5}  {}  {}  {}",
                        c.id,
                        c.name,
                        or_dash(&c.trainer),
                        dates
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn records(env: &Env, command: &RecordsCommand) -> anyhow::Result<ExitCode> {
    match command {
        RecordsCommand::Export(args) => export(env, args),
        RecordsCommand::Sync { timeout } => sync(env, Duration::from_secs(*timeout)),
        RecordsCommand::Lrs { command } => lrs(env, command),
        RecordsCommand::Check => check(env),
        RecordsCommand::Generate(args) => generate(env, args),
    }
}

fn export(env: &Env, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let db = open(env)?;
    require_trainer(&db, env.lang)?;
    // Days are local ones, as the report's times are.
    let zone = Zone::local();
    let mut filter = Filter {
        since: args.since.map(|d| zone.day_start(d)),
        until: args.until.map(|d| zone.day_start(d)),
        scenario: args.scenario.clone(),
        mode: args.mode.map(|m| match m {
            super::play::ModeArg::Practice => Mode::Practice,
            super::play::ModeArg::Assessment => Mode::Assessment,
        }),
        ..Filter::default()
    };
    if let Some(c) = &args.cohort {
        filter.cohort = Some(db.find_cohort(c)?.id);
    }
    if let Some(t) = &args.trainee {
        filter.trainee = Some(db.find_trainee(t)?.id);
    }
    let names = Names::of(&env.library());
    let home_page = match &args.home_page {
        Some(h) => h.clone(),
        None => db
            .lrs_config()?
            .map_or_else(|| "http://localhost".to_string(), |c| c.home_page),
    };
    let format = match args.format {
        ExportFormatArg::Csv => ExportFormat::Csv,
        ExportFormatArg::Xapi => ExportFormat::Xapi,
        ExportFormatArg::Html => ExportFormat::Html,
    };
    let request = ExportRequest {
        format,
        filter,
        names: &names,
        lang: env.lang,
        home_page,
        generated_at: now_secs(),
        zone,
    };
    let started = std::time::Instant::now();
    let count = export_to_file(&db, &request, &args.out)?;
    let (out, seconds) = (args.out.display(), started.elapsed().as_secs_f64());
    let (zh, en) = match format {
        ExportFormat::Csv => ("次演练", "attempts"),
        ExportFormat::Xapi => ("条语句", "statements"),
        ExportFormat::Html => ("份报告", "report"),
    };
    match env.lang {
        Lang::Zh => eprintln!("已把 {count} {zh}写入 {out}，用时 {seconds:.2} 秒"),
        Lang::En => eprintln!("wrote {count} {en} to {out} in {seconds:.2} s"),
    }
    Ok(ExitCode::SUCCESS)
}

fn read_secret(variable: &str, prompt: &str) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var(variable) {
        return Ok(p);
    }
    Ok(prompt_line(prompt)?)
}

/// Asks on standard error and reads one line from standard input, without its line ending.
fn prompt_line(prompt: &str) -> std::io::Result<String> {
    eprint!("{prompt}");
    let mut line = String::new();
    let stdin = std::io::stdin();
    stdin.lock().read_line(&mut line)?;
    // A terminal echoes the Enter; piped input leaves the prompt's line open.
    if !stdin.is_terminal() {
        eprintln!();
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn lrs(env: &Env, command: &LrsCommand) -> anyhow::Result<ExitCode> {
    let db = open(env)?;
    require_trainer(&db, env.lang)?;
    match command {
        LrsCommand::Set {
            endpoint,
            username,
            home_page,
        } => {
            let config = LrsConfig {
                endpoint: endpoint.trim().to_string(),
                username: username.trim().to_string(),
                password: read_secret(
                    "COMPLAINT_TRAINER_LRS_PASSWORD",
                    t(env.lang, "LRS 密码：", "LRS password: "),
                )?,
                home_page: home_page.trim().to_string(),
            };
            config.check().map_err(|why| told(why.zh, why.en))?;
            let queued = db.set_lrs_config(Some(&config))?;
            match env.lang {
                Lang::Zh => say!(
                    "已设置 LRS：{}；此前的演练有 {queued} 条语句在排队",
                    config.endpoint
                ),
                Lang::En => say!(
                    "LRS set: {}; {} queued from earlier attempts",
                    config.endpoint,
                    count_en(queued, "statement", "statements")
                ),
            }
        }
        LrsCommand::Show => match db.lrs_config()? {
            Some(c) => {
                let (waiting, sent, error) = db.outbox_status()?;
                let (c_endpoint, c_user, c_home) = (&c.endpoint, &c.username, &c.home_page);
                match env.lang {
                    Lang::Zh => {
                        say!("地址：    {c_endpoint}\n用户名：  {c_user}\n主页：    {c_home}");
                        say!("排队中：  {waiting}\n已发送：  {sent}");
                    }
                    Lang::En => {
                        say!("endpoint:  {c_endpoint}\nusername:  {c_user}\nhome page: {c_home}");
                        say!("queued:    {waiting}\nsent:      {sent}");
                    }
                }
                if let Some(e) = error {
                    say!("{}{e}", label(env.lang, "最近的错误", "last error"));
                }
            }
            None => say!(
                "{}",
                t(
                    env.lang,
                    "还没有设置 LRS；用 `complaint-trainer records lrs set` 设置",
                    "no LRS is set up; `complaint-trainer records lrs set` sets one"
                )
            ),
        },
        LrsCommand::Clear => {
            db.set_lrs_config(None)?;
            say!(
                "{}",
                t(
                    env.lang,
                    "已清除 LRS 设置；排队的语句保留",
                    "LRS forgotten; queued statements are kept"
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn sync(env: &Env, timeout: Duration) -> anyhow::Result<ExitCode> {
    let db = open(env)?;
    let Some(config) = db.lrs_config()? else {
        return Err(told(
            "还没有设置 LRS；用 `complaint-trainer records lrs set --endpoint URL --username U --home-page URL` 设置",
            "no LRS is set up; `complaint-trainer records lrs set --endpoint URL --username U --home-page URL` sets one",
        ));
    };
    let report = sync_once(&db, &config, timeout, true)?;
    let (sent, there, failed, waiting) = (
        report.sent,
        report.already_there,
        report.failed,
        report.waiting,
    );
    match env.lang {
        Lang::Zh => say!("已发送 {sent}，存储中已有 {there}，失败 {failed}，仍在排队 {waiting}"),
        Lang::En => say!(
            "sent {sent}, already in the store {there}, failed {failed}, still queued {waiting}"
        ),
    }
    if let Some(e) = &report.last_error {
        eprintln!("{}{e}", label(env.lang, "最近的错误", "last error"));
    }
    Ok(if report.failed > 0 {
        ExitCode::from(EXIT_PROBLEM)
    } else {
        ExitCode::SUCCESS
    })
}

fn check(env: &Env) -> anyhow::Result<ExitCode> {
    let db = open(env)?;
    db.integrity_check()?;
    let (waiting, sent, _) = db.outbox_status()?;
    let (trainees, cohorts, attempts) = (
        db.trainees(true)?.len(),
        db.cohorts()?.len(),
        db.attempt_count()?,
    );
    match env.lang {
        Lang::Zh => say!(
            "完好：{trainees} 位学员，{cohorts} 个班级，{attempts} 次演练，{waiting} 条语句在排队，{sent} 条已发送"
        ),
        Lang::En => say!(
            "ok: {}, {}, {}, {} queued, {sent} sent",
            count_en(trainees, "trainee", "trainees"),
            count_en(cohorts, "cohort", "cohorts"),
            count_en(attempts, "attempt", "attempts"),
            count_en(waiting, "statement", "statements")
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn generate(env: &Env, args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let db = open(env)?;
    let library = env.library();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.seed);
    let templates = Templates::play(
        &library,
        &args.scenario,
        args.scenario.is_empty(),
        8,
        args.seed,
    )?;
    let trainees = add_trainees(&db, args.trainees.max(1), args.cohorts, &mut rng)?;
    let now = now_secs();
    let year = 365 * 86_400;
    let mut stdout = std::io::stdout().lock();
    let mut batch = Vec::with_capacity(args.batch.max(1));
    for i in 0..args.attempts {
        let ended = now - year + rand::Rng::random_range(&mut rng, 0..year);
        batch.push(templates.attempt(&mut rng, trainees[i % trainees.len()], ended));
        if batch.len() >= args.batch.max(1) || i + 1 == args.attempts {
            if batch.len() == 1 {
                db.save_attempt(&batch[0])?;
            } else {
                db.save_attempts_batch(&batch)?;
            }
            if args.print_ids {
                for r in &batch {
                    writeln!(stdout, "saved {}", r.id)?;
                }
                stdout.flush()?;
            }
            batch.clear();
        }
    }
    eprintln!(
        "generated {} for {}",
        count_en(args.attempts, "attempt", "attempts"),
        count_en(trainees.len(), "trainee", "trainees")
    );
    Ok(ExitCode::SUCCESS)
}
