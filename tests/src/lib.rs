//! Harness for running real Engine.IO / Socket.IO clients (node and Python)
//! against a fastsio server from Rust integration tests.
//!
//! Client dependencies are installed on first use: `npm ci` into
//! `tests/js/node_modules` and a virtualenv at `tests/py/.venv`. Installation
//! happens at most once per process and is serialised across processes with a
//! file lock, so concurrent test binaries are safe.

#![forbid(unsafe_code)]

mod adapter;
pub mod client_app;
pub mod http;
pub mod nginx;
mod node;
pub mod payloads;
pub mod proxy;
mod python;
pub mod recovery;
pub mod redis;
pub mod reports;
pub mod routes;
mod script_server;
pub mod server;
pub mod sio;
pub mod token_gate;
pub mod ws;

pub use node::{
    chat_dir, contract_dir, ensure_chat_bundle, ensure_contract_tools, ensure_npm, js_dir,
    js_server_dir, run_contract_node, run_node,
};
pub use python::{ensure_python_venv, py_dir, run_python};
pub use script_server::ScriptServer;

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// Result of running a client script with [`run_node`] or [`run_python`].
#[derive(Debug)]
pub struct ScriptOutput {
    /// The command line that was run, for diagnostics.
    pub command: String,
    /// Exit status (a killed-by-signal status if the script timed out).
    pub status: ExitStatus,
    /// Whether the script was killed because it exceeded its timeout.
    pub timed_out: bool,
    /// Everything the script wrote to stdout (lossy UTF-8).
    pub stdout: String,
    /// Everything the script wrote to stderr (lossy UTF-8).
    pub stderr: String,
}

impl ScriptOutput {
    /// Panics, showing both output streams, unless the script exited with status 0 in time.
    #[track_caller]
    pub fn assert_ok(&self) {
        if self.timed_out || !self.status.success() {
            let what = if self.timed_out {
                "timed out".to_owned()
            } else {
                format!("failed ({})", self.status)
            };
            panic!(
                "`{}` {what}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.command, self.stdout, self.stderr
            );
        }
    }

    /// Checks the script exited in time with status 0 and reported `"ok": true`; returns its
    /// result line.
    #[track_caller]
    pub fn passed(&self) -> serde_json::Value {
        self.assert_ok();
        let result = self.json();
        assert_eq!(result["ok"], true, "{}", self.stdout);
        result
    }

    /// Parses the last non-empty stdout line as JSON (the scripts' result line); panics if it is not JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        let line = self
            .stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        serde_json::from_str(line).unwrap_or_else(|e| {
            panic!(
                "`{}`: last stdout line is not JSON ({e})\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.command, self.stdout, self.stderr
            )
        })
    }
}

/// Spawns `program args...` in `cwd`, killing it after `timeout`, and collects its output.
async fn run_script(
    program: &Path,
    args: &[&OsStr],
    cwd: &Path,
    timeout: Duration,
) -> ScriptOutput {
    let command = std::iter::once(program.as_os_str())
        .chain(args.iter().copied())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("failed to spawn `{command}`: {e}"));
    let stdout = tokio::spawn(read_all(child.stdout.take().expect("piped stdout")));
    let stderr = tokio::spawn(read_all(child.stderr.take().expect("piped stderr")));

    let (status, timed_out) = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => (status, false),
        Err(_) => {
            // `kill` also reaps the child.
            let _ = child.kill().await;
            (child.wait().await, true)
        }
    };
    let status = status.unwrap_or_else(|e| panic!("failed to wait for `{command}`: {e}"));
    ScriptOutput {
        command,
        status,
        timed_out,
        stdout: stdout.await.expect("stdout reader panicked"),
        stderr: stderr.await.expect("stderr reader panicked"),
    }
}

async fn read_all(mut pipe: impl AsyncRead + Unpin) -> String {
    let mut buf = Vec::new();
    // A read error just truncates the captured output.
    let _ = pipe.read_to_end(&mut buf).await;
    String::from_utf8_lossy(&buf).into_owned()
}

/// Runs blocking `setup` under an exclusive lock on `lock_path` (shared by all processes).
fn with_file_lock<T>(lock_path: &Path, setup: impl FnOnce() -> T) -> T {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)
        .unwrap_or_else(|e| panic!("cannot open lock file {}: {e}", lock_path.display()));
    file.lock()
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", lock_path.display()));
    setup()
    // The lock is released when `file` is dropped.
}

/// Runs a setup command to completion, panicking with its output if it fails.
/// `hint` is shown when the program itself is not installed.
fn run_setup(cmd: &mut std::process::Command, hint: &str) {
    let shown = format!("{cmd:?}");
    let out = match cmd.stdin(Stdio::null()).output() {
        Ok(out) => out,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            panic!("`{shown}` failed: program not found. {hint}")
        }
        Err(e) => panic!("`{shown}` failed to start: {e}"),
    };
    if !out.status.success() {
        panic!(
            "`{shown}` failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
