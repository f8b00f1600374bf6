//! `#[monitored]` composes with tracing's `#[instrument]` in either order: tracing-attributes'
//! own span-asserting tests (`tests/tracing_compat/`, ported) run twice, once with
//! `#[monitored]` written above every `#[instrument]` and once below it, and tracing's spans,
//! fields and events must come out exactly as without errmon.
//!
//! Each ported function is written `traced! { [#[instrument(..)]] fn .. }`, its attributes in
//! brackets so that they reach rustc as written (tracing's `err` and `ret` expansions do not
//! resolve when a `macro_rules!` re-emits the attribute's `#`, with or without errmon); the
//! methods of an `#[async_trait]` impl are written `traced_impl! { #[async_trait] impl .. }`.

// tracing's tests as written: their style is theirs.
#![allow(
    dead_code,
    unused_braces,
    unused_variables,
    clippy::all,
    missing_docs,
    unreachable_pub
)]

/// What tracing-attributes' tests take from their `tracing-test` helper crate.
mod support {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Pending (and woken) until its `finish_at`-th poll, then ready with its result.
    pub struct PollN<T, E> {
        and_return: Option<Result<T, E>>,
        finish_at: usize,
        polls: usize,
    }

    impl<T: Unpin, E: Unpin> Future for PollN<T, E> {
        type Output = Result<T, E>;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let this = self.get_mut();
            this.polls += 1;
            if this.polls >= this.finish_at {
                Poll::Ready(this.and_return.take().expect("polled after ready"))
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    impl PollN<(), ()> {
        pub fn new_ok(finish_at: usize) -> Self {
            Self {
                and_return: Some(Ok(())),
                finish_at,
                polls: 0,
            }
        }
    }

    /// tracing-mock's subscribers, blind to the events errmon itself emits for each error
    /// report (target `errmon`, added on purpose): the ported tests assert tracing's own spans
    /// and events, which must come out exactly as without errmon.
    pub mod subscriber {
        pub use tracing_mock::subscriber::*;

        pub fn mock() -> MockSubscriber<impl Fn(&tracing::Metadata<'_>) -> bool + 'static> {
            tracing_mock::subscriber::mock().with_filter(|meta| meta.target() != "errmon")
        }
    }

    pub fn block_on_future<F: Future>(future: F) -> F::Output {
        futures::executor::block_on(future)
    }
}

macro_rules! ported {
    () => {
        mod async_fn {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/async_fn.rs"
            ));
        }
        mod destructuring {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/destructuring.rs"
            ));
        }
        mod err {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/err.rs"
            ));
        }
        mod fields {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/fields.rs"
            ));
        }
        mod follows_from {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/follows_from.rs"
            ));
        }
        mod instrument {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/instrument.rs"
            ));
        }
        mod levels {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/levels.rs"
            ));
        }
        mod names {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/names.rs"
            ));
        }
        mod parents {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/parents.rs"
            ));
        }
        mod ret {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/ret.rs"
            ));
        }
        mod targets {
            include!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/tracing_compat/targets.rs"
            ));
        }
    };
}

/// `#[monitored]` written above `#[instrument]`: errmon expands first, tracing wraps its output.
mod errmon_above {
    macro_rules! traced {
        ([$($attrs:tt)*] $($item:tt)*) => { #[::errmon_runtime::monitored] $($attrs)* $($item)* };
    }

    macro_rules! traced_impl {
        ($(#[$ia:meta])* impl $tr:ident for $ty:ident {
            $( $(#[$m:meta])* async fn $name:ident ($($args:tt)*) $body:block )*
        }) => {
            $(#[$ia])* impl $tr for $ty {
                $( #[::errmon_runtime::monitored] $(#[$m])* async fn $name ($($args)*) $body )*
            }
        };
    }

    ported!();
}

/// `#[monitored]` written below `#[instrument]`: tracing expands first, errmon wraps its output.
mod errmon_below {
    macro_rules! traced {
        ([$($attrs:tt)*] $($item:tt)*) => { $($attrs)* #[::errmon_runtime::monitored] $($item)* };
    }

    macro_rules! traced_impl {
        ($(#[$ia:meta])* impl $tr:ident for $ty:ident {
            $( $(#[$m:meta])* async fn $name:ident ($($args:tt)*) $body:block )*
        }) => {
            $(#[$ia])* impl $tr for $ty {
                $( $(#[$m])* #[::errmon_runtime::monitored] async fn $name ($($args)*) $body )*
            }
        };
    }

    ported!();
}
