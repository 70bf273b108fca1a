//! Entry point: the command line, or the desktop app when no command is given.

fn main() -> std::process::ExitCode {
    complaint_trainer::cli::main()
}
