//! How errmon's own events are emitted: to the subscriber current where they happen, as
//! tracing's macros would, or, when there is none, to errmon's own output (`log` starts it and
//! tells this module where it is, see [`set_output`]), which is never made a default. Every
//! layer says what it has to say through [`emit!`]; none of them knows `log`.
//!
//! tracing's macros cannot do the second part: an event made while no subscriber is current
//! goes nowhere, and making errmon's the default for the event (`with_default`) marks a
//! dispatcher as set for the rest of the process (`tracing::dispatcher::has_been_set()`),
//! which turns off tracing's fallback to the `log` crate for every event of the application.
//! So errmon's events have callsites of their own, built here as tracing's macros build theirs,
//! and [`route`] decides where each goes before its values are looked at.

use std::sync::{Arc, OnceLock};

use tracing::field::ValueSet;
use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
use tracing::subscriber::NoSubscriber;
use tracing::{Event, Metadata};
use tracing_core::callsite::{Callsite, DefaultCallsite};

/// The target of errmon's events.
pub(crate) const TARGET: &str = "errmon";

/// errmon's own output, as this module sees it.
pub(crate) trait Output: Send + Sync {
    /// Whether its filter lets the event of `meta` through.
    fn enabled(&self, meta: &Metadata<'_>) -> bool;
    /// Writes `event`, called directly rather than through a dispatcher.
    fn event(&self, event: &Event<'_>);
}

/// Finds errmon's own output, if one is started.
type Find = fn() -> Option<Arc<dyn Output>>;

/// How to find errmon's own output, once one was ever started.
static OUTPUT: OnceLock<Find> = OnceLock::new();

/// Tells this module how to find errmon's own output (`log` does, when it first starts one).
#[cfg_attr(
    not(feature = "logs"),
    allow(dead_code, reason = "errmon's own output is the `logs` feature's")
)]
pub(crate) fn set_output(current: Find) {
    let _ = OUTPUT.set(current);
}

/// Where an event of errmon goes.
pub(crate) enum To {
    /// The subscriber current on this thread, the application's (or the one `log::init` set).
    Current,
    /// errmon's own output: no subscriber is current.
    Own(Arc<dyn Output>),
}

/// Where the event of `callsite` goes, `None` when nothing wants it.
pub(crate) fn route(callsite: &'static DefaultCallsite) -> Option<To> {
    let meta = callsite.metadata();
    // Outside a subscriber's own callbacks, `NoSubscriber` means none was set (or one set on
    // purpose to discard everything: `ERRMON_LOG=off` turns errmon's own lines off then).
    // Inside them tracing shows `NoSubscriber` too, and errmon's line is written by its own
    // output rather than lost.
    if tracing::dispatcher::get_default(|d| d.is::<NoSubscriber>()) {
        return OUTPUT
            .get()
            .and_then(|current| current())
            .filter(|own| own.enabled(meta))
            .map(To::Own);
    }
    // What `tracing::event!` checks, in the same order.
    let level = *meta.level();
    if level > STATIC_MAX_LEVEL || level > LevelFilter::current() {
        return None;
    }
    let interest = callsite.interest();
    if interest.is_never() {
        return None;
    }
    (interest.is_always() || tracing::dispatcher::get_default(|d| d.enabled(meta)))
        .then_some(To::Current)
}

impl To {
    /// Emits the event of `meta` with `values`.
    pub(crate) fn deliver(self, meta: &'static Metadata<'static>, values: &ValueSet<'_>) {
        match self {
            To::Current => Event::dispatch(meta, values),
            To::Own(own) => own.event(&Event::new(meta, values)),
        }
    }
}

/// Emits an event of errmon's (target [`TARGET`]) at a constant level, with a
/// constant message and named values, like
/// `tracing::event!(target: "errmon", level, name = value, .., "message")`, going to errmon's own
/// output when no subscriber is current. Values are evaluated only when the event goes
/// somewhere; `Option`s that are `None` are left out, as in tracing's macros.
macro_rules! emit {
    ($level:expr, $message:literal; $($name:literal = $value:expr),+ $(,)?) => {{
        use $crate::emit::__support as s;
        static META: s::Metadata<'static> = s::Metadata::new(
            concat!("event ", file!(), ":", line!()),
            $crate::emit::TARGET,
            $level,
            Some(file!()),
            Some(line!()),
            Some(module_path!()),
            s::FieldSet::new(&["message", $($name),+], s::identify_callsite!(&CALLSITE)),
            s::Kind::EVENT,
        );
        static CALLSITE: s::DefaultCallsite = s::DefaultCallsite::new(&META);
        if let Some(to) = s::route(&CALLSITE) {
            let fields = META.fields();
            let mut names = fields.iter();
            // The names are the callsite's own, in order: `?` never stops here.
            let _ = (|| -> Option<()> {
                to.deliver(
                    &META,
                    &fields.value_set(&[
                        (&names.next()?, Some(&format_args!($message) as &dyn s::Value)),
                        $((&names.next()?, Some(&$value as &dyn s::Value)),)+
                    ]),
                );
                Some(())
            })();
        }
    }};
}

pub(crate) use emit;

/// What [`emit!`] expands to.
pub(crate) mod __support {
    pub(crate) use super::route;
    pub(crate) use tracing_core::callsite::DefaultCallsite;
    pub(crate) use tracing_core::field::{FieldSet, Value};
    pub(crate) use tracing_core::identify_callsite;
    pub(crate) use tracing_core::metadata::{Kind, Metadata};
}
