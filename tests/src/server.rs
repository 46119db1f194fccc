//! Starting servers under test on a free loopback port, in-process.

use std::future::Future;
use std::net::SocketAddr;

use fastsio::engine::EngineHandler;
use fastsio::service::{EngineService, HttpService, NotFound, serve, serve_engine};

/// A server running in the background of the current tokio runtime.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
}

impl TestServer {
    /// Serves the engine of `service` alone on 127.0.0.1 with a free port, as `Io::serve`
    /// does (`serve_engine`: WebSocket handshakes answered without hyper).
    pub async fn start<H: EngineHandler>(service: EngineService<H, NotFound>) -> TestServer {
        let (listener, addr) = bind().await;
        let engine = service.engine().clone();
        tokio::spawn(serve_engine(listener, engine, std::future::pending::<()>()));
        TestServer { addr }
    }

    /// Serves `service` with hyper (`serve`) on 127.0.0.1 with a free port.
    pub async fn start_http(service: impl HttpService) -> TestServer {
        let (listener, addr) = bind().await;
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

async fn bind() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
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
