//! fastsio-client over TLS (`https://` polling, `wss://` WebSocket and the upgrade) against a
//! fastsio server behind a self-signed certificate made for the test: the client trusts it
//! through `ManagerBuilder::tls_config`, and refuses it with the default (public) roots.

use std::sync::Arc;
use std::time::Duration;

use fastsio::prelude::*;
use fastsio_client::rustls::crypto::ring;
use fastsio_client::rustls::{ClientConfig, RootCertStore};
use fastsio_client::{ConnectError, EngineError, Manager, Reconnection, Transport};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tower_service::Service;

/// Bound on every wait: only a broken build gets near it.
const WAIT: Duration = Duration::from_secs(10);

#[derive(Serialize, Deserialize, ServerEvent)]
#[server_event("echo", ack = Echoed)]
struct Echo {
    n: u32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Echoed {
    n: u32,
}

async fn echo(Data(e): Data<Echo>) -> Ack<Echoed> {
    Ack(Echoed { n: e.n })
}

/// A fastsio echo server on a loopback port behind TLS, for `localhost`; its port and the
/// certificate (DER) to trust.
async fn start_tls() -> (u16, CertificateDer<'static>) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let io = Server::builder()
        .routes(Routes::new("/").on("echo", echo))
        .build()
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, service) = (acceptor.clone(), io.service());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let svc = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                    service.clone().call(req)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .serve_connection(TokioIo::new(tls), svc)
                    .with_upgrades()
                    .await;
            });
        }
    });
    (port, cert)
}

fn trusting(cert: CertificateDer<'static>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(cert).unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

#[tokio::test]
async fn acks_travel_over_https_and_wss_with_a_trusted_self_signed_certificate() {
    let (port, cert) = start_tls().await;
    let config = trusting(cert);
    let cases: [(&str, Vec<Transport>); 3] = [
        ("https", vec![Transport::Polling]),
        ("wss", vec![Transport::WebSocket]),
        ("https", vec![Transport::Polling, Transport::WebSocket]),
    ];
    for (n, (scheme, transports)) in cases.into_iter().enumerate() {
        let manager = Manager::builder(&format!("{scheme}://localhost:{port}"))
            .transports(transports.clone())
            .tls_config(config.clone())
            .reconnection(Reconnection::disabled())
            .connect_timeout(WAIT)
            .build()
            .unwrap();
        let socket = manager.socket("/").connect().await.unwrap();
        let n = n as u32 + 1;
        let ack = socket.emit_with_ack(&Echo { n }, WAIT).await.unwrap();
        assert_eq!(ack, Echoed { n }, "over {scheme} with {transports:?}");
        socket.disconnect();
    }
}

#[tokio::test]
async fn an_untrusted_certificate_fails_with_a_tls_error() {
    let (port, _) = start_tls().await;
    for transport in [Transport::Polling, Transport::WebSocket] {
        let manager = Manager::builder(&format!("https://localhost:{port}"))
            .transports([transport])
            .reconnection(Reconnection::disabled())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let refused = manager.socket("/").connect().await;
        assert!(
            matches!(
                refused,
                Err(ConnectError::Timeout(Some(EngineError::Tls(_))))
            ),
            "{transport:?}: {refused:?}"
        );
    }
}
