//! Opening the output: standard error, or a file rotated by size (and optionally daily) by
//! `rolling-file`, which writes each line whole into one file.

use std::fmt;
use std::io::Write;

use rolling_file::{BasicRollingFileAppender, RollingConditionBasic};
use tracing_subscriber::EnvFilter;

use super::json::JsonLayer;
use super::settings::{LogSettings, Output};
use super::writer::{self, LogGuard, Queue};

/// Why errmon's log output could not be started: the file or its directory cannot be
/// written, or the writer thread could not be spawned.
#[derive(Debug)]
pub struct LogStartError {
    what: String,
    source: std::io::Error,
}

impl fmt::Display for LogStartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The OS error is the source, not repeated here.
        write!(f, "cannot write errmon's log to {}", self.what)
    }
}

impl std::error::Error for LogStartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl LogStartError {
    /// The message with its cause, for errors that have no `source()` of their own.
    pub(crate) fn describe(&self) -> String {
        format!("{self}: {}", self.source)
    }
}

fn open(settings: &LogSettings) -> Result<(Box<dyn Write + Send>, String), LogStartError> {
    match &settings.output {
        Output::File(path) => {
            let what = format!("`{}`", path.display());
            let mut condition = RollingConditionBasic::new().max_size(settings.max_bytes);
            if settings.daily {
                condition = condition.daily();
            }
            // Opened now, so that an unwritable directory is an error at start-up.
            let file = BasicRollingFileAppender::new(path, condition, settings.keep).map_err(
                |source| LogStartError {
                    what: what.clone(),
                    source,
                },
            )?;
            Ok((Box::new(file), what))
        }
        Output::Stderr | Output::Off => Ok((Box::new(std::io::stderr()), "stderr".to_owned())),
    }
}

impl LogSettings {
    /// A [`JsonLayer`] writing to this output, with this profile, and its guard. The level
    /// filter is not applied: it is the subscriber's (see [`LogSettings::filter`]).
    /// `Output::Off` writes to standard error here; leave the layer out instead.
    ///
    /// ```
    /// use errmon_runtime::log::{LogSettings, Output};
    ///
    /// let dir = std::env::temp_dir().join("errmon-doc-layer");
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let (layer, guard) = LogSettings::default().output(Output::File(dir.join("app.log"))).layer()?;
    /// # drop((layer, guard));
    /// let missing = LogSettings::default().output(Output::File("/nonexistent/dir/app.log".into()));
    /// assert!(missing.layer().unwrap_err().to_string().contains("/nonexistent/dir/app.log"));
    /// # Ok::<(), errmon_runtime::log::LogStartError>(())
    /// ```
    pub fn layer(&self) -> Result<(JsonLayer, LogGuard), LogStartError> {
        let (layer, queue) = self.parts()?;
        Ok((layer, LogGuard::new(queue, self.flush_timeout)))
    }

    /// A [`JsonLayer`] writing to this output and the queue to its writer thread.
    pub(crate) fn parts(&self) -> Result<(JsonLayer, Queue), LogStartError> {
        let (sink, what) = open(self)?;
        let queue = writer::start(sink, self.queue, what.clone())
            .map_err(|source| LogStartError { what, source })?;
        Ok((
            JsonLayer {
                queue: queue.clone(),
                profile: self.profile,
            },
            queue,
        ))
    }

    /// The level filter of these settings as an `EnvFilter`.
    pub fn filter(&self) -> EnvFilter {
        // Checked when set; a filter that lets nothing through would hide errors silently.
        EnvFilter::builder()
            .parse(&self.level)
            .unwrap_or_else(|_| EnvFilter::new("info"))
    }
}
