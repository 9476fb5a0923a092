#!/usr/bin/env bash
# The KRM function benchmark of `make bench`: acrgen fn's processor against a no-op kyaml
# framework function on the same 10,000-item ResourceList, side by side in one go test run
# (GOMAXPROCS=1 so the two compare on one core). Appends a section to bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${BENCH_FN_COUNT:-6}
out=$(GOMAXPROCS=1 go test ./pkg/fn -run '^$' -bench 'BenchmarkFn' -benchtime 1x -benchmem -count "$count")
echo "$out" | grep '^BenchmarkFn'
summary=$(echo "$out" | awk '
	# name, iterations, ns/op, "ns/op", MB/s, "MB/s", cpu-ns/op, "cpu-ns/op", B/op, "B/op", ...
	/^BenchmarkFn\/acrgen/ {a[++na]=$3; ab=$9}
	/^BenchmarkFn\/noop/   {n[++nn]=$3; nb=$9}
	function median(v, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }; return v[int((k + 1) / 2)] }
	END {
		ma = median(a, na); mn = median(n, nn); r = ma / mn
		printf "| acrgen fn | %.2f s | %.0f MB allocated |\n| no-op kyaml function | %.2f s | %.0f MB allocated |\n", ma / 1e9, ab / 1e6, mn / 1e9, nb / 1e6
		printf "\nacrgen fn / no-op, median wall time of %d runs each: **%.2f×** (target ≤ 1.3×: %s)\n", na, r, (r <= 1.3 ? "PASS" : "FAIL")
	}')
echo "$summary"
{
	printf '\n### KRM function: 10,000-item ResourceList (GOMAXPROCS=1)\n\n| function | wall (median) | memory |\n|---|---|---|\n'
	echo "$summary"
} >> bench/results.md
