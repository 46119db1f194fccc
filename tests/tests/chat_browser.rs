//! The chat page in headless Chromium (Debian's `chromium`, driven by playwright-core): two
//! pages join a room and talk, a validation error shows on the page, and both pages reconnect
//! after the server restarts. `scripts/ensure-chromium.sh` installs Chromium when missing.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use fastsio::service::serve;
use fastsio_examples::chat;
use fastsio_tests::{ensure_chat_bundle, ensure_npm, js_dir};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::oneshot;

/// A running chat server; `stop` closes every connection and the listener.
struct Running {
    io: fastsio::Io,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(listener: TcpListener) -> Running {
    let io = chat::socket_io().expect("chat server builds");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, chat::service(&io), async move {
        let _ = stopped.await;
    }));
    Running { io, stop, task }
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.io.close();
    }
}

async fn rebind(addr: SocketAddr) -> TcpListener {
    for _ in 0..100 {
        if let Ok(listener) = TcpListener::bind(addr).await {
            return listener;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("could not bind {addr} again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pages_chat_see_errors_and_reconnect_after_a_restart() {
    assert!(
        std::process::Command::new("chromium")
            .arg("--version")
            .output()
            .is_ok(),
        "Chromium is missing: run scripts/ensure-chromium.sh (scripts/test.sh does)"
    );
    tokio::task::spawn_blocking(|| {
        ensure_npm();
        ensure_chat_bundle();
    })
    .await
    .unwrap();

    let result = scenario().await;
    assert!(result.is_ok(), "{}", result.unwrap_err());
}

/// One run of the browser script against a fresh server, restarted when the script asks.
async fn scenario() -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut server = Some(start(listener).await);

    let mut child = Command::new("node")
        .arg(js_dir().join("../browser/chat.mjs"))
        .arg(format!("http://{addr}/"))
        .current_dir(js_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = child.stderr.take().unwrap();
    let stderr_text = tokio::spawn(async move {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s).await;
        s
    });

    let mut result = None;
    let session = async {
        while let Some(line) = stdout.next_line().await.expect("stdout readable") {
            if line == "READY-FOR-RESTART" {
                server.take().expect("one restart").stop().await;
                server = Some(start(rebind(addr).await).await);
                stdin.write_all(b"RESTARTED\n").await.unwrap();
                stdin.flush().await.unwrap();
            } else if line.starts_with('{') {
                result = Some(serde_json::from_str::<serde_json::Value>(&line).unwrap());
            }
        }
    };
    let finished = tokio::time::timeout(Duration::from_secs(90), session).await;
    let status = child.wait().await.unwrap();
    let stderr = stderr_text.await.unwrap();
    if let Some(server) = server {
        server.stop().await;
    }
    if finished.is_err() {
        return Err(format!("browser test did not finish\n{stderr}"));
    }
    if !status.success() {
        return Err(format!("browser test failed ({status})\n{stderr}"));
    }
    match result {
        Some(result) if result["ok"] == true => Ok(()),
        Some(result) => Err(format!("{result}\n{stderr}")),
        None => Err(format!("no result line\n{stderr}")),
    }
}
