//! Writing to stdout without panicking when the reader goes away: `println!`
//! panics on a closed pipe (`switchboard events search x | head`). A closed
//! pipe ends the command with 141, the status a shell gives a process that
//! SIGPIPE stopped, as the standard tools do.

use std::io::Write;

/// Writes `args` to stdout; exits with 141 when stdout is a closed pipe.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

macro_rules! outln {
    () => { $crate::cli::stdout::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::stdout::write(format_args!("{}\n", format_args!($($arg)*))) };
}

macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::stdout::write(format_args!($($arg)*)) };
}
