//! `gui`: opens the desktop app (also what runs with no subcommand), optionally scripted.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Env;
use super::play::ModeArg;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AutoStrategy {
    Best,
    Worst,
}

#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Drive the app through sign-in, a whole attempt at this scenario and the debrief, then exit.
    #[arg(long, value_name = "ID")]
    pub autoplay: Option<String>,
    /// Which replies the scripted run picks.
    #[arg(long, value_enum, default_value = "best", requires = "autoplay")]
    pub strategy: Option<AutoStrategy>,
    /// Save a PNG of each screen of the scripted run here.
    #[arg(long, value_name = "DIR", requires = "autoplay")]
    pub screenshot_dir: Option<PathBuf>,
    /// The behaviour type for the scripted run (default: the scenario's own).
    #[arg(long, value_name = "TYPE", requires = "autoplay")]
    pub persona: Option<String>,
    /// Practice or assessment, for the scripted run.
    #[arg(long, value_enum, default_value = "practice", requires = "autoplay")]
    pub mode: Option<ModeArg>,
    /// Seed for the scripted run's line variants and reply order.
    #[arg(long, default_value_t = 1, requires = "autoplay")]
    pub seed: u64,
    /// Reload scenario files when they change (default: on in development builds).
    #[arg(long, overrides_with = "no_watch")]
    pub watch: bool,
    #[arg(long, overrides_with = "watch", hide = true)]
    pub no_watch: bool,
}

#[cfg(feature = "gui")]
pub fn run(env: &Env, args: &Args) -> anyhow::Result<ExitCode> {
    use crate::app::{AppOptions, AutoplayOptions, Strategy};
    use crate::roleplay::Mode;

    let autoplay = args.autoplay.as_ref().map(|id| AutoplayOptions {
        scenario: id.clone(),
        strategy: match args.strategy {
            Some(AutoStrategy::Worst) => Strategy::Worst,
            _ => Strategy::Best,
        },
        persona: args.persona.clone(),
        mode: match args.mode {
            Some(ModeArg::Assessment) => Mode::Assessment,
            _ => Mode::Practice,
        },
        seed: args.seed,
        screenshot_dir: args.screenshot_dir.clone(),
    });
    // Development builds watch scenario files unless told not to.
    let watch = args.watch || (!args.no_watch && cfg!(debug_assertions));
    Ok(crate::app::run(AppOptions {
        data_dir: env.data_dir.clone(),
        source: env.source.clone(),
        lang: env.lang_override,
        autoplay,
        watch,
    }))
}

#[cfg(not(feature = "gui"))]
pub fn run(_env: &Env, _args: &Args) -> anyhow::Result<ExitCode> {
    eprintln!(
        "This build has no desktop app (it was built without the `gui` feature). \
         `complaint-trainer --help` lists the terminal commands."
    );
    Ok(ExitCode::from(super::EXIT_USAGE))
}
