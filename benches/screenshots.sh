#!/usr/bin/env bash
# Phone (390×844) and desktop (1280×800) screenshots of the main pages of every journey, in
# zh-CN and English, taken by headless Chromium against a test app with the demo district.
# Written to $MASHANG_SCREENSHOTS (default: target/screenshots, not committed).
# Usage: bash benches/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/services
export MASHANG_SCREENSHOTS="${MASHANG_SCREENSHOTS:-$PWD/target/screenshots}"
cargo test --release --locked --test api browser::shots -- --ignored --nocapture
ls "$MASHANG_SCREENSHOTS"
