//! fastsio-client against hostile servers on loopback (raw TCP, no Socket.IO server): garbage,
//! a truncated frame, an oversized body, a handshake never answered. Each gives a clear
//! error within the configured bounds, without a panic.

use std::time::Duration;

use fastsio_client::{ConnectError, EngineError, Manager, Reconnection, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A TCP server that answers every connection's first request with `response` (then keeps
/// the connection open, silent).
async fn hostile(response: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf).await;
                let _ = conn.write_all(&response).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    port
}

fn http_response(body: &[u8], declared: usize) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {declared}\r\n\r\n"
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// Connects once (no reconnection) with a 2 s bound; returns the error.
async fn connect_error(port: u16, max_incoming: usize) -> ConnectError {
    let manager = Manager::builder(&format!("http://127.0.0.1:{port}"))
        .transports([Transport::Polling])
        .reconnection(Reconnection::disabled())
        .connect_timeout(Duration::from_secs(2))
        .max_incoming(max_incoming)
        .build()
        .unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(10), manager.socket("/").connect())
        .await
        .expect("connect is bounded by connect_timeout");
    outcome.expect_err("a hostile server cannot be connected to")
}

fn engine_error(e: ConnectError) -> EngineError {
    match e {
        ConnectError::Timeout(Some(e)) => e,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn garbage_is_a_protocol_error() {
    let port = hostile(http_response(b"\xff\x00garbage", 9)).await;
    let e = engine_error(connect_error(port, 1_000_000).await);
    assert!(matches!(e, EngineError::Protocol(_)), "{e}");

    let port = hostile(b"NOT HTTP AT ALL\r\n\r\n".to_vec()).await;
    let e = engine_error(connect_error(port, 1_000_000).await);
    assert!(matches!(e, EngineError::Io(_)), "{e}");
}

#[tokio::test]
async fn an_invalid_open_packet_is_a_protocol_error() {
    let port = hostile(http_response(b"0{\"sid\":1}", 10)).await;
    let e = engine_error(connect_error(port, 1_000_000).await);
    assert!(e.to_string().contains("invalid open packet"), "{e}");
}

#[tokio::test]
async fn a_truncated_body_is_an_error() {
    // Announces 100 bytes, sends 10, closes.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf).await;
            let _ = conn.write_all(&http_response(b"0{\"sid\":\"", 100)).await;
        }
    });
    let e = engine_error(connect_error(port, 1_000_000).await);
    assert!(matches!(e, EngineError::Io(_)), "{e}");
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let body = vec![b'4'; 70_000];
    let port = hostile(http_response(&body, body.len())).await;
    let e = engine_error(connect_error(port, 65_536).await);
    assert_eq!(e, EngineError::TooLarge(65_536));
}

#[tokio::test]
async fn an_unanswered_handshake_times_out() {
    let port = hostile(Vec::new()).await;
    let e = connect_error(port, 1_000_000).await;
    assert!(
        matches!(e, ConnectError::Timeout(None | Some(EngineError::Timeout))),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_http_error_is_reported_with_its_status() {
    let port =
        hostile(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 11\r\n\r\nbad request".to_vec())
            .await;
    let e = engine_error(connect_error(port, 1_000_000).await);
    assert_eq!(e, EngineError::Status(400, "bad request".into()));
}
