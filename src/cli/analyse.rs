//! `analyse`: the exact analysis of one scenario for every behaviour type.

use std::process::ExitCode;

use serde::Serialize;

use crate::roleplay::score::round1;

use crate::roleplay::Analysis;
use crate::scenario::{Lang, Text};

use super::Env;
use super::play::find_scenario;
use super::terminal::t;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario id (see `list`).
    pub id: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct RangeJson {
    id: String,
    name: Text,
    min: i32,
    max: i32,
}

#[derive(Debug, Serialize)]
struct PersonaJson {
    persona: String,
    default: bool,
    best: f64,
    worst: f64,
    paths: String,
    states: usize,
    endings: Vec<String>,
    timeout_reachable: bool,
    principles: Vec<RangeJson>,
    steps: Vec<RangeJson>,
}

pub fn run(env: &Env, args: &Args) -> anyhow::Result<ExitCode> {
    let library = env.library();
    let Some(catalogue) = library.catalogue.clone() else {
        return Err(super::no_catalogue());
    };
    let scenario = find_scenario(&library, &args.id)?.clone();
    let mut out = Vec::new();
    for (p, persona) in catalogue.personas.iter().enumerate() {
        let a = Analysis::run(scenario.clone(), catalogue.clone(), p as u8).map_err(|e| {
            super::told(
                format!(
                    "{}（按 `{}` 演练）：{}",
                    scenario.id,
                    persona.id,
                    e.message(Lang::Zh)
                ),
                format!("{} as `{}`: {e}", scenario.id, persona.id),
            )
        })?;
        let ranges = |defs: Vec<(&String, &Text)>, ranges: &[crate::roleplay::analysis::Range]| {
            defs.into_iter()
                .zip(ranges)
                .map(|((id, name), r)| RangeJson {
                    id: id.clone(),
                    name: name.clone(),
                    min: r.min,
                    max: r.max,
                })
                .collect::<Vec<_>>()
        };
        out.push(PersonaJson {
            persona: persona.id.clone(),
            default: p as u8 == scenario.persona,
            best: round1(a.best_total),
            worst: round1(a.worst_total),
            paths: a.paths.to_string(),
            states: a.state_count(),
            endings: a
                .endings
                .iter()
                .map(|&e| scenario.node(e).id.clone())
                .collect(),
            timeout_reachable: a.timeout_reachable,
            principles: ranges(
                catalogue
                    .principles
                    .iter()
                    .map(|x| (&x.id, &x.name))
                    .collect(),
                &a.principles,
            ),
            steps: ranges(
                catalogue.steps.iter().map(|x| (&x.id, &x.name)).collect(),
                &a.steps,
            ),
        });
    }
    if args.json {
        say!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    let lang = env.lang;
    say!("{} — {}", scenario.id, scenario.title.get(lang));
    for p in &out {
        let name = catalogue
            .persona_by_id(&p.persona)
            .map(|i| catalogue.persona(i).name.get(lang).to_string())
            .unwrap_or_default();
        let (default, colon, best, worst, paths, states, then) = match lang {
            Lang::Zh => ("（默认）", "：", "最高", "最低", "条路径", "个状态", "，"),
            Lang::En => (" (default)", ": ", "best", "worst", "paths", "states", ", "),
        };
        say!(
            "\n{name}{}{colon}{best} {:.1}{then}{worst} {:.1}{then}{} {paths}{then}{} {states}",
            if p.default { default } else { "" },
            p.best,
            p.worst,
            p.paths,
            p.states
        );
        let mut reached = p.endings.clone();
        if p.timeout_reachable {
            reached.push(t(lang, "轮数上限", "the turn limit").to_string());
        }
        say!(
            "  {}{}",
            t(lang, "可达结局：", "endings reached: "),
            reached.join(t(lang, "、", ", "))
        );
        for r in &p.principles {
            if r.max > r.min {
                say!("  {:>4} … {:>3}  {}", r.min, r.max, r.name.get(lang));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
