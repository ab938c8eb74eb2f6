#!/usr/bin/env bash
# Runs each fuzz target for a few minutes, one after the other (the machine's two cores are
# shared: one libFuzzer process, -jobs=1). Not part of CI. Usage, from anywhere:
#   bash fuzz/run.sh                    # every target, FUZZ_SECONDS (180) each
#   FUZZ_SECONDS=600 bash fuzz/run.sh photo_intake
# Crashes land in fuzz/artifacts/<target>/; once fixed, copy them to fuzz/regressions/<target>/
# (every run replays that directory first) and, where cheap, into a unit test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds="${FUZZ_SECONDS:-180}"
# Its own target directory: instrumented builds must not mix with the project's.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-/var/tmp/mashang-fuzz-target}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
# libFuzzer and the sanitizers need nightly flags: a nightly toolchain if there is one,
# else the stable one told to accept them.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    toolchain=()
    export RUSTC_BOOTSTRAP=1
fi
python3 fuzz/seeds.py >/dev/null
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(import_parse photo_intake token_normalize local_path)
for target in "${targets[@]}"; do
    case "$target" in
        # One allocation over the photo budget (128 MiB) is a failure of the estimate.
        photo_intake) limits=(-malloc_limit_mb=160 -rss_limit_mb=1536 -max_len=262144) ;;
        import_parse) limits=(-malloc_limit_mb=256 -rss_limit_mb=1536 -max_len=65536) ;;
        *) limits=(-rss_limit_mb=512 -max_len=256) ;;
    esac
    mkdir -p "fuzz/corpus/$target" "fuzz/regressions/$target"
    echo "== $target: ${seconds}s"
    cargo "${toolchain[@]}" fuzz run "$target" "fuzz/corpus/$target" "fuzz/regressions/$target" -- \
        -max_total_time="$seconds" -jobs=1 -workers=1 -timeout=10 -print_final_stats=1 "${limits[@]}"
done
