//! `tonewheel`: the command-line program of the tonewheel music-production engine.
//!
//! Each verb lives in `cmd/`; this file parses arguments, sets up logging and maps outcomes
//! to exit codes: 0 success, 1 bad input or a failed check, 2 internal error.

mod batch;
mod cli;
mod cmd;
mod outcome;

use std::io::IsTerminal;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    init_logging(args.verbose);
    let outcome = match args.command {
        cli::Command::Info(a) => cmd::info::run(&a),
        cli::Command::Convert(a) => cmd::convert::run(&a),
        cli::Command::Render(a) => cmd::render::run(&a),
        cli::Command::Analyze(a) => cmd::analyze::run(&a),
        cli::Command::Library(c) => cmd::library::run(&c),
        cli::Command::Presets(cli::PresetsCommand::List(a)) => cmd::presets::list(&a),
        cli::Command::Presets(cli::PresetsCommand::Validate(a)) => cmd::presets::validate(&a),
        cli::Command::Presets(cli::PresetsCommand::Generate(a)) => cmd::presets::generate(&a),
        cli::Command::Presets(cli::PresetsCommand::Search(a)) => cmd::preset_search::run(&a),
        cli::Command::Generate(a) => cmd::generate::run(&a),
        cli::Command::Modify(a) => cmd::modify::run(&a),
        cli::Command::Session(cli::SessionCommand::Render(a)) => cmd::session::render(&a),
        cli::Command::Export(a) => cmd::session::export(&a),
        cli::Command::Patterns(c) => cmd::patterns::run(&c),
        cli::Command::Serve(a) => cmd::serve::run(&a),
    };
    if args.verbose > 0 {
        if let Some(mb) = outcome::peak_rss_mb() {
            tracing::info!(peak_rss_mb = mb, "peak memory");
        }
    }
    outcome.exit_code()
}

/// Logs go to stderr so stdout stays clean for results (and `--json`).
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TONEWHEEL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
