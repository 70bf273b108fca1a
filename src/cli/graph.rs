//! `graph`: prints a scenario's graph for authors.

use std::process::ExitCode;

use crate::scenario::graph::{GraphFormat, render};

use super::{Env, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario id (see `list`).
    pub id: String,
    /// Graphviz DOT or Mermaid (for Markdown pages).
    #[arg(long, value_enum, default_value = "dot")]
    pub format: Format,
}

pub fn run(env: &Env, args: &Args) -> anyhow::Result<ExitCode> {
    let library = env.library();
    let Some(catalogue) = &library.catalogue else {
        return Err(super::no_catalogue());
    };
    let scenario = super::play::find_scenario(&library, &args.id)?;
    let format = match args.format {
        Format::Dot => GraphFormat::Dot,
        Format::Mermaid => GraphFormat::Mermaid,
    };
    say_inline!("{}", render(scenario, catalogue, format, env.lang));
    Ok(ExitCode::SUCCESS)
}
