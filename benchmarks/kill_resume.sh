#!/usr/bin/env bash
# Kill-and-resume stress test of `tsd train` (issue 17), the long version of
# the end-to-end test: a small MNIST run is killed with SIGKILL at random
# moments, and at the N-th rename and the N-th fsync of the process
# (strace fault injection: `-e inject=rename:signal=KILL:when=N`), then
# resumed with --resume until it finishes. Every finished run must end with a
# model file byte-identical to an uninterrupted run's, and a log.csv with all
# of its rows. Prints a table: kind,
# runs, kills that landed, mismatches. Exits 1 on a mismatch. Measured on
# 2026-12-02 (2 shared CPU cores, 7 min): 10 random kills, 18 at the
# renames and 18 at the fsyncs of a run (every one it makes), 0 mismatches.
#
#   benchmarks/kill_resume.sh            # 10 random kills, every rename and fsync
#   KILLS=30 benchmarks/kill_resume.sh
#
# Needs strace (Debian package `strace`; installed here when missing) and
# MNIST where `tsd data` finds it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
command -v strace >/dev/null || apt-get install -y -qq strace >/dev/null
cargo build --release --locked --quiet -p tsd-cli
tsd="$(readlink -f "${CARGO_TARGET_DIR:-target}/release/tsd")"
kills="${KILLS:-10}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
run=(train --dataset mnist --train-subset 1000 --val-size 500 --step1-epochs 3 --step2-epochs 3
    --set nf=8 --set step2.schedule.kind=every_batch --no-mlp-probe --device cpu --quiet)

"$tsd" "${run[@]}" --out "$dir/whole" >/dev/null 2>&1
reference="$dir/whole/model.safetensors"

# The rows of a log.csv (phase, epoch, metric), without values or times.
log_rows() { cut -d, -f1,2,4 "$1"; }

# Resumes `out` until it finishes; 0 when its model file equals the
# reference and its log has every row of the reference's.
finish_and_compare() {
    local out="$1" tries=0
    until "$tsd" "${run[@]}" --out "$out" --resume >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ "$tries" -lt 3 ] || return 2
    done
    cmp -s "$reference" "$out/model.safetensors" && [ "$(log_rows "$out/log.csv")" = "$(log_rows "$dir/whole/log.csv")" ]
}

printf '%-22s %6s %12s %11s\n' kind runs "kills landed" mismatches
status=0

# Random moments: start, sleep 0.3-6 s, SIGKILL.
landed=0 bad=0
for i in $(seq 1 "$kills"); do
    out="$dir/random$i"
    "$tsd" "${run[@]}" --out "$out" >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v s="$i" 'BEGIN { srand(s); printf "%.2f", 0.3 + 5.7 * rand() }')"
    if kill -9 "$pid" 2>/dev/null; then landed=$((landed + 1)); fi
    wait "$pid" 2>/dev/null || true
    finish_and_compare "$out" || bad=$((bad + 1))
done
printf '%-22s %6d %12d %11d\n' "random SIGKILL" "$kills" "$landed" "$bad"
[ "$bad" -eq 0 ] || status=1

# At the N-th call of each syscall that publishes a file, until a run no longer reaches it.
for call in rename fsync; do
    n=1 landed=0 bad=0
    while :; do
        out="$dir/$call$n"
        # (a subshell, so that bash's "Killed" line of the killed strace stays quiet)
        if (strace -f -qq -o /dev/null -e trace="$call" -e inject="$call":signal=KILL:when="$n" \
            "$tsd" "${run[@]}" --out "$out" >/dev/null 2>&1; exit $?) 2>/dev/null; then
            break # the run finished: it makes fewer than n such calls
        fi
        landed=$((landed + 1))
        finish_and_compare "$out" || bad=$((bad + 1))
        n=$((n + 1))
    done
    printf '%-22s %6d %12d %11d\n' "SIGKILL at $call #N" "$n" "$landed" "$bad"
    [ "$bad" -eq 0 ] || status=1
done
exit "$status"
