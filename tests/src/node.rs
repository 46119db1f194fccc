use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use crate::{ScriptOutput, run_script, run_setup, with_file_lock};

const NODE_HINT: &str = "The interop tests need Node.js >= 18 and npm on PATH.";

/// The `tests/js` directory holding the node client scripts and `package-lock.json`.
pub fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js")
}

/// The chat demo's folder, whose `package.json` pins the browser's socket.io client bundle.
pub fn chat_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/chat")
}

/// Installs the locked npm dependencies (`npm ci`) into `tests/js/node_modules` unless they
/// are already up to date. Runs at most once per process; safe across concurrent processes.
/// Panics with a clear message if `node` or `npm` is missing or the install fails.
pub fn ensure_npm() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| ensure_npm_in(&js_dir()));
}

/// [`ensure_npm`] for the chat demo's client bundle ([`chat_dir`]).
pub fn ensure_chat_bundle() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| ensure_npm_in(&chat_dir()));
}

pub(crate) fn ensure_npm_in(dir: &Path) {
    run_setup(Command::new("node").arg("--version"), NODE_HINT);
    with_file_lock(&dir.join(".npm-lock"), || {
        if npm_install_is_stale(dir) {
            run_setup(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(dir),
                NODE_HINT,
            );
        }
    });
}

/// `npm ci` writes `node_modules/.package-lock.json`; it must be newer than the lockfile.
fn npm_install_is_stale(dir: &Path) -> bool {
    let mtime = |p: PathBuf| p.metadata().and_then(|m| m.modified()).ok();
    let installed = mtime(dir.join("node_modules/.package-lock.json"));
    let wanted = mtime(dir.join("package-lock.json")).unwrap_or(SystemTime::now());
    installed.is_none_or(|installed| installed < wanted)
}

/// Runs `node tests/js/<script> args...` (after [`ensure_npm`]), killing it after `timeout`.
pub async fn run_node(script: &str, args: &[&str], timeout: Duration) -> ScriptOutput {
    tokio::task::spawn_blocking(ensure_npm)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    let dir = js_dir();
    let script = dir.join(script);
    let args: Vec<&OsStr> = std::iter::once(script.as_os_str())
        .chain(args.iter().map(OsStr::new))
        .collect();
    run_script(Path::new("node"), &args, &dir, timeout).await
}

/// The `tests/js-server` directory: node socket.io@4 servers for the client interop tests.
pub fn js_server_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js-server")
}
