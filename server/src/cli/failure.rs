//! How a client command fails: one `error: …` line per problem on stderr and
//! an exit status a script can tell apart (the README's "CLI" lists them).

use std::process::ExitCode;

/// The input was checked and refused: an incompatible or invalid schema, a
/// catalogue folder with problems (nothing was applied).
pub const REFUSED: u8 = 1;
/// The command line is wrong (clap uses the same status for its own errors).
pub const USAGE: u8 = 2;
/// The portal refused the call or could not be reached.
pub const UNAVAILABLE: u8 = 3;

#[derive(Debug)]
pub struct Failure {
    status: u8,
    lines: Vec<String>,
}

impl Failure {
    pub fn refused(line: impl Into<String>) -> Failure {
        Failure::problems(vec![line.into()])
    }

    /// Several problems found before anything was done.
    pub fn problems(lines: Vec<String>) -> Failure {
        Failure {
            status: REFUSED,
            lines,
        }
    }

    pub fn usage(line: impl Into<String>) -> Failure {
        Failure {
            status: USAGE,
            lines: vec![line.into()],
        }
    }

    pub fn unavailable(line: impl Into<String>) -> Failure {
        Failure {
            status: UNAVAILABLE,
            lines: vec![line.into()],
        }
    }

    /// The portal's answer to a call: its message and the HTTP status.
    pub fn api(message: &str, status: reqwest::StatusCode) -> Failure {
        Failure::unavailable(format!("{} ({status})", message.trim()))
    }

    /// Adds a line after the others (what was done before the failure).
    pub fn with_line(mut self, line: impl Into<String>) -> Failure {
        self.lines.push(line.into());
        self
    }

    /// Prints the lines and gives the exit status.
    pub fn report(self) -> ExitCode {
        for line in &self.lines {
            // One line each, whatever the message held.
            eprintln!("error: {}", line.replace(['\n', '\r'], " "));
        }
        ExitCode::from(self.status)
    }
}
