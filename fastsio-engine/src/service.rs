//! The HTTP side: [`EngineService`] (a tower `Service` that answers the engine's path and hands
//! every other request to an inner service), [`EngineLayer`] (the same as a tower `Layer`, for
//! axum), [`serve`] (a standalone hyper 1 server), [`serve_connection`] (one connection of
//! it, for streams of your own) and [`serve_engine`] (the engine alone on a listener, its
//! WebSocket handshakes and long-polling answered without hyper).

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tower_layer::Layer;
use tower_service::Service;

use crate::BoxError;
use crate::{Engine, EngineBody, EngineHandler, RemoteAddr, direct};

/// Answers requests under the engine's path; passes the others to `S`.
pub struct EngineService<H: EngineHandler, S = NotFound> {
    engine: Arc<Engine<H>>,
    inner: S,
}

impl<H: EngineHandler> EngineService<H, NotFound> {
    /// The engine alone: other paths get 404.
    pub fn new(engine: Arc<Engine<H>>) -> Self {
        EngineService {
            engine,
            inner: NotFound,
        }
    }
}

impl<H: EngineHandler, S> EngineService<H, S> {
    /// The engine in front of `inner`.
    pub fn with_inner(engine: Arc<Engine<H>>, inner: S) -> Self {
        EngineService { engine, inner }
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine<H>> {
        &self.engine
    }
}

impl<H: EngineHandler, S: Clone> Clone for EngineService<H, S> {
    fn clone(&self) -> Self {
        EngineService {
            engine: self.engine.clone(),
            inner: self.inner.clone(),
        }
    }
}

/// The future of a service call.
pub type ServiceFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<H, S, ReqBody, ResBody> Service<Request<ReqBody>> for EngineService<H, S>
where
    H: EngineHandler,
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    ReqBody: Body<Data = Bytes> + Send + 'static,
    ReqBody::Error: Into<BoxError>,
{
    type Response = Response<Either<EngineBody, ResBody>>;
    type Error = S::Error;
    type Future = ServiceFuture<Self::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        if self.engine.matches(req.uri().path()) {
            let answer = self.engine.handle(req);
            Box::pin(async move { Ok(answer.await.map(Either::Left)) })
        } else if let Some(res) = self
            .engine
            .handler()
            .respond(req.method(), req.uri().path())
        {
            Box::pin(async move { Ok(res.map(Either::Left)) })
        } else {
            let fut = self.inner.call(req);
            Box::pin(async move { Ok(fut.await?.map(Either::Right)) })
        }
    }
}

/// Puts an engine in front of a service, as a tower `Layer`.
pub struct EngineLayer<H: EngineHandler> {
    engine: Arc<Engine<H>>,
}

impl<H: EngineHandler> EngineLayer<H> {
    /// A layer serving `engine`.
    pub fn new(engine: Arc<Engine<H>>) -> Self {
        EngineLayer { engine }
    }
}

impl<H: EngineHandler> Clone for EngineLayer<H> {
    fn clone(&self) -> Self {
        EngineLayer {
            engine: self.engine.clone(),
        }
    }
}

impl<H: EngineHandler, S> Layer<S> for EngineLayer<H> {
    type Service = EngineService<H, S>;
    fn layer(&self, inner: S) -> Self::Service {
        EngineService::with_inner(self.engine.clone(), inner)
    }
}

/// Answers 404 to everything: the default inner service.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotFound;

impl<B> Service<Request<B>> for NotFound {
    type Response = Response<EngineBody>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<B>) -> Self::Future {
        let mut res = Response::new(Full::new(Bytes::from_static(b"Not Found")));
        *res.status_mut() = StatusCode::NOT_FOUND;
        std::future::ready(Ok(res))
    }
}

/// A tower service hyper can serve over HTTP/1.1: what [`serve`] and [`serve_connection`] take
/// (`io.service()`, an axum `Router` with `io.layer()`...). Every cloneable, `Send` service of
/// `Request<Incoming>` whose future is `Send` and whose errors and body errors convert into
/// [`BoxError`] is one.
pub trait HttpService:
    Service<
        Request<Incoming>,
        Response = Response<Self::ResBody>,
        Error: Into<BoxError>,
        Future: Send + 'static,
    > + Clone
    + Send
    + 'static
{
    /// The body of its responses.
    type ResBody: Body<Data: Send, Error: Into<BoxError>> + Send + 'static;
}

impl<S, B> HttpService for S
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type ResBody = B;
}

/// Serves `service` over HTTP/1.1 (with upgrades, for WebSocket) on every connection `listener`
/// accepts, until `shutdown` resolves. Each request carries the peer's [`RemoteAddr`].
///
/// When `shutdown` resolves, the listener is dropped and every open HTTP connection shuts down
/// gracefully: idle keep-alive connections close at once, and a connection with a request in
/// flight (a long-poll, say) closes as soon as that request is answered. So no client can reach
/// this server through a connection it kept open after the shutdown (a client reconnecting
/// would otherwise land on the old server while a new one listens on the same port).
/// Connections already upgraded to WebSocket belong to the engine: closing the engine
/// ([`Engine::close_all`](crate::Engine::close_all), which `fastsio`'s `Io::close` calls) closes them.
pub async fn serve(
    listener: TcpListener,
    service: impl HttpService,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    accept(listener, shutdown, move |stream, addr, stop| {
        tokio::spawn(serve_connection(
            stream,
            Some(addr),
            service.clone(),
            stop.cancelled_owned(),
        ));
    })
    .await
}

/// Serves `engine` alone on every connection `listener` accepts, until `shutdown` resolves:
/// what [`serve`] does with [`EngineService::new`]`(engine)` (404 outside the engine's path,
/// the same checks and answers, the same graceful shutdown), with two shortcuts. The requests
/// of a connection are read by the engine itself:
/// - a WebSocket handshake for the engine has its `101` answer written and the WebSocket run
///   straight on the TCP stream: no HTTP connection, upgrade or task is set up for it;
/// - the plain `GET`s and `POST`s of long-polling are answered off the stream too, one after
///   the other on a kept-alive connection.
///
/// The first request neither shortcut takes (another path or method, a chunked body,
/// `Expect`, a body over `max_payload`, a handshake that offers `permessage-deflate` when it
/// is enabled, a request head over 8 KiB or that hyper would refuse) hands its connection to
/// hyper, the bytes read so far replayed first, and so does a refused handshake's answer.
///
/// `fastsio`'s `Io::serve` serves with it; put the engine in front of other routes with
/// [`EngineLayer`] and [`serve`] instead.
pub async fn serve_engine<H: EngineHandler>(
    listener: TcpListener,
    engine: Arc<Engine<H>>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    accept(listener, shutdown, move |stream, addr, stop| {
        direct::serve_connection(&engine, stream, addr, stop);
    })
    .await
}

/// Accepts connections on `listener` until `shutdown` resolves, and hands each one to `serve`
/// with its peer's address and a token cancelled once `shutdown` has resolved.
async fn accept(
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    mut serve: impl FnMut(TcpStream, SocketAddr, CancellationToken),
) -> std::io::Result<()> {
    tokio::pin!(shutdown);
    let stopping = CancellationToken::new();
    let _stop_connections = stopping.clone().drop_guard();
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            _ = &mut shutdown => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        serve(stream, addr, stopping.clone());
    }
}

/// Serves one connection (a TCP stream, a TLS stream, an in-memory pipe...) over HTTP/1.1
/// with upgrades, as [`serve`] does for each connection it accepts: each request carries
/// `remote` as its [`RemoteAddr`] when given. When `stop` resolves, the connection shuts down
/// gracefully (at once when idle, after the request in flight otherwise).
pub async fn serve_connection(
    stream: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    remote: Option<SocketAddr>,
    service: impl HttpService,
    stop: impl Future<Output = ()>,
) {
    let svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        if let Some(addr) = remote {
            req.extensions_mut().insert(RemoteAddr(addr));
        }
        service.clone().call(req)
    });
    drive(stream, remote, svc, stop).await
}

/// [`serve_connection`], its first request answered with `first` (an answer made for it before
/// hyper read it) rather than by `service`.
pub(crate) async fn serve_answered<S: HttpService>(
    stream: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    remote: Option<SocketAddr>,
    service: S,
    stop: impl Future<Output = ()>,
    first: Response<S::ResBody>,
) {
    let first = Cell::new(Some(first));
    let svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let answer = match first.take() {
            Some(answer) => Either::Left(answer),
            None => {
                if let Some(addr) = remote {
                    req.extensions_mut().insert(RemoteAddr(addr));
                }
                Either::Right(service.clone().call(req))
            }
        };
        async move {
            match answer {
                Either::Left(answer) => Ok(answer),
                Either::Right(call) => call.await,
            }
        }
    });
    drive(stream, remote, svc, stop).await
}

/// Runs hyper's HTTP/1.1 connection (with upgrades) of `svc` on `stream` until it ends, or
/// gracefully once `stop` resolves.
async fn drive<S, B>(
    stream: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    remote: Option<SocketAddr>,
    svc: S,
    stop: impl Future<Output = ()>,
) where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: Body + 'static,
    B::Error: Into<BoxError>,
{
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // A response's head and body copied into one buffer and written with one `write`: the
        // engine's bodies are small, and a copy costs less than hyper's queue of buffers.
        .writev(false)
        .serve_connection(TokioIo::new(stream), svc)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::pin!(stop);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = &mut stop => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, ?remote, "connection ended with an error");
    }
}
