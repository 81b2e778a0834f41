//! What a verb reports back to `main`: success, bad input, or an internal failure.

use std::process::ExitCode;

/// The result of running a verb, mapped to the documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything succeeded: exit 0.
    Success,
    /// At least one input was bad or a check failed (messages already printed): exit 1.
    InputError,
    /// Something failed that is not the input's fault: exit 2.
    InternalError,
}

impl Outcome {
    /// Combines per-item outcomes: the worst one wins.
    pub fn worst(self, other: Outcome) -> Outcome {
        use Outcome::*;
        match (self, other) {
            (InternalError, _) | (_, InternalError) => InternalError,
            (InputError, _) | (_, InputError) => InputError,
            _ => Success,
        }
    }

    /// The process exit code.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::InputError => ExitCode::from(1),
            Outcome::InternalError => ExitCode::from(2),
        }
    }

    /// Classifies an audio error: the input's fault (1) or ours/the system's (2).
    pub fn of_audio_error(e: &tonewheel_audio::AudioError) -> Outcome {
        if e.is_input_error() {
            Outcome::InputError
        } else {
            Outcome::InternalError
        }
    }
}

/// Peak resident memory of this process in MB (Linux `VmHWM`); `None` elsewhere.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Prints one line of results on stdout. When the reader has gone away (`tonewheel ... |
/// head`), the process ends quietly with the outcome so far instead of panicking.
pub fn emit(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}") {
        let code = if e.kind() == std::io::ErrorKind::BrokenPipe {
            0
        } else {
            2
        };
        std::process::exit(code);
    }
}
