//! One connection: hyper's HTTP/1.1 with errmon's limits, and the mapping between hyper's
//! requests and responses and the endpoint's models.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;

use super::io::DeadlineIo;
use super::limits::{HEAD_DEADLINE, MAX_HEAD_BYTES, MAX_HEADERS, RESPONSE_DEADLINE, SEND_BUFFER};
use crate::endpoint::{self, Method, Routes, State};

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
            let model = to_model(&req);
            drop(req);
            // Cheap answers (`/errors`, `/`, refusals) are made here, in the connection's
            // task, so they never wait behind a rendering.
            if let Some(r) = routes.answer_inline(&model, &state) {
                return Ok::<_, Infallible>(to_hyper(r));
            }
            // Rendering a large registry takes milliseconds: on the runtime's blocking pool,
            // so the server thread keeps accepting and answering meanwhile.
            let answer = tokio::task::spawn_blocking(move || routes.answer(&model, &state)).await;
            Ok(match answer {
                Ok(r) => to_hyper(r),
                Err(_) => to_hyper(endpoint::Response::text(500, "internal error\n")),
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

fn to_model(req: &hyper::Request<Incoming>) -> endpoint::Request {
    let header = |name: HeaderName| req.headers().get(name).map(|v| v.as_bytes().to_vec());
    // For an absolute-form target (`GET http://host/metrics`) the URI's path is `/metrics`,
    // as for an origin-form one.
    let uri = req.uri();
    endpoint::Request {
        method: Method::parse(req.method().as_str()),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        authorization: header(header::AUTHORIZATION),
        accept_encoding: header(header::ACCEPT_ENCODING),
        host: header(header::HOST)
            .or_else(|| uri.authority().map(|a| a.as_str().as_bytes().to_vec())),
        received: std::time::Instant::now(),
    }
}

fn to_hyper(r: endpoint::Response) -> hyper::Response<Full<Bytes>> {
    let length = r.content_length;
    let mut out = hyper::Response::new(Full::new(r.body));
    *out.status_mut() =
        hyper::StatusCode::from_u16(r.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = out.headers_mut();
    for (name, value) in r.headers {
        // Checked, not `from_static`, which panics on a name that is not lowercase.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    if let Some(n) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    }
    out
}
