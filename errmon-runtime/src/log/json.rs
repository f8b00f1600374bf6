//! [`JsonLayer`]: every event as one JSON line with the request context current where it was
//! emitted, queued to the writer thread.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer};

use super::event::{escaped, escaped_inner};
use super::settings::Profile;
use super::writer::Queue;
use crate::context;

/// errmon's fields whose value is JSON already (an array, an object): written as is in
/// errmon's lines, as a string by other formatters.
const RAW_JSON: [&str; 2] = ["error.chain", "fields"];

/// A `tracing_subscriber` layer that writes every event it sees (the application's and
/// errmon's) as one JSON line, with the request id, user id and fields of the
/// [context](crate::context) current where the event was emitted. Made by
/// [`layer`](super::layer) or [`LogSettings::layer`](super::LogSettings::layer); it sits
/// beside the application's own layers.
pub struct JsonLayer {
    pub(crate) queue: Queue,
    pub(crate) profile: Profile,
}

impl fmt::Debug for JsonLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonLayer")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

struct Line {
    out: String,
    /// Whether raw JSON values may be trusted: the event comes from errmon itself.
    own: bool,
    has_request: bool,
    has_fields: bool,
}

impl Line {
    fn key(&mut self, name: &str) {
        self.out.push(',');
        let _ = escaped(&mut self.out, name);
        self.out.push(':');
    }
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.note(field.name());
        self.key(field.name());
        let _ = escaped(&mut self.out, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        self.note(name);
        self.key(name);
        if self.own && RAW_JSON.contains(&name) {
            let _ = write!(self.out, "{value:?}");
        } else {
            // Escaped as it is formatted, without a string of its own.
            self.out.push('"');
            let _ = write!(Escaping(&mut self.out), "{value:?}");
            self.out.push('"');
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.note(field.name());
        self.key(field.name());
        let _ = write!(self.out, "{value}");
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.note(field.name());
        self.key(field.name());
        let _ = write!(self.out, "{value}");
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.note(field.name());
        self.key(field.name());
        if value.is_finite() {
            let _ = write!(self.out, "{value}");
        } else {
            self.out.push_str("null");
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.note(field.name());
        self.key(field.name());
        self.out.push_str(if value { "true" } else { "false" });
    }
}

/// Writes what is formatted into it as the inside of a JSON string.
struct Escaping<'a>(&'a mut String);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escaped_inner(self.0, s)
    }
}

impl Line {
    fn note(&mut self, name: &str) {
        self.has_request |= name == "request_id";
        self.has_fields |= name == "fields";
    }
}

fn level_name(level: Level, lower: bool) -> &'static str {
    match (level, lower) {
        (Level::ERROR, false) => "ERROR",
        (Level::WARN, false) => "WARN",
        (Level::INFO, false) => "INFO",
        (Level::DEBUG, false) => "DEBUG",
        (Level::TRACE, false) => "TRACE",
        (Level::ERROR, true) => "error",
        (Level::WARN, true) => "warn",
        (Level::INFO, true) => "info",
        (Level::DEBUG, true) => "debug",
        (Level::TRACE, true) => "trace",
    }
}

/// Cloud Logging's `severity` values.
fn gcp_severity(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG | Level::TRACE => "DEBUG",
    }
}

impl JsonLayer {
    /// The line of `event`, ending in `\n`.
    pub(crate) fn format(&self, event: &Event<'_>) -> String {
        let meta = event.metadata();
        let now = crate::common::time::unix_ms(std::time::SystemTime::now());
        let (time_key, level_key, level, target_key) = match self.profile {
            Profile::Errmon => (
                "timestamp",
                "level",
                level_name(*meta.level(), false),
                "target",
            ),
            Profile::Gcp => ("time", "severity", gcp_severity(*meta.level()), "target"),
            Profile::Ecs => (
                "@timestamp",
                "log.level",
                level_name(*meta.level(), true),
                "log.logger",
            ),
        };
        let mut out = String::with_capacity(512);
        out.push('{');
        let _ = escaped(&mut out, time_key);
        out.push(':');
        let _ = escaped(&mut out, &crate::common::time::format_rfc3339(now));
        out.push(',');
        let _ = escaped(&mut out, level_key);
        out.push(':');
        let _ = escaped(&mut out, level);
        out.push(',');
        let _ = escaped(&mut out, target_key);
        out.push(':');
        let _ = escaped(&mut out, meta.target());
        let fields_at = out.len();
        let mut line = Line {
            out,
            own: meta.target() == super::TARGET
                && meta
                    .module_path()
                    .is_some_and(|m| m.starts_with("errmon_runtime")),
            has_request: false,
            has_fields: false,
        };
        // The message is a field like the others, first in tracing's events.
        event.record(&mut line);
        let mut out = line.out;
        let ctx = context::current();
        if let Some(c) = &ctx {
            if !line.has_request {
                out.push_str(",\"request_id\":");
                let _ = escaped(&mut out, c.request_id());
                if let Some(u) = c.user_id() {
                    out.push_str(",\"user_id\":");
                    let _ = escaped(&mut out, u);
                }
            }
            if !line.has_fields && c.fields().next().is_some() {
                out.push_str(",\"fields\":{");
                for (i, (k, v)) in c.fields().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = escaped(&mut out, k);
                    out.push(':');
                    let _ = escaped(&mut out, v);
                }
                out.push('}');
            }
        }
        if self.profile == Profile::Gcp {
            let request = request_id_of(&out[fields_at..])
                .map(str::to_owned)
                .or(ctx.as_ref().map(|c| c.request_id().to_owned()));
            if let Some(id) = request {
                out.push_str(",\"logging.googleapis.com/trace\":");
                let _ = escaped(&mut out, &id);
            }
        }
        out.push_str("}\n");
        out
    }
}

/// The event's own `request_id` value, found in its formatted fields.
fn request_id_of(fields: &str) -> Option<&str> {
    let at = fields.find(",\"request_id\":\"")? + ",\"request_id\":\"".len();
    let rest = &fields[at..];
    // Request ids are `[A-Za-z0-9._-]`, never escaped; one that is gets no trace key.
    let end = rest.find(['"', '\\'])?;
    (rest.as_bytes().get(end) == Some(&b'"')).then(|| &rest[..end])
}

impl<S: Subscriber> Layer<S> for JsonLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: LayerContext<'_, S>) {
        self.queue.send(self.format(event).into_bytes());
    }
}
