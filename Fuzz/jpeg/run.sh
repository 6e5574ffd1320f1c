#!/usr/bin/env bash
# Fuzzes Silo's 1/8-scale JPEG scan decoder (Server/Sources/CVipsShim/silo_jpeg_eighth.c) with libFuzzer, ASan
# and UBSan, or replays the seeds and past crashes without libFuzzer.
#
#   run.sh replay          build the replay binary, replay corpus/ (RGB must match libjpeg exactly) and
#                          regressions/ (luma must); non-zero on any sanitizer report or mismatch
#   run.sh fuzz SECONDS    fuzz for SECONDS on a copy of corpus/; crash, leak, timeout and OOM inputs are
#                          copied into regressions/; non-zero if there were any
#
# Builds go to Fuzz/jpeg/.build/ (ignored by git), as does the working corpus, which keeps what libFuzzer adds
# across runs: the checked-in corpus/ never grows by itself. `rm -rf Fuzz/jpeg/.build` starts afresh.
# Needs clang with libFuzzer (CLANG=..., default the Swift toolchain's) and libjpeg's headers (libjpeg-dev).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shim="$(cd "$here/../../Server/Sources/CVipsShim" && pwd)"
scratch="$here/.build"
corpus="$here/corpus"
regressions="$here/regressions"

usage() {
    echo "usage: $0 replay | fuzz SECONDS" >&2
    exit 2
}

find_clang() {
    if [[ -n "${CLANG:-}" ]]; then
        echo "$CLANG"
    elif [[ -x /opt/swift/usr/bin/clang ]]; then
        echo /opt/swift/usr/bin/clang
    elif command -v clang >/dev/null; then
        command -v clang
    else
        echo "run.sh: no clang; set CLANG to one with libFuzzer" >&2
        exit 1
    fi
}

# build OUTPUT SANITIZERS SOURCES...
build() {
    local output="$1" sanitizers="$2"
    shift 2
    local clang linker=()
    clang="$(find_clang)"
    if [[ ! -f /usr/include/jpeglib.h ]]; then
        echo "run.sh: libjpeg's headers are missing: apt-get install libjpeg-dev" >&2
        exit 1
    fi
    # lld when the toolchain has it: gold warns about every ASan symbol it cannot export.
    if [[ -x "$(dirname "$clang")/ld.lld" ]] || command -v ld.lld >/dev/null; then linker=(-fuse-ld=lld); fi
    mkdir -p "$(dirname "$output")"
    # -fno-sanitize-recover: UBSan otherwise prints its report and carries on, and nothing would fail.
    "$clang" "${linker[@]}" -std=c11 -Wall -Wextra -g -O1 -fno-omit-frame-pointer \
        -fsanitize="$sanitizers" -fno-sanitize-recover=all -I"$here" -I"$shim" \
        "$@" "$shim/silo_jpeg_eighth.c" -ljpeg -o "$output"
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

replay() {
    local binary="$scratch/replay/replay" log="$scratch/replay/replay.log" status=0
    build "$binary" address,undefined "$here/fuzz_jpeg_eighth.c" "$here/replay_main.c"
    : >"$log"
    "$binary" --strict-rgb "$corpus" 2>&1 | tee -a "$log" || status=1
    "$binary" "$regressions" 2>&1 | tee -a "$log" || status=1
    # The exit status already says it; the log is read too in case a report did not end the process.
    if grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$log"; then status=1; fi
    if ((status != 0)); then
        echo "jpeg_eighth replay: FAILED (the input is the last 'Running:' line above the report)" >&2
    else
        echo "jpeg_eighth replay: corpus and regressions clean"
    fi
    return "$status"
}

fuzz() {
    local seconds="$1"
    [[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage
    local binary="$scratch/fuzz/fuzz_jpeg_eighth" work="$scratch/fuzz/working-corpus"
    local run="$scratch/fuzz/run-$(date +%Y%m%d-%H%M%S)-$$"
    local artifacts="$run/artifacts" log="$run/fuzz.log" status=0
    build "$binary" fuzzer,address,undefined "$here/fuzz_jpeg_eighth.c"
    mkdir -p "$work" "$artifacts"
    cp "$corpus"/* "$work"/
    # -timeout: the largest image the server lets through (250 MP) takes a few seconds under ASan; far more
    # means the decoder is stuck. The trailing slash of -artifact_prefix makes it a directory.
    "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 -rss_limit_mb=2560 \
        -dict="$here/jpeg.dict" -artifact_prefix="$artifacts/" "$work" 2>&1 | tee "$log" || status=$?
    local executions
    executions="$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)"
    local found=0 artifact
    shopt -s nullglob
    for artifact in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
        cp "$artifact" "$regressions"/
        echo "run.sh: copied $(basename "$artifact") into Fuzz/jpeg/regressions/" >&2
        found=$((found + 1))
    done
    shopt -u nullglob
    if ((status != 0 && found == 0)); then echo "run.sh: libFuzzer exited with status $status (log: $log)" >&2; fi
    echo "jpeg_eighth: ${executions:-unknown} executions, $found crashes"
    ((found == 0 && status == 0))
}

case "${1:-}" in
    replay) [[ $# -eq 1 ]] || usage; replay ;;
    fuzz) [[ $# -eq 2 ]] || usage; fuzz "$2" ;;
    *) usage ;;
esac
