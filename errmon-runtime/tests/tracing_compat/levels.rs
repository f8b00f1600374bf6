// Ported from tracing-attributes' `tests/levels.rs` (tokio-rs/tracing, MIT): every function
// `#[instrument]` annotates also carries `#[monitored]`, above it or below it as the including
// module's `traced!` says (see `tracing_compat.rs`); the span assertions are tracing's own.

use tracing::subscriber::with_default;
use tracing::Level;
use tracing::instrument;
use tracing_mock::*;
use crate::support::subscriber;

#[test]
fn named_levels() {
    traced! {[
    #[instrument(level = "trace")]
    ]
    fn trace() {}
    }

    traced! {[
    #[instrument(level = "Debug")]
    ]
    fn debug() {}
    }

    traced! {[
    #[instrument(level = "INFO")]
    ]
    fn info() {}
    }

    traced! {[
    #[instrument(level = "WARn")]
    ]
    fn warn() {}
    }

    traced! {[
    #[instrument(level = "eRrOr")]
    ]
    fn error() {}
    }
    let (subscriber, handle) = subscriber::mock()
        .new_span(expect::span().named("trace").at_level(Level::TRACE))
        .enter(expect::span().named("trace").at_level(Level::TRACE))
        .exit(expect::span().named("trace").at_level(Level::TRACE))
        .new_span(expect::span().named("debug").at_level(Level::DEBUG))
        .enter(expect::span().named("debug").at_level(Level::DEBUG))
        .exit(expect::span().named("debug").at_level(Level::DEBUG))
        .new_span(expect::span().named("info").at_level(Level::INFO))
        .enter(expect::span().named("info").at_level(Level::INFO))
        .exit(expect::span().named("info").at_level(Level::INFO))
        .new_span(expect::span().named("warn").at_level(Level::WARN))
        .enter(expect::span().named("warn").at_level(Level::WARN))
        .exit(expect::span().named("warn").at_level(Level::WARN))
        .new_span(expect::span().named("error").at_level(Level::ERROR))
        .enter(expect::span().named("error").at_level(Level::ERROR))
        .exit(expect::span().named("error").at_level(Level::ERROR))
        .only()
        .run_with_handle();

    with_default(subscriber, || {
        trace();
        debug();
        info();
        warn();
        error();
    });

    handle.assert_finished();
}

#[test]
fn numeric_levels() {
    traced! {[
    #[instrument(level = 1)]
    ]
    fn trace() {}
    }

    traced! {[
    #[instrument(level = 2)]
    ]
    fn debug() {}
    }

    traced! {[
    #[instrument(level = 3)]
    ]
    fn info() {}
    }

    traced! {[
    #[instrument(level = 4)]
    ]
    fn warn() {}
    }

    traced! {[
    #[instrument(level = 5)]
    ]
    fn error() {}
    }
    let (subscriber, handle) = subscriber::mock()
        .new_span(expect::span().named("trace").at_level(Level::TRACE))
        .enter(expect::span().named("trace").at_level(Level::TRACE))
        .exit(expect::span().named("trace").at_level(Level::TRACE))
        .new_span(expect::span().named("debug").at_level(Level::DEBUG))
        .enter(expect::span().named("debug").at_level(Level::DEBUG))
        .exit(expect::span().named("debug").at_level(Level::DEBUG))
        .new_span(expect::span().named("info").at_level(Level::INFO))
        .enter(expect::span().named("info").at_level(Level::INFO))
        .exit(expect::span().named("info").at_level(Level::INFO))
        .new_span(expect::span().named("warn").at_level(Level::WARN))
        .enter(expect::span().named("warn").at_level(Level::WARN))
        .exit(expect::span().named("warn").at_level(Level::WARN))
        .new_span(expect::span().named("error").at_level(Level::ERROR))
        .enter(expect::span().named("error").at_level(Level::ERROR))
        .exit(expect::span().named("error").at_level(Level::ERROR))
        .only()
        .run_with_handle();

    with_default(subscriber, || {
        trace();
        debug();
        info();
        warn();
        error();
    });

    handle.assert_finished();
}

#[test]
fn enum_levels() {
    traced! {[
    #[instrument(level = Level::TRACE)]
    ]
    fn trace() {}
    }

    traced! {[
    #[instrument(level = Level::DEBUG)]
    ]
    fn debug() {}
    }

    traced! {[
    #[instrument(level = tracing::Level::INFO)]
    ]
    fn info() {}
    }

    traced! {[
    #[instrument(level = Level::WARN)]
    ]
    fn warn() {}
    }

    traced! {[
    #[instrument(level = Level::ERROR)]
    ]
    fn error() {}
    }
    let (subscriber, handle) = subscriber::mock()
        .new_span(expect::span().named("trace").at_level(Level::TRACE))
        .enter(expect::span().named("trace").at_level(Level::TRACE))
        .exit(expect::span().named("trace").at_level(Level::TRACE))
        .new_span(expect::span().named("debug").at_level(Level::DEBUG))
        .enter(expect::span().named("debug").at_level(Level::DEBUG))
        .exit(expect::span().named("debug").at_level(Level::DEBUG))
        .new_span(expect::span().named("info").at_level(Level::INFO))
        .enter(expect::span().named("info").at_level(Level::INFO))
        .exit(expect::span().named("info").at_level(Level::INFO))
        .new_span(expect::span().named("warn").at_level(Level::WARN))
        .enter(expect::span().named("warn").at_level(Level::WARN))
        .exit(expect::span().named("warn").at_level(Level::WARN))
        .new_span(expect::span().named("error").at_level(Level::ERROR))
        .enter(expect::span().named("error").at_level(Level::ERROR))
        .exit(expect::span().named("error").at_level(Level::ERROR))
        .only()
        .run_with_handle();

    with_default(subscriber, || {
        trace();
        debug();
        info();
        warn();
        error();
    });

    handle.assert_finished();
}
