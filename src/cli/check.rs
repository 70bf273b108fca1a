//! `check`: validates scenario files and reports every problem with its position.

use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;

use crate::roleplay::checks::diagnose;
use crate::scenario::{Diagnostic, Lang, Sources, count_en};

use super::{EXIT_PROBLEM, Env};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders to check (default: the bundled scenarios).
    pub paths: Vec<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Give up analysing a scenario past this many states (error CT035).
    #[arg(long, value_name = "N", default_value_t = crate::roleplay::analysis::MAX_STATES)]
    pub max_states: usize,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    files: usize,
    scenarios: usize,
    errors: usize,
    warnings: usize,
    diagnostics: &'a [Diagnostic],
}

pub fn run(env: &Env, args: &Args) -> anyhow::Result<ExitCode> {
    let sources = if args.paths.is_empty() {
        env.sources()
    } else {
        Sources::from_paths(&args.paths, || env.sources().catalogue)
    };
    let (diagnostics, files, scenarios) = diagnose(&sources, args.max_states);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if args.json {
        let report = Report {
            files,
            scenarios,
            errors,
            warnings,
            diagnostics: &diagnostics,
        };
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for d in &diagnostics {
            say!("{}", d.in_lang(env.lang));
        }
        match env.lang {
            Lang::Zh => say!(
                "已检查 {files} 个文件：{scenarios} 个情景可用，{errors} 个错误，{warnings} 个警告"
            ),
            Lang::En => say!(
                "checked {}: {} ready, {}, {}",
                count_en(files, "file", "files"),
                count_en(scenarios, "scenario", "scenarios"),
                count_en(errors, "error", "errors"),
                count_en(warnings, "warning", "warnings")
            ),
        }
    }
    Ok(if errors > 0 {
        ExitCode::from(EXIT_PROBLEM)
    } else {
        ExitCode::SUCCESS
    })
}
