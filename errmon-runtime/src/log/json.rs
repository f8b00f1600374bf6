//! [`JsonLayer`]: every event as one JSON line, written through `serde_json`, with the request
//! context current where it was emitted, queued to the writer thread.

use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer};

use super::settings::Profile;
use super::writer::Queue;
use crate::common::time::{format_rfc3339, unix_ms};
use crate::context::{self, Context};

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

/// One event's line. Its keys, in this order: the time, the level and the target (named by
/// the profile); the event's fields as tracing records them (the message first); the
/// context's `request_id` and `user_id` unless the event has its own `request_id`, and its
/// `fields` unless the event has its own; for Cloud Logging, the trace key.
struct Line<'a> {
    event: &'a Event<'a>,
    profile: Profile,
    now_ms: u64,
    ctx: Option<&'a Context>,
}

impl Serialize for Line<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let meta = self.event.metadata();
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
        let mut map = s.serialize_map(None)?;
        map.serialize_entry(time_key, &format_rfc3339(self.now_ms))?;
        map.serialize_entry(level_key, level)?;
        map.serialize_entry(target_key, meta.target())?;
        let mut fields = Fields {
            map: &mut map,
            own: meta.target() == super::TARGET
                && meta
                    .module_path()
                    .is_some_and(|m| m.starts_with("errmon_runtime")),
            gcp: self.profile == Profile::Gcp,
            has_request: false,
            has_fields: false,
            trace: None,
            error: None,
        };
        self.event.record(&mut fields);
        let Fields {
            has_request,
            has_fields,
            trace,
            error,
            ..
        } = fields;
        if let Some(e) = error {
            return Err(e);
        }
        if let Some(c) = self.ctx {
            if !has_request {
                map.serialize_entry("request_id", c.request_id())?;
                if let Some(u) = c.user_id() {
                    map.serialize_entry("user_id", u)?;
                }
            }
            if !has_fields && c.fields().next().is_some() {
                map.serialize_entry("fields", &ContextFields(c))?;
            }
        }
        if self.profile == Profile::Gcp {
            if let Some(id) = trace.as_deref().or(self.ctx.map(Context::request_id)) {
                map.serialize_entry("logging.googleapis.com/trace", id)?;
            }
        }
        map.end()
    }
}

/// The context's fields, as an object.
struct ContextFields<'a>(&'a Context);

impl Serialize for ContextFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.fields())
    }
}

/// Visits an event's fields into its line.
struct Fields<'m, M: SerializeMap> {
    map: &'m mut M,
    /// Whether raw JSON values may be trusted: the event comes from errmon itself.
    own: bool,
    /// Whether the event's own request id is wanted, for Cloud Logging's trace key.
    gcp: bool,
    has_request: bool,
    has_fields: bool,
    /// The event's own request id, when it needs no escaping (request ids are
    /// `[A-Za-z0-9._-]`; one that is not gets the context's trace key, if any).
    trace: Option<String>,
    error: Option<M::Error>,
}

impl<M: SerializeMap> Fields<'_, M> {
    fn entry(&mut self, name: &str, value: &(impl Serialize + ?Sized)) {
        self.has_request |= name == "request_id";
        self.has_fields |= name == "fields";
        if self.error.is_none() {
            if let Err(e) = self.map.serialize_entry(name, value) {
                self.error = Some(e);
            }
        }
    }

    /// Whether `name` is the event's own request id, the first one, and the trace key wants it.
    fn wants_trace(&self, name: &str) -> bool {
        self.gcp && name == "request_id" && !self.has_request
    }

    fn note_trace(&mut self, id: &str) {
        if !id.contains(|c: char| c == '"' || c == '\\' || c < ' ') {
            self.trace = Some(id.to_owned());
        }
    }
}

impl<M: SerializeMap> Visit for Fields<'_, M> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.wants_trace(field.name()) {
            self.note_trace(value);
        }
        self.entry(field.name(), value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        if self.own && RAW_JSON.contains(&name) {
            let text = format!("{value:?}");
            match serde_json::from_str::<&RawValue>(&text) {
                Ok(raw) => self.entry(name, raw),
                Err(_) => self.entry(name, &text),
            }
        } else if self.wants_trace(name) {
            let text = format!("{value:?}");
            self.note_trace(&text);
            self.entry(name, &text);
        } else {
            // Escaped as it is formatted, without a string of its own.
            self.entry(name, &DebugStr(value));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field.name(), &value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field.name(), &value);
    }

    /// `null` when not finite.
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.entry(field.name(), &value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field.name(), &value);
    }
}

/// A value as the string its `Debug` writes. A `Debug` that fails leaves the string as far
/// as it got, rather than losing the line.
struct DebugStr<'a>(&'a dyn fmt::Debug);

impl fmt::Display for DebugStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _ = fmt::Debug::fmt(self.0, f);
        Ok(())
    }
}

impl Serialize for DebugStr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
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
    pub(crate) fn format(&self, event: &Event<'_>) -> Option<Vec<u8>> {
        let ctx = context::current();
        let line = Line {
            event,
            profile: self.profile,
            now_ms: unix_ms(std::time::SystemTime::now()),
            ctx: ctx.as_ref(),
        };
        let mut out = Vec::with_capacity(512);
        // Into a `Vec`, from values that all serialize: this does not fail, and a line cut
        // short would never be written.
        serde_json::to_writer(&mut out, &line).ok()?;
        out.push(b'\n');
        Some(out)
    }
}

impl<S: Subscriber> Layer<S> for JsonLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: LayerContext<'_, S>) {
        if let Some(line) = self.format(event) {
            self.queue.send(line);
        }
    }
}
