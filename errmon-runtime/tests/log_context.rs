//! The layer adds each request's context to the application's events across `.await` on a
//! multi-threaded runtime, with thousands of interleaved requests, none leaking into another.

use errmon_runtime::context::Context;
use errmon_runtime::log::{LogSettings, Output};
use tracing_subscriber::layer::SubscriberExt;

#[test]
fn context_follows_each_request_across_await_on_many_threads() {
    let d = std::env::temp_dir().join(format!("errmon-ctx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let path = d.join("app.log");
    let settings = LogSettings::default()
        .output(Output::File(path.clone()))
        .queue(100_000);
    let (layer, guard) = settings.layer().unwrap();
    // Global: the runtime's worker threads log through it.
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let requests = 2_000u32;
    rt.block_on(async {
        let tasks: Vec<_> = (0..requests)
            .map(|i| {
                let ctx = Context::from_request_id(Some(&format!("req-{i}")));
                tokio::spawn(ctx.wrap(async move {
                    tracing::info!(expected = format!("req-{i}"), step = 1, "before");
                    tokio::task::yield_now().await;
                    tracing::info!(expected = format!("req-{i}"), step = 2, "after");
                }))
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert!(guard.flush());
    let body = std::fs::read_to_string(&path).unwrap();
    let mut n = 0;
    for l in body.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["request_id"], v["expected"], "{l}");
        n += 1;
    }
    assert_eq!(n, requests * 2);
    let _ = std::fs::remove_dir_all(&d);
}
