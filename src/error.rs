//! How a command ends when it does not succeed: a typed [`AppError`]. Only `main` turns one into
//! an exit code (README, CLI: 2 bad input, 3 a peer, 4 screenshots differ, 5 a script step,
//! 128 + n a signal). A leaf module: imports nothing of the crate.
//!
//! Must not import: anything of the crate (a leaf).

/// What kind of failure ended the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input: a flag, a file, a configuration, the set-up (exit 2).
    Usage,
    /// A peer (the linking service, the skill, a server) failed or stayed down (exit 3).
    Peer,
    /// Screenshots differ from their goldens (exit 4).
    Check,
    /// A script step failed (exit 5).
    Script,
    /// Stopped by this signal (exit 128 + n).
    Signal(i32),
}

/// A failed command: its kind, and the message still to print (None once said where it
/// happened, so its line stays in order with what followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: Option<String>,
    /// What was said when it was said at once ([`AppError::said`]), for reports (JUnit).
    pub said: Option<String>,
}

impl AppError {
    /// A failure whose message `main` prints.
    pub fn new(kind: ErrorKind, message: impl std::fmt::Display) -> AppError {
        AppError {
            kind,
            message: Some(message.to_string()),
            said: None,
        }
    }

    /// A failure already reported on stderr where it happened.
    pub fn reported(kind: ErrorKind) -> AppError {
        AppError {
            kind,
            message: None,
            said: None,
        }
    }

    /// A failure said now, on stderr (`linkscreen: …`), where it happened.
    pub fn said(kind: ErrorKind, message: impl std::fmt::Display) -> AppError {
        eprintln!("linkscreen: {message}");
        AppError {
            said: Some(message.to_string()),
            ..AppError::reported(kind)
        }
    }
}

/// How every command ends.
pub type Outcome = Result<(), AppError>;
