//! An application that set its own global subscriber keeps it: `install()` succeeds and
//! errmon's events go to the application's subscriber.

use std::sync::atomic::{AtomicUsize, Ordering};

use errmon_runtime::Config;

static EVENTS: AtomicUsize = AtomicUsize::new(0);

struct Counting;

impl tracing::Subscriber for Counting {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {
        EVENTS.fetch_add(1, Ordering::Relaxed);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn install_leaves_the_applications_subscriber_in_place() {
    tracing::subscriber::set_global_default(Counting).unwrap();
    let guard = Config::default().listen("127.0.0.1:0").install().unwrap();
    tracing::info!("still mine");
    assert_eq!(EVENTS.load(Ordering::Relaxed), 1);
    // errmon did not replace it: setting another one now still fails as it did before.
    assert!(tracing::subscriber::set_global_default(Counting).is_err());
    drop(guard);
}
