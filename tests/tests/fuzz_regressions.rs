//! Replays every saved fuzz input — the seed corpora under `fuzz/corpus/<target>/` and the
//! inputs of past findings under `fuzz/regressions/<target>/` — through the fuzz harnesses
//! (`fuzz/src/lib.rs`, compiled in here as a module), so the normal `cargo test` keeps every
//! finding fixed without needing a fuzzer. See `fuzz/README.md`.

// The harness is written against `fastsio_core`; the facade re-exports all of it.
extern crate fastsio as fastsio_core;

#[path = "../../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(kind: &str) -> usize {
    let mut count = 0;
    let mut failed = Vec::new();
    for target in harness::TARGETS {
        for file in inputs(kind, target) {
            let data = std::fs::read(&file).expect("readable fuzz input");
            let outcome = std::panic::catch_unwind(|| harness::run(target, &data));
            if outcome.is_err() {
                failed.push(file.display().to_string());
            }
            count += 1;
        }
    }
    assert!(failed.is_empty(), "panicked on: {failed:#?}");
    count
}

#[test]
fn seed_corpora_replay_without_panic() {
    // Every target has seeds; this also guards against the directory moving.
    for target in harness::TARGETS {
        assert!(
            !inputs("corpus", target).is_empty(),
            "no seeds for fuzz target {target}"
        );
    }
    assert!(replay("corpus") > 0);
}

#[test]
fn past_findings_replay_without_panic() {
    assert!(replay("regressions") > 0);
}

#[test]
fn targets_have_binaries() {
    // Each name in the harness list is a fuzz target of `fuzz/Cargo.toml`.
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/Cargo.toml"))
            .expect("fuzz/Cargo.toml");
    for target in harness::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "{target} missing from fuzz/Cargo.toml"
        );
    }
}
