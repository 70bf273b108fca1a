//! `list`: every scenario with its kind, behaviour type and exact best and worst scores.

use std::process::ExitCode;

use serde::Serialize;

use crate::roleplay::score::round1;

use crate::parallel::map_on_all_cores;
use crate::roleplay::Analysis;
use crate::scenario::Text;

use super::Env;
use super::terminal::{columns, pad, t};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Entry {
    id: String,
    version: u32,
    title: Text,
    summary: Text,
    kind: &'static str,
    persona: String,
    difficulty: u8,
    nodes: usize,
    turns: usize,
    best: f64,
    worst: f64,
    /// Distinct complete paths through the scenario (for the default behaviour type).
    paths: String,
    /// Distinct states the exact analysis explored.
    states: usize,
    endings: Vec<String>,
    file: String,
}

pub fn run(env: &Env, args: &Args) -> anyhow::Result<ExitCode> {
    let library = env.library();
    let Some(catalogue) = &library.catalogue else {
        return Err(super::no_catalogue());
    };
    let analyses = map_on_all_cores(&library.scenarios, |scenario| {
        Analysis::run(scenario.clone(), catalogue.clone(), scenario.persona)
    });
    let mut entries = Vec::new();
    for (scenario, analysis) in library.scenarios.iter().zip(analyses) {
        let analysis = analysis.map_err(|e| super::analysis_failed(&scenario.source, &e))?;
        entries.push(Entry {
            id: scenario.id.clone(),
            version: scenario.version,
            title: scenario.title.clone(),
            summary: scenario.summary.clone(),
            kind: scenario.kind.as_str(),
            persona: catalogue.persona(scenario.persona).id.clone(),
            difficulty: scenario.difficulty,
            nodes: scenario.nodes.len(),
            turns: scenario.turn_count(),
            best: round1(analysis.best_total),
            worst: round1(analysis.worst_total),
            paths: analysis.paths.to_string(),
            states: analysis.state_count(),
            endings: analysis
                .endings
                .iter()
                .map(|&e| scenario.node(e).id.clone())
                .collect(),
            file: scenario.source.clone(),
        });
    }
    if args.json {
        say!("{}", serde_json::to_string_pretty(&entries)?);
    } else {
        let lang = env.lang;
        let rows: Vec<(&Entry, &str, String)> = entries
            .iter()
            .map(|e| {
                let kind = if e.kind == "case" {
                    t(lang, "案例分析", "case study")
                } else {
                    t(lang, "角色演练", "role play")
                };
                let persona = catalogue
                    .persona_by_id(&e.persona)
                    .map(|p| catalogue.persona(p).name.get(lang).to_string())
                    .unwrap_or_default();
                (e, kind, persona)
            })
            .collect();
        // Columns as wide as their widest entry.
        let id_width = rows.iter().map(|r| columns(&r.0.id)).max().unwrap_or(0);
        let kind_width = rows.iter().map(|r| columns(r.1)).max().unwrap_or(0);
        let persona_width = rows.iter().map(|r| columns(&r.2)).max().unwrap_or(0);
        for (e, kind, persona) in &rows {
            say!(
                "{} {} {} {} {:>5.1}  {} {:>5.1}  {}",
                pad(&e.id, id_width),
                pad(kind, kind_width),
                pad(persona, persona_width),
                t(lang, "最高", "best"),
                e.best,
                t(lang, "最低", "worst"),
                e.worst,
                e.title.get(lang)
            );
        }
        if entries.is_empty() {
            say!("{}", t(lang, "没有载入任何情景", "no scenarios loaded"));
        }
    }
    Ok(ExitCode::SUCCESS)
}
