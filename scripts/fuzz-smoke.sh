#!/usr/bin/env bash
# Bounded fuzz smoke: builds the cargo-fuzz targets in fuzz/ and runs each for
# FUZZ_SECONDS (default 60, capped at 60) from the committed seeds and past findings.
# Fails (exit 1) on any finding and prints the crashing input; new corpus entries go to a
# temporary directory, so the repository is never touched.
#
# Needs: cargo (stable is enough: RUSTC_BOOTSTRAP=1 unlocks the sanitizer flags), a C++
# compiler (libFuzzer is built from source), x86_64/aarch64 Linux or macOS. Installs
# cargo-fuzz with `cargo install` if missing. When the fuzzer can't be built here it prints a
# SKIPPED banner and exits 0, or exits 1 with FUZZ_SMOKE_REQUIRED=1.
#
#   FUZZ_SECONDS=N      seconds per target (1..=60, default 60)
#   FUZZ_TARGETS="a b"  a subset of targets (default: all of fuzz/Cargo.toml)
#   FUZZ_SMOKE_REQUIRED=1  treat "cannot build the fuzzer" as a failure
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FUZZ="$ROOT/fuzz"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || ((SECONDS_PER_TARGET < 1)); then
    echo "fuzz-smoke: FUZZ_SECONDS must be a positive integer" >&2
    exit 2
fi
((SECONDS_PER_TARGET > 60)) && SECONDS_PER_TARGET=60

skip() {
    echo "==================================================================" >&2
    echo "fuzz-smoke: SKIPPED — $*" >&2
    echo "==================================================================" >&2
    if [[ "${FUZZ_SMOKE_REQUIRED:-0}" == 1 ]]; then
        exit 1
    fi
    exit 0
}

command -v cargo >/dev/null || skip "cargo is not on the PATH"
case "$(uname -s)-$(uname -m)" in
    Linux-x86_64 | Linux-aarch64 | Darwin-x86_64 | Darwin-arm64) ;;
    *) skip "libFuzzer is not supported on $(uname -s)-$(uname -m)" ;;
esac
command -v c++ >/dev/null || command -v clang++ >/dev/null || command -v g++ >/dev/null ||
    skip "no C++ compiler (libFuzzer is compiled from source by libfuzzer-sys)"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: installing cargo-fuzz (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked >/dev/null 2>&1 ||
        cargo install cargo-fuzz >/dev/null 2>&1 ||
        skip "cargo install cargo-fuzz failed"
fi

# cargo-fuzz passes nightly-only flags (-Zsanitizer=address, -Cpasses=sancov-module);
# RUSTC_BOOTSTRAP=1 lets a stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
TARGET_DIR="${CARGO_TARGET_DIR:-$FUZZ/target}"

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
    read -r -a targets <<<"$FUZZ_TARGETS"
else
    mapfile -t targets < <(cd "$FUZZ" && cargo fuzz list)
fi
((${#targets[@]} > 0)) || skip "no fuzz targets found in $FUZZ"

work="$(mktemp -d "${TMPDIR:-/tmp}/fastsio-fuzz-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cd "$FUZZ"
echo "fuzz-smoke: building ${#targets[@]} targets (release, debug assertions, ASan)"
build_start=$(date +%s)
if ! cargo fuzz build --target-dir "$TARGET_DIR" 2>"$work/build.log"; then
    tail -n 30 "$work/build.log" >&2 || true
    skip "the fuzz targets do not build on this machine (log above)"
fi
echo "fuzz-smoke: built in $(($(date +%s) - build_start)) s"

failed=()
total_start=$(date +%s)
for t in "${targets[@]}"; do
    mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
    seeds=("$FUZZ/corpus/$t")
    [[ -d "$FUZZ/regressions/$t" ]] && seeds+=("$FUZZ/regressions/$t")
    log="$work/$t.log"
    start=$(date +%s)
    # The first corpus directory receives new inputs: a scratch one, never the repository's.
    if cargo fuzz run --target-dir "$TARGET_DIR" "$t" "$work/corpus/$t" "${seeds[@]}" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -rss_limit_mb=2048 \
        -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$t/" >"$log" 2>&1; then
        runs=$(grep -Eo '^Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' || echo '?')
        echo "fuzz-smoke: $t ok: $runs runs in $(($(date +%s) - start)) s"
    else
        echo "fuzz-smoke: $t FAILED after $(($(date +%s) - start)) s" >&2
        grep -E -A25 'panicked|ERROR: (libFuzzer|AddressSanitizer)' "$log" | head -n 60 >&2 || tail -n 40 "$log" >&2
        for a in "$work/artifacts/$t"/*; do
            [[ -f "$a" ]] || continue
            echo "fuzz-smoke: crashing input $(basename "$a") (base64): $(base64 <"$a" | tr -d '\n')" >&2
            echo "  save it as fuzz/regressions/$t/<name> and fix the decoder" >&2
        done
        failed+=("$t")
    fi
done
echo "fuzz-smoke: fuzzing took $(($(date +%s) - total_start)) s for ${#targets[@]} targets"
if ((${#failed[@]} > 0)); then
    echo "fuzz-smoke: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz-smoke: all targets passed"
