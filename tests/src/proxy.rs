//! [`Proxy`]: a loopback TCP proxy in front of a server under test, whose connections can be
//! cut (the server went away) or frozen (the server hangs: connections stay open, silent).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Forwards both ways.
    Up,
    /// Refuses new connections (the open ones were dropped).
    Down,
    /// Forwards nothing, closes nothing, and refuses new connections.
    Frozen,
}

/// A loopback TCP proxy to one upstream server; dropping it leaves its tasks to the runtime.
pub struct Proxy {
    /// Where it listens (127.0.0.1).
    pub port: u16,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    mode: watch::Sender<Mode>,
}

impl Proxy {
    /// Starts forwarding 127.0.0.1:`port` to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("a bound listener").port();
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let tracked = conns.clone();
        let (mode, watching) = watch::channel(Mode::Up);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *watching.borrow() != Mode::Up {
                    continue;
                }
                let pipe = tokio::spawn(forward(client, upstream, watching.clone()));
                tracked.lock().unwrap_or_else(|e| e.into_inner()).push(pipe);
            }
        });
        Proxy { port, conns, mode }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Drops every open connection, both ways, and refuses new ones until
    /// [`restore`](Self::restore).
    pub fn cut(&self) {
        self.mode.send_replace(Mode::Down);
        self.drop_connections();
    }

    /// Stops forwarding on every open connection without closing it (a hung server), and
    /// refuses new ones until [`restore`](Self::restore).
    pub fn freeze(&self) {
        self.mode.send_replace(Mode::Frozen);
    }

    /// Drops the connections left open by [`freeze`](Self::freeze) and accepts new ones again.
    pub fn restore(&self) {
        self.drop_connections();
        self.mode.send_replace(Mode::Up);
    }

    fn drop_connections(&self) {
        for conn in self
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            conn.abort();
        }
    }
}

/// Forwards one connection until it ends; when frozen, holds both ends open, silent.
async fn forward(mut client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    let frozen = tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => false,
        _ = mode.wait_for(|m| *m == Mode::Frozen) => true,
    };
    if frozen {
        std::future::pending::<()>().await;
    }
}
