//! [`Connector`]: how the client opens its byte streams to the server (TCP by default).

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// A byte stream to the server, as a [`Connector`] opens it.
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Stream for T {}

/// What [`Connector::connect`] returns.
pub type Connecting<'a> = Pin<Box<dyn Future<Output = io::Result<Box<dyn Stream>>> + Send + 'a>>;

/// Opens a byte stream to the server, once per HTTP connection and per WebSocket. The default
/// dials TCP ([`TcpConnector`]); another one can tunnel through a proxy, a Unix socket, or
/// straight into an in-process server, as the `testing` module does. TLS, for
/// `https://` and `wss://` URLs, runs on top of the stream it returns.
pub trait Connector: Send + Sync + 'static {
    /// Opens a stream to `authority` (`host:port`, from the URL).
    fn connect<'a>(&'a self, authority: &'a str) -> Connecting<'a>;
}

/// The default [`Connector`]: TCP, with Nagle's algorithm off.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpConnector;

impl Connector for TcpConnector {
    fn connect<'a>(&'a self, authority: &'a str) -> Connecting<'a> {
        Box::pin(async move {
            let tcp = TcpStream::connect(authority).await?;
            let _ = tcp.set_nodelay(true);
            Ok(Box::new(tcp) as Box<dyn Stream>)
        })
    }
}

impl fmt::Debug for dyn Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Connector")
    }
}
