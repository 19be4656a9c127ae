//! Usage errors: a bad option value or combination, found after clap parsed the flags.

/// A mistake in how precis was called (as opposed to bad input or a failure while running): the
/// binary exits with 2 for it, as clap does for the errors it finds itself.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(String);

impl UsageError {
    /// A usage error with this one-line message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
