//! The application's own log formatter shows the request: the layer's `errmon.request` span
//! carries the request id, and the user id once authentication sets it.
//!
//! A test binary of its own: it sets the global subscriber.

use errmon_test_support as support;

mod server;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use errmon_tower::ErrmonLayer;
use support::send_raw;

/// Lines written by the formatter, kept for the test to read.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Lines {
    /// The JSON line whose message is `message`, and all the text written, for messages.
    fn line(&self, message: &str) -> (serde_json::Value, String) {
        let text = String::from_utf8(self.0.lock().expect("lines").clone()).expect("UTF-8");
        let line = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
            .find(|l| l["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no line {message:?} in\n{text}"));
        (line, text)
    }
}

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lines").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn authenticate(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    tracing::info!("before authentication");
    if let Some(user) = req.headers().get("x-user").and_then(|v| v.to_str().ok()) {
        errmon_runtime::context::set_user_id(user);
    }
    next.run(req).await
}

#[test]
fn the_applications_own_json_lines_carry_the_request_and_the_user() {
    let lines = Lines::default();
    let writer = lines.clone();
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(move || writer.clone())
        .init();

    let app = Router::new()
        .route(
            "/logged",
            get(|| async {
                tracing::info!(order = 7, "order shown");
                axum::body::Body::new(Logged(false))
            }),
        )
        .layer(axum::middleware::from_fn(authenticate))
        .layer(ErrmonLayer::new());
    let server = server::serve(app);

    let r = send_raw(
        server.addr,
        b"GET /logged HTTP/1.1\r\nHost: t\r\nConnection: close\r\nx-request-id: req-span-1\r\nx-user: ada\r\n\r\n",
    )
    .expect("request");
    assert_eq!(r.status, 200);

    let (before, text) = lines.line("before authentication");
    let before = &before["span"];
    assert_eq!(before["name"], "errmon.request");
    assert_eq!(before["request_id"], "req-span-1");
    assert_eq!(before.get("user_id"), None, "{text}");
    let (shown, _) = lines.line("order shown");
    assert_eq!(shown["span"]["request_id"], "req-span-1", "{text}");
    assert_eq!(shown["span"]["user_id"], "ada", "{text}");
    assert_eq!(shown["fields"]["order"], 7);
    // Sending the body is part of the request too.
    let (sent, _) = lines.line("body sent");
    let sent = &sent["span"];
    assert_eq!(sent["request_id"], "req-span-1", "{text}");
    assert_eq!(sent["user_id"], "ada", "{text}");

    // Without the span: the formatter's lines show no request, the context is still there.
    let app = Router::new()
        .route(
            "/unspanned",
            get(|| async {
                let id = errmon_runtime::context::current().map(|c| c.request_id().to_owned());
                tracing::info!(context = id.as_deref().unwrap_or("none"), "no span here");
                "ok"
            }),
        )
        .layer(ErrmonLayer::new().request_span(false));
    let server = server::serve(app);
    let r = send_raw(
        server.addr,
        b"GET /unspanned HTTP/1.1\r\nHost: t\r\nConnection: close\r\nx-request-id: req-span-2\r\n\r\n",
    )
    .expect("request");
    assert_eq!(r.status, 200);
    let (unspanned, _) = lines.line("no span here");
    assert_eq!(unspanned.get("span"), None, "{unspanned}");
    assert_eq!(unspanned["fields"]["context"], "req-span-2");
}

/// A body of one chunk that logs when it is sent.
struct Logged(bool);

impl http_body::Body for Logged {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        if self.0 {
            return std::task::Poll::Ready(None);
        }
        self.0 = true;
        tracing::info!("body sent");
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(bytes::Bytes::from_static(
            b"ok",
        )))))
    }
}
