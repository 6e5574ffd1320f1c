#!/usr/bin/env bash
# Fuzzing Silo's parsers of untrusted bytes.
#   Fuzz/run.sh fuzz SECONDS [TARGET...]   libFuzzer + AddressSanitizer on each Swift target (default: all) for
#                                          SECONDS each, then the C JPEG decoder (Fuzz/jpeg); crashes are copied to
#                                          Fuzz/regressions/<target>/ and the run fails
#   Fuzz/run.sh list                       the Swift targets
# `make test` replays Fuzz/corpus and Fuzz/regressions without libFuzzer (SiloFuzzReplayTests, Fuzz/jpeg/run.sh replay).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scratch="$here/swift/.build"
work="$here/.work"
targets=(xml-request xml-response policy conditions form-data post-policy signature process callback session-token
         range image-header sts-request tagging lifecycle media-probe media-notify console-form audit-uri)

build() {
    swift build --package-path "$here/swift" --scratch-path "$scratch" -c debug \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld >&2
    echo "$scratch/debug/silo-fuzz"
}

case "${1:-}" in
list)
    printf '%s\n' "${targets[@]}"
    ;;
fuzz)
    seconds="${2:?seconds per target}"
    shift 2
    chosen=("$@")
    [ ${#chosen[@]} -eq 0 ] && chosen=("${targets[@]}")
    binary="$(build)"
    failed=0
    summary=()
    for target in "${chosen[@]}"; do
        corpus="$work/corpus/$target"
        artifacts="$work/artifacts/$target/"
        mkdir -p "$corpus" "$artifacts" "$here/regressions/$target"
        cp -n "$here/corpus/$target/"* "$corpus/" 2>/dev/null || true
        log="$work/$target.log"
        set +e
        SILO_FUZZ_TARGET="$target" "$binary" "$corpus" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
            -max_len=16384 -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1
        status=$?
        set -e
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
        crashes=$(find "$artifacts" -type f | wc -l)
        if [ "$crashes" -gt 0 ]; then
            cp "$artifacts"* "$here/regressions/$target/"
            failed=1
        elif [ "$status" -ne 0 ]; then
            echo "$target: libFuzzer exited with $status; see $log" >&2
            failed=1
        fi
        summary+=("$target: $runs executions, $crashes crashes")
        echo "${summary[-1]}"
    done
    if [ ${#chosen[@]} -eq ${#targets[@]} ]; then
        "$here/jpeg/run.sh" fuzz "$seconds" || failed=1
    fi
    echo "--- fuzz summary (${seconds}s per target)"
    printf '%s\n' "${summary[@]}"
    exit $failed
    ;;
*)
    echo "usage: Fuzz/run.sh fuzz SECONDS [TARGET...] | list" >&2
    exit 2
    ;;
esac
