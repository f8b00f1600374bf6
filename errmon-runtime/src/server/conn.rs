//! One connection: hyper's HTTP/1.1 with errmon's limits, and the mapping between hyper's
//! requests and responses and the endpoint's models.

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;

use super::io::DeadlineIo;
use super::limits::{HEAD_DEADLINE, MAX_HEAD_BYTES, MAX_HEADERS, RESPONSE_DEADLINE, SEND_BUFFER};
use crate::endpoint::{self, Routes, State};

/// Serves `stream` until the client closes it, a deadline passes, or the task is dropped.
pub(super) async fn serve(stream: TcpStream, routes: Arc<Routes>, state: Arc<State>) {
    let _ = stream.set_nodelay(true);
    // A fixed send buffer: the kernel would otherwise grow it to megabytes for a client that
    // does not read, holding the body there past the response deadline.
    let _ = socket2::SockRef::from(&stream).set_send_buffer_size(SEND_BUFFER);
    let io = TokioIo::new(DeadlineIo::new(stream, RESPONSE_DEADLINE));
    let service = service_fn(move |req: hyper::Request<Incoming>| {
        let (routes, state) = (Arc::clone(&routes), Arc::clone(&state));
        async move {
            let model = endpoint::Request::from_http(&req);
            drop(req);
            // Cheap answers (`/errors`, `/`, refusals) are made here, in the connection's
            // task, so they never wait behind a rendering.
            if let Some(r) = routes.answer_inline(&model, &state) {
                return Ok::<_, Infallible>(r.into_http());
            }
            // Rendering a large registry takes milliseconds: on the runtime's blocking pool,
            // so the server thread keeps accepting and answering meanwhile.
            let answer = tokio::task::spawn_blocking(move || routes.answer(&model, &state)).await;
            Ok(match answer {
                Ok(r) => r.into_http(),
                Err(_) => endpoint::Response::internal_error().into_http(),
            })
        }
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_DEADLINE)
        .max_headers(MAX_HEADERS)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true)
        .serve_connection(io, service)
        .await;
}
