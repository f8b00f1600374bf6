//! A TCP stream with a deadline for writing each response, so a client that reads slowly (or
//! not at all) cannot hold a connection, and the memory of its body, for as long as it likes.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

/// The deadline runs from a response's first write until hyper flushes the response's last
/// byte; past it, writes fail with `TimedOut` and hyper closes the connection. Between
/// responses no deadline runs: hyper's own head deadline covers reading.
pub(super) struct DeadlineIo {
    inner: TcpStream,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
    writing: bool,
}

impl DeadlineIo {
    pub(super) fn new(inner: TcpStream, limit: Duration) -> Self {
        DeadlineIo {
            inner,
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
            writing: false,
        }
    }

    fn start_writing(&mut self) {
        if !self.writing {
            self.writing = true;
            let at = Instant::now() + self.limit;
            self.deadline.as_mut().reset(at);
        }
    }

    /// `Pending` from the socket: fails instead once the deadline has passed. Polling the
    /// deadline registers the task's waker with the timer, so an idle writer is woken.
    fn pending<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            // Closing resets the connection instead of leaving what the kernel still buffers
            // to trickle out to the slow reader.
            let _ = self.inner.set_zero_linger();
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read the response too slowly",
            )));
        }
        Poll::Pending
    }
}

impl AsyncRead for DeadlineIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for DeadlineIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.start_writing();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Pending => this.pending(cx),
            ready => ready,
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.start_writing();
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => this.pending(cx),
            ready => ready,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => this.pending(cx),
            Poll::Ready(r) => {
                // hyper flushes once everything it buffered is written: the response is out.
                this.writing = false;
                Poll::Ready(r)
            }
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = ready!(Pin::new(&mut this.inner).poll_shutdown(cx));
        Poll::Ready(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt as _;

    #[test]
    fn a_response_the_client_does_not_read_fails_at_the_deadline() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let _client = std::net::TcpStream::connect(addr).unwrap();
            let (stream, _) = listener.accept().await.unwrap();
            let mut io = DeadlineIo::new(stream, Duration::from_millis(300));
            let started = std::time::Instant::now();
            let body = vec![b'x'; 64 << 20];
            let err = io.write_all(&body).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::TimedOut);
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{:?}",
                started.elapsed()
            );
        });
    }
}
