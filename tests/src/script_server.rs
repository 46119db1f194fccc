//! [`ScriptServer`]: a node or Python Socket.IO server process for the client interop tests.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::node::{ensure_npm_in, js_server_dir};
use crate::python::{ensure_python_venv, py_dir};

/// A server process that printed `{"port": N}` first; killed when dropped.
pub struct ScriptServer {
    /// Where it listens (127.0.0.1).
    pub port: u16,
    _child: Child,
}

impl ScriptServer {
    /// `node tests/js-server/<script>` (installing its locked packages first if needed).
    pub async fn node(script: &str) -> ScriptServer {
        Self::node_with(script, &[]).await
    }

    /// `node tests/js-server/<script> <args>...`.
    pub async fn node_with(script: &str, args: &[&str]) -> ScriptServer {
        static DONE: OnceLock<()> = OnceLock::new();
        tokio::task::spawn_blocking(|| DONE.get_or_init(|| ensure_npm_in(&js_server_dir())))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        Self::spawn(Path::new("node"), &js_server_dir().join(script), args).await
    }

    /// `python -u tests/py/<script>` with the tests' virtualenv (python-socketio 5).
    pub async fn python(script: &str) -> ScriptServer {
        Self::python_with(script, &[]).await
    }

    /// `python -u tests/py/<script> <args>...`.
    pub async fn python_with(script: &str, args: &[&str]) -> ScriptServer {
        let python = tokio::task::spawn_blocking(ensure_python_venv)
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        Self::spawn(&python, &py_dir().join(script), args).await
    }

    async fn spawn(program: &Path, script: &Path, args: &[&str]) -> ScriptServer {
        let mut child = Command::new(program)
            .arg(script)
            .args(args)
            .current_dir(script.parent().expect("a script in a folder"))
            .env("PYTHONUNBUFFERED", "1")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the server starts in time")
            .expect("readable stdout")
            .expect("a first line");
        let port = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v["port"].as_u64())
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        ScriptServer {
            port,
            _child: child,
        }
    }
}
