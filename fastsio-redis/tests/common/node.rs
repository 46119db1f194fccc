//! node processes driven over stdin/stdout (one JSON command per line, one JSON answer per
//! line): `node/server.mjs`, a socket.io@4 server on @socket.io/redis-adapter@8, and
//! `node/clients.mjs`, socket.io-client@4 sockets. The npm packages are pinned in
//! `node/package-lock.json` and installed here on first use.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// `npm ci` unless `node_modules` is up to date; `false` (skip loudly, or fail with `CI=true`)
/// without node.
pub async fn ensure_npm() -> bool {
    tokio::task::spawn_blocking(ensure_npm_blocking)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

fn ensure_npm_blocking() -> bool {
    let dir = node_dir();
    let has_node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_node {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but node is not on PATH");
        }
        super::skip("node is not on PATH");
        return false;
    }
    let mtime = |p: PathBuf| p.metadata().and_then(|m| m.modified()).ok();
    let installed = mtime(dir.join("node_modules/.package-lock.json"));
    let wanted = mtime(dir.join("package-lock.json"));
    if installed.is_none() || installed < wanted {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm on PATH");
        assert!(status.success(), "npm ci failed in {}", dir.display());
    }
    true
}

/// A node script answering one JSON line per command (killed on drop).
pub struct Script {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Script {
    pub fn start(script: &str, args: &[&str]) -> Script {
        let mut child = Command::new("node")
            .arg(node_dir().join(script))
            .args(args)
            .current_dir(node_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start node");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Script {
            child,
            stdin,
            lines,
        }
    }

    /// The next line the script prints (within 10 s), as JSON.
    pub async fn read(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(10), self.lines.next_line())
            .await
            .expect("node answers within 10 s")
            .unwrap()
            .expect("node is running");
        serde_json::from_str(&line).unwrap()
    }

    pub async fn run(&mut self, cmd: Value) -> Value {
        self.stdin
            .write_all(format!("{cmd}\n").as_bytes())
            .await
            .unwrap();
        self.read().await
    }

    pub async fn kill(&mut self) {
        self.child.kill().await.ok();
    }
}

/// A node socket.io@4 server on @socket.io/redis-adapter@8 (`node/server.mjs`): its sockets
/// join the room named by the `room` query parameter and get `hello`.
pub struct NodeServer {
    pub script: Script,
    pub port: u16,
}

impl NodeServer {
    pub async fn start(url: &str, prefix: &str) -> NodeServer {
        NodeServer::start_with(&[url, prefix]).await
    }

    /// The same server on `createShardedAdapter`, in subscription mode `mode` (`static`,
    /// `dynamic` or `dynamic-private`).
    pub async fn start_sharded(url: &str, prefix: &str, mode: &str) -> NodeServer {
        NodeServer::start_with(&[url, prefix, mode]).await
    }

    async fn start_with(args: &[&str]) -> NodeServer {
        let mut script = Script::start("server.mjs", args);
        let ready = script.read().await;
        let port = ready["ready"].as_u64().expect("ready line") as u16;
        NodeServer { script, port }
    }

    pub async fn run(&mut self, cmd: Value) -> Value {
        self.script.run(cmd).await
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A raw WebSocket client of the node server, in the room `room` if given, past its
/// `hello`.
pub async fn raw_client(n: &NodeServer, room: Option<&str>) -> super::Client {
    let query = room.map(|r| format!("&room={r}")).unwrap_or_default();
    let url = format!(
        "ws://127.0.0.1:{}/socket.io/?EIO=4&transport=websocket{query}",
        n.port
    );
    let mut client = super::raw_connect(&url).await;
    assert!(super::next(&mut client).await.starts_with(r#"42["hello""#));
    client
}

/// socket.io-client@4 sockets (`node/clients.mjs`), each known by a name; each answers acks
/// with its name.
pub struct Clients(Script);

impl Clients {
    pub fn start() -> Clients {
        Clients(Script::start("clients.mjs", &[]))
    }

    /// Connects socket `name` to namespace `/` at `url`; returns its id.
    pub async fn connect(&mut self, name: &str, url: &str, query: Value) -> String {
        let cmd = json!({"cmd": "connect", "name": name, "url": url, "query": query});
        self.connect_with(cmd).await
    }

    /// Connects socket `name` to namespace `nsp` at `url` with `auth`; returns its id.
    pub async fn connect_to(&mut self, name: &str, url: &str, nsp: &str, auth: Value) -> String {
        let cmd = json!({"cmd": "connect", "name": name, "url": url, "nsp": nsp, "auth": auth});
        self.connect_with(cmd).await
    }

    /// Connects socket `name` to namespace `nsp` at `url` with `auth`, over `transports`
    /// (`["polling", "websocket"]`: socket.io-client's default); returns its id.
    pub async fn connect_over(
        &mut self,
        name: &str,
        url: &str,
        nsp: &str,
        auth: Value,
        transports: &[&str],
    ) -> String {
        let cmd = json!({"cmd": "connect", "name": name, "url": url, "nsp": nsp, "auth": auth,
            "transports": transports});
        self.connect_with(cmd).await
    }

    async fn connect_with(&mut self, cmd: Value) -> String {
        let reply = self.0.run(cmd.clone()).await;
        assert_eq!(reply["connected"], true, "{cmd}: {reply}");
        reply["id"].as_str().unwrap().to_string()
    }

    /// Socket `name` emits `event` with `args` and waits for the ack (its first argument).
    pub async fn emit(&mut self, name: &str, event: &str, args: Value) -> Value {
        let reply = self
            .0
            .run(json!({"cmd": "emit", "name": name, "event": event, "args": args}))
            .await;
        reply
            .get("ack")
            .cloned()
            .unwrap_or_else(|| panic!("{name} {event}: {reply}"))
    }

    /// The events socket `name` received, once it has `count` (or after 5 s): each
    /// `[event, ...args]`. Forgets them.
    pub async fn wait(&mut self, name: &str, count: usize) -> Vec<Value> {
        let reply = self
            .0
            .run(json!({"cmd": "wait", "name": name, "count": count}))
            .await;
        reply["events"].as_array().unwrap().clone()
    }

    /// Connects socket `name` to namespace `nsp` at `url` with `auth` over WebSocket, with
    /// socket.io-client's reconnection on; returns its id.
    pub async fn connect_reconnecting(
        &mut self,
        name: &str,
        url: &str,
        nsp: &str,
        auth: Value,
    ) -> String {
        let cmd = json!({"cmd": "connect", "name": name, "url": url, "nsp": nsp, "auth": auth,
            "reconnection": true});
        self.connect_with(cmd).await
    }

    /// Socket `name`'s next connection (waits up to 5 s): `{connected, recovered, id}`.
    pub async fn reconnected(&mut self, name: &str) -> Value {
        self.0
            .run(json!({"cmd": "reconnected", "name": name}))
            .await
    }

    /// Whether socket `name` is disconnected (waits up to 5 s for it).
    pub async fn disconnected(&mut self, name: &str) -> bool {
        let reply = self
            .0
            .run(json!({"cmd": "disconnected", "name": name}))
            .await;
        reply["disconnected"] == true
    }
}
