//! [`ConfigError`]: a configuration value that cannot be used.

use std::fmt;

/// A configuration value that cannot be used; the message names the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A `ConfigError` is the whole story: it has no underlying cause, so `source()` is `None`.
impl std::error::Error for ConfigError {}
