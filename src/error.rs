//! Typed errors of the library. The binary turns them into friendly messages and exit codes:
//! [`Error::Input`] (bad scenario or command-line input) exits with 2, everything else with 1.

use std::fmt;
use std::path::PathBuf;

/// Where a value came from: a position in a scenario file, or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A position in a file; line and column are 1-based.
    File {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    /// A `--set key=value` option on the command line.
    CommandLine { option: String },
    /// Another command-line argument or option (e.g. `--metrics`, a run folder).
    Argument { name: String },
    /// A built-in default (no file).
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line, column } => {
                write!(f, "{}:{}:{}", path.display(), line, column)
            }
            Origin::CommandLine { option } => {
                write!(f, "command line `--set {}`", shorten(option, 200))
            }
            Origin::Argument { name } => write!(f, "command line `{name}`"),
            Origin::Default => write!(f, "built-in default"),
        }
    }
}

/// `text` cut to at most `max` characters (with "…" where cut), for messages that echo input.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// A problem with user input: names where (file, line, column or the `--set` option), which key,
/// what was expected and what was found.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub origin: Origin,
    /// Dotted key path, e.g. `regions.us.construction_months`; empty for whole-file problems.
    pub key: String,
    pub expected: String,
    pub found: String,
    /// Optional extra help, e.g. "did you mean `capex_usd_bn_per_kwspm`?".
    pub hint: Option<String>,
}

impl InputError {
    pub fn new(
        origin: Origin,
        key: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        InputError {
            origin,
            key: key.into(),
            expected: expected.into(),
            found: found.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.origin)?;
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        write!(f, "expected {}, found {}", self.expected, self.found)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the user (scenario file, `--set`, command-line values). Exit code 2.
    #[error("{0}")]
    Input(Box<InputError>),
    /// Several input problems found at once (validation reports all it can). Exit code 2.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Inputs(Vec<InputError>),
    /// Reading or writing a file failed. Exit code 1.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Writing CSV failed. Exit code 1.
    #[error("writing CSV {context}: {source}")]
    Csv {
        context: String,
        #[source]
        source: csv::Error,
    },
    /// An internal invariant was violated: a bug, reported with what is needed to reproduce it.
    #[error("internal invariant violated (a bug, please report): {0}")]
    Invariant(String),
    /// The run was stopped by a signal (SIGINT, SIGTERM, SIGHUP); nothing was left behind.
    /// Exit code 130.
    #[error("interrupted: the run was stopped and its partial results removed")]
    Interrupted,
    /// Anything else that is not the user's input (e.g. chart rendering). Exit code 1.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// True when the error is the user's input (exit code 2).
    pub fn is_input(&self) -> bool {
        matches!(self, Error::Input(_) | Error::Inputs(_))
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(Box::new(e))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
