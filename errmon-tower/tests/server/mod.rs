//! An axum app served over real HTTP on a loopback port, for the tests of this directory.

use std::net::SocketAddr;

/// An app served by a runtime of its own; dropping it stops the runtime and the server.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

/// Serves `app` on a free loopback port.
pub(crate) fn serve(app: axum::Router) -> Server {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    runtime.spawn(async move { axum::serve(listener, app).await });
    Server {
        addr,
        _runtime: runtime,
    }
}
