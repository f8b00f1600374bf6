//! Request context across a multi-threaded runtime: thousands of interleaved tasks each see
//! only their own context after every await, nested scopes restore the outer one, spawned
//! tasks start empty unless carried with `context::spawn`, a cancelled future is dropped with
//! its context, and reports carry the context of the request they happened in.

#[macro_use]
mod support;

use std::fmt;
use std::time::Duration;

use errmon_runtime::context::{self, Context};
use errmon_runtime::errors::{self, ErrorSettings};
use support::reports;

fn current_id() -> Option<String> {
    context::current().map(|c| c.request_id().to_owned())
}

#[derive(Debug)]
struct Refused(usize);
impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {} refused", self.0)
    }
}
impl std::error::Error for Refused {}

monitored_by_hand! {
    async fn handle(task: usize) -> Result<(), Refused> {
        tokio::task::yield_now().await;
        Err(Refused(task))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousands_of_interleaved_tasks_never_see_each_others_context() {
    errors::configure(
        ErrorSettings::default()
            .rate_limit(0)
            .sample_above(0)
            .ring_size(10_000),
    )
    .unwrap();
    const TASKS: usize = 4_000;
    let mut handles = Vec::with_capacity(TASKS);
    for task in 0..TASKS {
        let id = format!("task-{task}");
        let ctx = Context::from_request_id(Some(&id)).with_user_id(format!("user-{}", task % 7));
        handles.push(tokio::spawn(ctx.wrap(async move {
            for round in 0..5 {
                assert_eq!(current_id().as_deref(), Some(id.as_str()), "round {round}");
                if round % 2 == 0 {
                    tokio::task::yield_now().await;
                } else {
                    tokio::time::sleep(Duration::from_micros(50)).await;
                }
                // A nested scope inside the task is current only within it.
                let inner = Context::from_request_id(Some(&format!("{id}-inner")));
                inner.scope(|| assert_eq!(current_id(), Some(format!("{id}-inner"))));
                assert_eq!(current_id().as_deref(), Some(id.as_str()));
            }
            let _ = handle(task).await;
        })));
    }
    for h in handles {
        h.await.unwrap();
    }
    // Worker threads are left with no context.
    let leaked = tokio::spawn(async { current_id() }).await.unwrap();
    assert_eq!(leaked, None);
    let reports = reports("handle");
    assert_eq!(reports.len(), TASKS.min(errors::MAX_LIMIT));
    for r in &reports {
        let task: usize = r
            .message
            .trim_start_matches("task ")
            .trim_end_matches(" refused")
            .parse()
            .unwrap();
        assert_eq!(
            r.request_id.as_deref(),
            Some(format!("task-{task}").as_str())
        );
        assert_eq!(
            r.user_id.as_deref(),
            Some(format!("user-{}", task % 7).as_str())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_tasks_start_empty_unless_carried() {
    let ctx = Context::from_request_id(Some("parent"));
    let (plain, carried) = ctx
        .wrap(async {
            let plain = tokio::spawn(async { current_id() });
            let carried = context::spawn(async {
                tokio::task::yield_now().await;
                current_id()
            });
            (plain.await.unwrap(), carried.await.unwrap())
        })
        .await;
    assert_eq!(plain, None);
    assert_eq!(carried.as_deref(), Some("parent"));
    // `bind` outside any context carries none, even onto a thread that has one.
    let unbound = context::bind(async { current_id() });
    let seen =
        Context::from_request_id(Some("poller")).scope(|| futures::executor::block_on(unbound));
    assert_eq!(seen, None);
}

struct SeesContextOnDrop(std::sync::Arc<std::sync::Mutex<Option<String>>>);
impl Drop for SeesContextOnDrop {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = current_id();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_future_is_dropped_with_its_context() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let guard = SeesContextOnDrop(seen.clone());
    let fut = Context::from_request_id(Some("cancelled")).wrap(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    let timed_out = tokio::time::timeout(Duration::from_millis(5), fut).await;
    assert!(timed_out.is_err());
    assert_eq!(seen.lock().unwrap().as_deref(), Some("cancelled"));
    assert_eq!(current_id(), None);
}

#[test]
fn scopes_nest_and_restore_on_panic() {
    let outer = Context::from_request_id(Some("outer"));
    outer.scope(|| {
        let inner = Context::from_request_id(Some("inner"));
        let r = std::panic::catch_unwind(|| inner.scope(|| panic!("inside the inner scope")));
        assert!(r.is_err());
        assert_eq!(current_id().as_deref(), Some("outer"));
    });
    assert_eq!(current_id(), None);
}

#[test]
fn incoming_ids_are_validated() {
    let ok = Context::from_request_id(Some("01HZX3K7.req_9-a"));
    assert_eq!(ok.request_id(), "01HZX3K7.req_9-a");
    assert!(!ok.request_id_was_generated());
    for bad in ["", "has space", "semi;colon", "ünï", &"x".repeat(129)] {
        let c = Context::from_request_id(Some(bad));
        assert!(c.request_id_was_generated(), "{bad:?}");
        assert!(context::is_valid_request_id(c.request_id()));
        assert_eq!(c.request_id().len(), 36);
    }
    let c = Context::new().with_field("a", "1").with_field("a", "2");
    assert_eq!(c.fields().collect::<Vec<_>>(), [("a", "2")]);
    let many = (0..40).fold(Context::new(), |c, i| c.with_field(format!("f{i}"), "v"));
    assert_eq!(many.fields().count(), context::MAX_FIELDS);
}
