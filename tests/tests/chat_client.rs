//! `examples/chat_client` (on fastsio-client) against `examples/chat`, clause by clause of its
//! contract: JSON lines for events and acks, exit codes, each transport, and reconnection to
//! a restarted server (the `welcome` arrives again).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use fastsio::service::serve;
use fastsio_examples::{chat, chat_client};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Bound on every wait: only a broken build gets near it.
const WAIT: Duration = Duration::from_secs(15);

/// A chat server on `listener`; dropping the returned sender stops it and closes its sessions.
fn serve_chat(listener: TcpListener) -> oneshot::Sender<()> {
    let io = chat::socket_io().expect("chat builds");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = serve(listener, chat::service(&io), async {
            let _ = stopped.await;
        })
        .await;
        io.close();
    });
    stop
}

async fn start() -> (SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (addr, serve_chat(listener))
}

/// Runs the client with `args`; its lines arrive on the receiver.
fn client(args: &[&str]) -> (JoinHandle<i32>, UnboundedReceiver<Value>) {
    let (tx, rx) = unbounded_channel();
    let out: chat_client::Output = Arc::new(move |line: String| {
        let _ = tx.send(serde_json::from_str(&line).expect("a JSON line"));
    });
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    (
        tokio::spawn(async move { chat_client::run(&args, out).await }),
        rx,
    )
}

async fn next(lines: &mut UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(WAIT, lines.recv())
        .await
        .expect("a line in time")
        .expect("the client is still running")
}

async fn exit_code(run: JoinHandle<i32>) -> i32 {
    tokio::time::timeout(WAIT, run)
        .await
        .expect("exits in time")
        .unwrap()
}

#[tokio::test]
async fn joins_sends_and_prints_one_json_line_per_event_and_ack_on_each_transport() {
    let (addr, _server) = start().await;
    let url = format!("http://{addr}");
    for transport in [None, Some("websocket"), Some("polling")] {
        let mut args = vec![
            "--url", &url, "--name", "ada", "--room", "lobby", "--room", "dev",
        ];
        args.extend(["--say", "hello", "--wait", "0.2"]);
        if let Some(t) = transport {
            args.extend(["--transport", t]);
        }
        let (run, mut lines) = client(&args);
        let welcome = next(&mut lines).await;
        assert_eq!(welcome["event"], "welcome", "{transport:?}");
        assert_eq!(welcome["data"]["name"], "ada");
        assert_eq!(
            next(&mut lines).await,
            json!({"ack": "join_room", "data": {"ok": true, "room": "lobby"}})
        );
        assert_eq!(
            next(&mut lines).await,
            json!({"ack": "join_room", "data": {"ok": true, "room": "dev"}})
        );
        // The message reaches the sender too (the room includes it), before its ack.
        assert_eq!(
            next(&mut lines).await,
            json!({"event": "new_message", "data": {"room": "lobby", "name": "ada", "text": "hello"}})
        );
        assert_eq!(
            next(&mut lines).await,
            json!({"ack": "send_message", "data": {"ok": true}})
        );
        assert_eq!(exit_code(run).await, 0, "{transport:?}");
    }
}

#[tokio::test]
async fn a_refused_connection_prints_connect_error_and_exits_2() {
    let (addr, _server) = start().await;
    let url = format!("http://{addr}");
    let (run, mut lines) = client(&["--url", &url, "--name", " "]);
    let line = next(&mut lines).await;
    let error = &line["connect_error"];
    assert!(!error["message"].as_str().unwrap().is_empty(), "{line}");
    assert_eq!(error["data"]["code"], "validation_failed", "{line}");
    assert_eq!(exit_code(run).await, 2);
}

#[tokio::test]
async fn bad_arguments_exit_64() {
    let (run, _) = client(&["--url", "http://127.0.0.1:1"]);
    assert_eq!(exit_code(run).await, 64);
    let (run, _) = client(&[
        "--url",
        "http://127.0.0.1:1",
        "--name",
        "a",
        "--transport",
        "x",
    ]);
    assert_eq!(exit_code(run).await, 64);
}

#[tokio::test]
async fn reconnects_to_a_restarted_server_and_is_welcomed_again() {
    let (addr, server) = start().await;
    let url = format!("http://{addr}");
    let (run, mut lines) = client(&["--url", &url, "--name", "bo", "--wait", "10"]);
    assert_eq!(next(&mut lines).await["event"], "welcome");
    drop(server);
    // The same port, a new server: the client finds it by itself.
    let mut listener = None;
    for _ in 0..250 {
        match TcpListener::bind(addr).await {
            Ok(l) => {
                listener = Some(l);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    let listener = listener.expect("the port is free again");
    let _server = serve_chat(listener);
    let again = next(&mut lines).await;
    assert_eq!(again["event"], "welcome", "{again}");
    assert_eq!(again["data"]["name"], "bo");
    run.abort();
}
