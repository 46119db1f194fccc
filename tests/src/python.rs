use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::{ScriptOutput, run_script, run_setup, with_file_lock};

const PYTHON_HINT: &str = "The interop tests need python3 (with the venv module) on PATH.";

/// Written into the venv after a successful install; holds the installed requirements.txt.
const STAMP: &str = "fastsio-requirements.txt";

/// The `tests/py` directory holding the Python client scripts and `requirements.txt`.
pub fn py_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("py")
}

/// Creates the virtualenv `tests/py/.venv` and installs `tests/py/requirements.txt` into it,
/// unless it already holds exactly those requirements. Runs at most once per process; safe
/// across concurrent processes. Returns the venv's Python interpreter.
pub fn ensure_python_venv() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let dir = py_dir();
            let venv = dir.join(".venv");
            let python = venv.join(if cfg!(windows) {
                "Scripts/python.exe"
            } else {
                "bin/python"
            });
            let requirements = fs::read(dir.join("requirements.txt"))
                .unwrap_or_else(|e| panic!("cannot read tests/py/requirements.txt: {e}"));
            with_file_lock(&dir.join(".venv.lock"), || {
                if fs::read(venv.join(STAMP)).ok().as_ref() == Some(&requirements) {
                    return;
                }
                // Start from a clean venv so removed requirements do not linger.
                run_setup(
                    Command::new("python3")
                        .args(["-m", "venv", "--clear"])
                        .arg(&venv),
                    PYTHON_HINT,
                );
                run_setup(
                    Command::new(&python)
                        .args(["-m", "pip", "install", "--quiet"])
                        .args(["--disable-pip-version-check", "-r", "requirements.txt"])
                        .current_dir(&dir),
                    PYTHON_HINT,
                );
                fs::write(venv.join(STAMP), &requirements)
                    .unwrap_or_else(|e| panic!("cannot write {STAMP} in {}: {e}", venv.display()));
            });
            python
        })
        .clone()
}

/// Runs `python -u tests/py/<script> args...` with the venv's Python (after [`ensure_python_venv`]),
/// killing it after `timeout`.
pub async fn run_python(script: &str, args: &[&str], timeout: Duration) -> ScriptOutput {
    let python = tokio::task::spawn_blocking(ensure_python_venv)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    let dir = py_dir();
    let script = dir.join(script);
    // `-u`: unbuffered, so output written before a timeout kill is not lost.
    let args: Vec<&OsStr> = [OsStr::new("-u"), script.as_os_str()]
        .into_iter()
        .chain(args.iter().map(OsStr::new))
        .collect();
    run_script(&python, &args, &dir, timeout).await
}
