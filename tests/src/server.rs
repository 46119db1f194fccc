//! Starting servers under test on a free loopback port, in-process.

use std::future::Future;
use std::net::SocketAddr;

use fastsio::service::{HttpService, serve};

/// A server running in the background of the current tokio runtime.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
}

impl TestServer {
    /// Serves `service` on 127.0.0.1 with a free port.
    pub async fn start(service: impl HttpService) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(serve(listener, service, std::future::pending::<()>()));
        TestServer { addr }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn http(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `ws://127.0.0.1:PORT{path}`.
    pub fn ws(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }
}

/// Polls `check` every few milliseconds until it holds, failing after 5 s: for conditions the
/// server reaches asynchronously (a session freed after a close, say). Not a timing assert: the
/// bound only keeps a broken build from hanging.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    eventually_async(what, || std::future::ready(check())).await
}

/// [`eventually`] with an async check.
pub async fn eventually_async<F: Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}
