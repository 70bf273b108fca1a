//! `list`: every scenario with its kind, behaviour type and exact best and worst scores.

use std::process::ExitCode;

use serde::Serialize;

use crate::roleplay::score::round1;

use crate::parallel::map_on_all_cores;
use crate::roleplay::Analysis;
use crate::scenario::Text;

use super::Env;

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
        anyhow::bail!("the catalogue did not load; run `complaint-trainer check` for details");
    };
    let analyses = map_on_all_cores(&library.scenarios, |scenario| {
        Analysis::run(scenario.clone(), catalogue.clone(), scenario.persona)
    });
    let mut entries = Vec::new();
    for (scenario, analysis) in library.scenarios.iter().zip(analyses) {
        let analysis = analysis.map_err(|e| anyhow::anyhow!("{}: {e}", scenario.source))?;
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
        println!("{}", serde_json::to_string_pretty(&entries)?);
    } else {
        let lang = env.lang;
        for e in &entries {
            let persona = catalogue
                .persona_by_id(&e.persona)
                .map(|p| catalogue.persona(p).name.get(lang).to_string())
                .unwrap_or_default();
            let kind = if e.kind == "case" {
                "case"
            } else {
                "role play"
            };
            println!(
                "{:<24} {:<10} {:<10} best {:>5.1}  worst {:>5.1}  {}",
                e.id,
                kind,
                persona,
                e.best,
                e.worst,
                e.title.get(lang)
            );
        }
        if entries.is_empty() {
            println!("no scenarios loaded");
        }
    }
    Ok(ExitCode::SUCCESS)
}
