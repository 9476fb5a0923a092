#!/usr/bin/env bash
# acrgen's benchmark (`make bench`): `acrgen patch` against (a) a kyaml read-and-write that changes
# nothing and (b) mikefarah/yq editing each file in place, side by side on generated kustomize trees.
#
#   A-10k  10,000 workloads / 1,000 files / 50 namespace dirs, 2/3 pull from the registry, every file changes
#   B-10k  the same size, 5% pull from the registry, packed into 10% of the files (most need nothing)
#   C-10k  tree A's shape without a single comment (10 workloads a file, as tools that drop comments
#          write them): the least text per workload, so the most parsing and editing per byte
#   D-10k  one workload a file: 10,000 files, 2/3 of them pull from the registry (per-file costs)
#   E-10k  ten files of 1,000 workloads each in ten namespace dirs (per-byte costs, big files)
#   A-1k, A-3k  tree A at 1,000 and 3,000 workloads (100 and 300 files): is the cost linear?
#
# yq runs on every tree but D-10k (10,000 yq processes would take the better part of an hour);
# there the count of imagePullSecrets against the generator's count of hits is the check.
#
# Each tool gets a fresh copy of each tree for every run; wall time (bash $EPOCHREALTIME around the
# command) and peak RSS (GNU time %M; for the yq loop, the largest single yq process) are the median of
# BENCH_RUNS runs. Afterwards it checks acrgen's output: one imagePullSecrets per hit workload (the same
# per file as yq's), a diff that only adds imagePullSecrets lines, files that need nothing left
# untouched, and a second run that changes nothing. It prints the machine, a table and the targets
# from issues 2 and 8, and writes the tables to bench/results.md for the README.
#
# Environment:
#   BENCH_DIR             scratch directory (default .scratch/bench; wiped at start, kept at the end)
#   BENCH_RUNS            runs per tool and tree (default 3); BENCH_VERSION_RUNS for `version` (default 20)
#   BENCH_DET_RUNS        parallel runs compared with the serial one for determinism (default 20)
#   BENCH_DET_TREES       trees checked for determinism (default A-10k; the first tree when none runs)
#   BENCH_NO_YQ           trees on which yq does not run (a busy machine), e.g. "B-10k C-10k"
#   BENCH_YQ_SLOW         seconds: when one yq run takes longer, yq runs only once on that tree (default 60)
#   BENCH_TREES           subset of trees to run, e.g. "A-1k B-10k" (default all seven); writes no results.md
#   BENCH_BASELINES_ONLY  1: measure only kyaml and yq (developing this script); writes no results.md
#   BENCH_STRICT          1: exit 1 when a target fails (default: report FAIL, exit 0)
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BIN=$ROOT/bin
SCRATCH=${BENCH_DIR:-$ROOT/.scratch/bench}
RUNS=${BENCH_RUNS:-3}
VERSION_RUNS=${BENCH_VERSION_RUNS:-20}
DET_RUNS=${BENCH_DET_RUNS:-20}
NO_YQ=${BENCH_NO_YQ:-}
DET_TREES=${BENCH_DET_TREES:-A-10k}
YQ_SLOW=${BENCH_YQ_SLOW:-60}
TREES=(${BENCH_TREES:-A-1k A-3k A-10k B-10k C-10k D-10k E-10k})
BASELINES_ONLY=${BENCH_BASELINES_ONLY:-0}
STRICT=${BENCH_STRICT:-0}
REGISTRY=myregistry.azurecr.io
SECRET=acr-secret
RESULTS=$ROOT/bench/results.md

# Tree specs: workloads files namespaces hit hitfiles comments(1/0) yq(1/0).
declare -A SPEC=(
	[A-1k]="1000 100 50 0.667 1 1 1"
	[A-3k]="3000 300 50 0.667 1 1 1"
	[A-10k]="10000 1000 50 0.667 1 1 1"
	[B-10k]="10000 1000 50 0.05 0.1 1 1"
	[C-10k]="10000 1000 50 0.667 1 0 1"
	[D-10k]="10000 10000 50 0.667 0.667 1 0"
	[E-10k]="10000 10 10 0.667 1 1 1"
)
# SHAPE describes each tree in the report.
declare -A SHAPE=(
	[A-1k]="10 workloads a file, commented"
	[A-3k]="10 workloads a file, commented"
	[A-10k]="10 workloads a file, commented"
	[B-10k]="10 a file, 5% hits in 10% of the files"
	[C-10k]="10 workloads a file, no comments"
	[D-10k]="one workload a file"
	[E-10k]="1,000 workloads a file"
)

# The yq baseline: the usual hand-rolled loop, one `yq -i` per file. It adds the secret to every pod
# spec (Deployment/StatefulSet/Job template, CronJob jobTemplate, Pod) with a container or init
# container from the registry that does not reference it yet.
YQ_EXPR='(
  (
    (select(.kind == "Deployment" or .kind == "StatefulSet" or .kind == "DaemonSet" or .kind == "ReplicaSet" or .kind == "Job") | .spec.template.spec),
    (select(.kind == "CronJob") | .spec.jobTemplate.spec.template.spec),
    (select(.kind == "Pod") | .spec)
  )
  | select([(.initContainers // [])[], (.containers // [])[]] | any_c(.image | test("^myregistry\.azurecr\.io/")))
  | select((.imagePullSecrets // []) | all_c(.name != "acr-secret"))
).imagePullSecrets += [{"name": "acr-secret"}]'

die() {
	printf '\nbench: FAILED: %s\n' "$*" >&2
	exit 1
}
note() { printf '%s\n' "$*" >&2; }

# ---- prerequisites -------------------------------------------------------------------------------

TOOLS=(kyaml yq)
if [[ $BASELINES_ONLY != 1 ]]; then
	[[ -x $BIN/acrgen ]] || die "bin/acrgen not found: run \`make build\` (or \`make bench\`). No numbers without it;
BENCH_BASELINES_ONLY=1 measures only the kyaml and yq baselines."
	TOOLS=(acrgen kyaml yq)
fi
[[ -x $BIN/yq ]] || die "bin/yq not found: run \`make $BIN/yq\` (or \`make bench\`)"
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is required for peak memory"
for t in "${TREES[@]}"; do [[ -n ${SPEC[$t]:-} ]] || die "unknown tree $t in BENCH_TREES (known: ${!SPEC[*]})"; done

# Wipe the scratch directory, but only one this script made (it leaves a marker).
if [[ -d $SCRATCH && -n $(ls -A "$SCRATCH") && ! -e $SCRATCH/.acrgen-bench ]]; then
	die "$SCRATCH exists and was not made by bench/run.sh: choose another BENCH_DIR"
fi
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"/{bin,src,work,log}
touch "$SCRATCH/.acrgen-bench"
note "building bench/gentree and bench/kyamlnoop"
go build -o "$SCRATCH/bin/gentree" ./bench/gentree
go build -o "$SCRATCH/bin/kyamlnoop" ./bench/kyamlnoop

# ---- machine -------------------------------------------------------------------------------------

CPU_MODEL=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
FSTYPE=$(df -PT "$SCRATCH" | awk 'NR == 2 {print $2}')
LOAD=$(cut -d' ' -f1 /proc/loadavg)
MACHINE="$(nproc) CPUs ($CPU_MODEL), $MEM RAM, Linux $(uname -r), $(go version | awk '{print $3}'), scratch on $FSTYPE"
VERSIONS="yq $("$BIN/yq" --version | awk '{print $NF}')"
[[ -x $BIN/kustomize ]] && VERSIONS+=", kustomize $("$BIN/kustomize" version)"
if [[ $BASELINES_ONLY != 1 ]]; then
	v=$("$BIN/acrgen" version 2>&1 | head -1 || echo '?')
	VERSIONS+=", acrgen ${v#acrgen }"
fi
printf '\nmachine:  %s\ntools:    %s\nload:     %s at start\n' "$MACHINE" "$VERSIONS" "$LOAD"
if awk -v l="$LOAD" -v n="$(nproc)" 'BEGIN {exit !(l > n / 2)}'; then
	note "warning: load average $LOAD on $(nproc) CPUs: something else is running, timings will be noisy"
fi

# ---- helpers -------------------------------------------------------------------------------------

# now_us prints the wall clock in microseconds.
now_us() { echo "${EPOCHREALTIME/./}"; }

# median prints the median of its numeric arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {printf "%.0f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# fmt_s prints microseconds as seconds; fmt_mb prints KB as MB.
fmt_s() { awk -v u="$1" 'BEGIN {printf (u < 1e7 ? "%.2f s" : "%.1f s"), u / 1e6}'; }
fmt_mb() { awk -v k="$1" 'BEGIN {printf "%.0f MB", k / 1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# count_ips prints how many imagePullSecrets keys the tree under $1 holds.
count_ips() { { grep -rho --include='*.yaml' 'imagePullSecrets' "$1" || true; } | wc -l; }

# per_file_ips prints "relative/path:count" for every YAML file under $1.
per_file_ips() { (cd "$1" && grep -rc --include='*.yaml' 'imagePullSecrets' . | sort); }

# tree_sum prints one checksum over every file under $1 (names and contents).
tree_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }

# stat_of KEY prints KEY's value from a gentree statistics line in $2.
stat_of() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k {print $2}'; }

declare -A STATS WALL CPU RSS CHANGED REWRITTEN

# run_tool TOOL TREE RUN: time one run of TOOL on a fresh copy of TREE; append to WALL/RSS.
run_tool() {
	local tool=$1 tree=$2 run=$3
	local src=$SCRATCH/src/$tree dir=$SCRATCH/work/$tree-$tool
	local log=$SCRATCH/log/$tree-$tool-$run.log tf=$SCRATCH/log/$tree-$tool-$run.time
	rm -rf "$dir"
	cp -a "$src" "$dir"
	sync
	touch "$SCRATCH/log/stamp"
	local cmd
	case $tool in
	acrgen) cmd=("$BIN/acrgen" patch --registry "$REGISTRY" "$dir") ;;
	kyaml) cmd=("$SCRATCH/bin/kyamlnoop" "$dir") ;;
	yq) cmd=(find "$dir" -type f -name '*.yaml' -exec "$BIN/yq" -i "$YQ_EXPR" '{}' ';') ;;
	esac
	local t0 t1 rc=0
	t0=$(now_us)
	/usr/bin/time -f '%M %U %S' -o "$tf" "${cmd[@]}" >"$log" 2>&1 || rc=$?
	t1=$(now_us)
	if ((rc != 0)); then
		sed -n '1,20p' "$log" >&2
		die "$tool on $tree exited $rc (log: $log)"
	fi
	# find -exec ... ';' ignores the exit status of yq: a failing yq shows up in its output.
	[[ $tool != yq || ! -s $log ]] || { sed -n '1,20p' "$log" >&2; die "yq printed errors on $tree (log: $log)"; }
	WALL[$tree,$tool]+=" $((t1 - t0))"
	RSS[$tree,$tool]+=" $(awk '{print $1}' "$tf")"
	CPU[$tree,$tool]+=" $(awk '{printf "%.0f", ($2 + $3) * 1e6}' "$tf")"

	local want got hits
	hits=$(stat_of hits "${STATS[$tree]}")
	case $tool in kyaml) want=0 ;; *) want=$hits ;; esac
	got=$(count_ips "$dir")
	((got == want)) || die "$tool on $tree: $got imagePullSecrets in the tree, want $want (one per hit workload); tree kept in $dir"
	printf '  %-6s %-6s run %d: %8s wall, %8s CPU, %7s\n' "$tree" "$tool" "$run" "$(fmt_s $((t1 - t0)))" \
		"$(fmt_s "$(awk '{printf "%.0f", ($2 + $3) * 1e6}' "$tf")")" "$(fmt_mb "$(awk '{print $1}' "$tf")")" >&2
	if [[ $tool == acrgen && $run == 1 ]]; then
		check_acrgen "$tree" "$src" "$dir"
	fi
}

# check_acrgen TREE SRC DIR: the patched tree DIR (from SRC) has a minimal diff, no needless
# rewrites, and a second run changes nothing.
check_acrgen() {
	local tree=$1 src=$2 dir=$3
	local d bad
	d=$(diff -r "$src" "$dir" || true)
	bad=$(grep -vE '^(diff -r |[0-9,]+a[0-9,]+$|> +(imagePullSecrets:|- name: '"$SECRET"'$|- \{name: '"$SECRET"'\}$|name: '"$SECRET"'$))' <<<"$d" | head -5 || true)
	if [[ -n $bad ]]; then
		CHECK_FAIL+=("$tree: the diff of acrgen's output holds more than added imagePullSecrets lines, e.g. \`$(sed -n 2p <<<"$bad" | tr -d '|`')\` (see diff -r $src $dir)")
	fi
	CHANGED[$tree]=$(diff -rq "$src" "$dir" | wc -l || true)
	REWRITTEN[$tree]=$(find "$dir" -type f -newer "$SCRATCH/log/stamp" | wc -l)
	local before after first=$SCRATCH/work/$tree-acrgen-first-run
	before=$(tree_sum "$dir")
	rm -rf "$first"
	cp -a "$dir" "$first"
	touch "$SCRATCH/log/stamp2"
	"$BIN/acrgen" patch --registry "$REGISTRY" "$dir" >"$SCRATCH/log/$tree-acrgen-again.log" 2>&1 ||
		die "the second acrgen run on $tree exited $? (log: $SCRATCH/log/$tree-acrgen-again.log)"
	after=$(tree_sum "$dir")
	[[ $before == "$after" ]] || die "a second acrgen run on $tree changed the tree (first run kept in $first):
$(diff -r "$first" "$dir" | head -20)"
	rm -rf "$first"
	local touched
	touched=$(find "$dir" -type f -newer "$SCRATCH/log/stamp2" | wc -l)
	((touched == 0)) || CHECK_FAIL+=("$tree: the second acrgen run rewrote $touched files (same bytes, new mtime)")
	printf '  %-6s acrgen checks: %d files changed, %d rewritten, minimal diff %s, second run changes nothing\n' \
		"$tree" "${CHANGED[$tree]}" "${REWRITTEN[$tree]}" "$([[ -z $bad ]] && echo ok || echo FAIL)" >&2
}
CHECK_FAIL=()

# ---- trees ---------------------------------------------------------------------------------------

for tree in "${TREES[@]}"; do
	read -r n f ns hit hitfiles comments _ <<<"${SPEC[$tree]}"
	STATS[$tree]=$("$SCRATCH/bin/gentree" -out "$SCRATCH/src/$tree" -workloads "$n" -files "$f" -namespaces "$ns" \
		-hit "$hit" -hitfiles "$hitfiles" -comments="$([[ $comments == 1 ]] && echo true || echo false)")
	note "generated $tree: ${STATS[$tree]}"
done

# The generated tree must be a valid kustomization (kustomize build is quadratic: only the 1k tree).
if [[ -x $BIN/kustomize && " ${TREES[*]} " == *" A-1k "* ]]; then
	got=$("$BIN/kustomize" build "$SCRATCH/src/A-1k" | grep -c '^kind:') || die "kustomize build of the generated A-1k tree failed"
	((got == $(stat_of workloads "${STATS[A-1k]}"))) || die "kustomize build of A-1k gave $got objects"
fi

# ---- measurements --------------------------------------------------------------------------------

START=$(now_us)
for tree in "${TREES[@]}"; do
	note ""
	note "measuring $tree (${TOOLS[*]}, $RUNS runs each)"
	yq_once=0
	[[ $(awk '{print $7}' <<<"${SPEC[$tree]}") == 1 && " $NO_YQ " != *" $tree "* ]] || yq_once=2 # no yq on this tree
	for ((run = 1; run <= RUNS; run++)); do
		for tool in "${TOOLS[@]}"; do
			[[ $tool == yq && $yq_once != 0 ]] && continue
			run_tool "$tool" "$tree" "$run"
			if [[ $tool == yq && $run == 1 ]] && (($(awk '{print $1}' <<<"${WALL[$tree,yq]}") > YQ_SLOW * 1000000)); then
				note "  yq took over ${YQ_SLOW}s on $tree: one run only"
				yq_once=1
			fi
		done
	done
	if [[ " ${TOOLS[*]} " == *" acrgen "* && $yq_once != 2 ]]; then
		# Same imagePullSecrets per file as yq, the independent oracle.
		diff <(per_file_ips "$SCRATCH/work/$tree-acrgen") <(per_file_ips "$SCRATCH/work/$tree-yq") >"$SCRATCH/log/$tree-oracle.diff" ||
			die "acrgen and yq disagree on which workloads need the secret in $tree: $(head -4 "$SCRATCH/log/$tree-oracle.diff" | tr '\n' ' ')"
	fi
done

# After patching, kustomize build of A-1k must still work and carry the secret on every hit.
if [[ -x $BIN/kustomize && " ${TOOLS[*]} " == *" acrgen "* && " ${TREES[*]} " == *" A-1k "* ]]; then
	got=$("$BIN/kustomize" build "$SCRATCH/work/A-1k-acrgen" | grep -c 'imagePullSecrets') || die "kustomize build of A-1k after acrgen patch failed"
	((got == $(stat_of hits "${STATS[A-1k]}"))) || die "kustomize build of A-1k after acrgen patch: $got imagePullSecrets, want $(stat_of hits "${STATS[A-1k]}")"
fi

# Determinism: acrgen reads and parses files on every core; its output (files and report) must be
# byte-identical to a run on one core (GOMAXPROCS=1 makes the loader serial), and the same
# across DET_RUNS runs.
declare -A DET
if [[ " ${TOOLS[*]} " == *" acrgen "* ]]; then
	det=()
	for tree in "${TREES[@]}"; do [[ " $DET_TREES " == *" $tree "* ]] && det+=("$tree"); done
	((${#det[@]} > 0)) || det=("${TREES[0]}")
	for tree in "${det[@]}"; do
		runs=$DET_RUNS
		note "determinism on $tree: one serial run, $runs parallel runs"
		dir=$SCRATCH/work/$tree-det
		want=""
		bad=0
		for ((i = 0; i <= runs; i++)); do
			rm -rf "$dir"
			cp -a "$SCRATCH/src/$tree" "$dir"
			procs=$(nproc)
			((i == 0)) && procs=1
			GOMAXPROCS=$procs "$BIN/acrgen" patch --registry "$REGISTRY" "$dir" >"$SCRATCH/log/$tree-det.out" 2>&1 ||
				die "acrgen on $tree (GOMAXPROCS=$procs) exited $? (log: $SCRATCH/log/$tree-det.out)"
			got="$(tree_sum "$dir") $(sha256sum <"$SCRATCH/log/$tree-det.out" | cut -c1-16)"
			if ((i == 0)); then
				want=$got
				cp "$SCRATCH/log/$tree-det.out" "$SCRATCH/log/$tree-det-serial.out"
			elif [[ $got != "$want" ]]; then
				bad=$((bad + 1))
				cp "$SCRATCH/log/$tree-det.out" "$SCRATCH/log/$tree-det-$i.out"
			fi
		done
		DET[$tree]="$runs $bad"
	done
fi

# version: many short runs, alternating, after one warm-up each.
declare -A VER
if [[ -x $BIN/kustomize ]]; then
	VTOOLS=(kustomize)
	[[ " ${TOOLS[*]} " == *" acrgen "* ]] && VTOOLS=(acrgen kustomize)
	for t in "${VTOOLS[@]}"; do "$BIN/$t" version >/dev/null 2>&1 || die "$t version failed"; done
	for ((i = 0; i < VERSION_RUNS; i++)); do
		for t in "${VTOOLS[@]}"; do
			t0=$(now_us)
			"$BIN/$t" version >/dev/null 2>&1
			t1=$(now_us)
			VER[$t]+=" $((t1 - t0))"
		done
	done
fi
ELAPSED=$(($(now_us) - START))

# ---- report --------------------------------------------------------------------------------------

declare -A MW MC MR # median wall (µs), CPU (µs), RSS (KB)
for tree in "${TREES[@]}"; do
	for tool in "${TOOLS[@]}"; do
		[[ -n ${WALL[$tree,$tool]:-} ]] || continue
		MW[$tree,$tool]=$(median ${WALL[$tree,$tool]})
		MR[$tree,$tool]=$(median ${RSS[$tree,$tool]})
		MC[$tree,$tool]=$(median ${CPU[$tree,$tool]})
	done
done

# paired A B TREE [WALL|CPU]: the median over runs of A's time ÷ B's time in the same run (the runs
# interleave the tools, so a burst of other load hits both sides of a pair alike).
paired() {
	local -n m=${4:-WALL}
	local a=(${m[$3,$1]}) b=(${m[$3,$2]}) r=() i
	for ((i = 0; i < ${#a[@]} && i < ${#b[@]}; i++)); do r+=("$(awk -v x="${a[i]}" -v y="${b[i]}" 'BEGIN {printf "%.6f", x / y}')"); done
	printf '%s\n' "${r[@]}" | sort -g | awk '{v[NR] = $1} END {printf "%.3f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

cell() { # cell TREE TOOL
	if [[ -n ${MW[$1,$2]:-} ]]; then
		local n
		n=$(wc -w <<<"${WALL[$1,$2]}")
		printf '%s (CPU %s), %s%s' "$(fmt_s "${MW[$1,$2]}")" "$(fmt_s "${MC[$1,$2]}")" "$(fmt_mb "${MR[$1,$2]}")" "$( ((n < RUNS)) && echo " ($n run)")"
	else
		printf '—'
	fi
}

TABLE=$(
	echo "| tree | shape | workloads / files | hit workloads / files with hits | acrgen patch | kyaml no-op | yq -i per file | acrgen ÷ kyaml | yq ÷ acrgen |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for tree in "${TREES[@]}"; do
		s=${STATS[$tree]}
		r1=— r2=—
		if [[ -n ${MW[$tree,acrgen]:-} ]]; then
			r1="$(paired acrgen kyaml "$tree")× (CPU $(paired acrgen kyaml "$tree" CPU)×)"
		fi
		if [[ -n ${MW[$tree,acrgen]:-} && -n ${MW[$tree,yq]:-} ]]; then
			r2="$(ratio "${MW[$tree,yq]}" "${MW[$tree,acrgen]}")× (CPU $(ratio "${MC[$tree,yq]}" "${MC[$tree,acrgen]}")×)"
		fi
		printf '| %s | %s | %s / %s | %s / %s | %s | %s | %s | %s | %s |\n' "$tree" "${SHAPE[$tree]}" \
			"$(stat_of workloads "$s")" "$(stat_of files "$s")" "$(stat_of hits "$s")" "$(stat_of hitfiles "$s")" \
			"$(cell "$tree" acrgen)" "$(cell "$tree" kyaml)" "$(cell "$tree" yq)" "$r1" "$r2"
	done
)

FAILS=0
TARGETS=""
target() { # target DESCRIPTION MEASURED PASS(0/1)
	local res=FAIL
	[[ $3 == 1 ]] && res=PASS
	[[ $3 == 1 ]] || FAILS=$((FAILS + 1))
	TARGETS+="| $1 | $2 | $res |"$'\n'
}
le() { awk -v a="$1" -v b="$2" 'BEGIN {print (a <= b) ? 1 : 0}'; }
have() { [[ -n ${MW[$1,acrgen]:-} ]]; }

if [[ " ${TOOLS[*]} " == *" acrgen "* ]]; then
	# acrgen ÷ kyaml no-op on wall time, the median of the per-run ratios (issue 8's targets for A
	# and B; C, D and E are the shapes users reported, with targets set when they were added).
	for tree in A-10k B-10k C-10k D-10k E-10k; do
		have $tree || continue
		case $tree in A-10k) max=0.35 ;; B-10k) max=0.05 ;; C-10k) max=0.5 ;; D-10k) max=0.6 ;; E-10k) max=0.5 ;; esac
		r=$(paired acrgen kyaml $tree)
		target "$tree (${SHAPE[$tree]}): acrgen ≤ ${max}× kyaml no-op" "${r}× (CPU $(paired acrgen kyaml $tree CPU)×)" "$(le "$r" "$max")"
	done
	if have A-10k && [[ -n ${MW[A-10k,yq]:-} ]]; then
		r=$(ratio "${MW[A-10k,yq]}" "${MW[A-10k,acrgen]}")
		target "A-10k: yq (the script above) ≥ 15× acrgen" "${r}×" "$(le 15 "$r")"
	fi
	for tree in A-10k B-10k C-10k D-10k E-10k; do
		have $tree || continue
		target "$tree: peak memory ≤ kyaml no-op's" "$(fmt_mb "${MR[$tree,acrgen]}") vs $(fmt_mb "${MR[$tree,kyaml]}")" \
			"$(le "${MR[$tree,acrgen]}" "${MR[$tree,kyaml]}")"
	done
	# Linear: time grows no faster than 1.3× the tree size (fixed start-up costs make it grow slower).
	for big in A-3k A-10k; do
		have A-1k && have $big || continue
		k=${big#A-}
		k=${k%k}
		r=$(ratio "${MW[$big,acrgen]}" "${MW[A-1k,acrgen]}")
		rk=$(ratio "${MW[$big,kyaml]}" "${MW[A-1k,kyaml]}")
		target "linear: time $big ÷ A-1k ≤ $(awk -v k="$k" 'BEGIN {print 1.3 * k}') (${k}× the workloads)" "${r}× (kyaml no-op: ${rk}×)" \
			"$(le "$r" "$(awk -v k="$k" 'BEGIN {print 1.3 * k}')")"
	done
	if [[ -n ${VER[acrgen]:-} ]]; then
		va=$(median ${VER[acrgen]})
		vk=$(median ${VER[kustomize]})
		target "\`acrgen version\` ≤ 2× \`kustomize version\` (median of $VERSION_RUNS)" \
			"$(awk -v a="$va" -v b="$vk" 'BEGIN {printf "%.1f ms vs %.1f ms (%.2f×)", a / 1000, b / 1000, a / b}')" "$(le "$va" $((2 * vk)))"
	fi
	for tree in "${TREES[@]}"; do
		[[ -n ${CHANGED[$tree]:-} ]] || continue
		target "$tree: files that need nothing are not rewritten" \
			"${CHANGED[$tree]} changed, ${REWRITTEN[$tree]} rewritten" "$([[ ${CHANGED[$tree]} == "${REWRITTEN[$tree]}" ]] && echo 1 || echo 0)"
	done
	for tree in "${TREES[@]}"; do
		[[ -n ${DET[$tree]:-} ]] || continue
		read -r runs bad <<<"${DET[$tree]}"
		target "$tree: files and report byte-identical to a serial run (GOMAXPROCS=1), in each of $runs parallel runs" \
			"$((runs - bad)) of $runs identical" "$([[ $bad == 0 ]] && echo 1 || echo 0)"
	done
	target "minimal diffs (only imagePullSecrets lines added), idempotent second run" \
		"$([[ ${#CHECK_FAIL[@]} == 0 ]] && echo ok || printf '%s; ' "${CHECK_FAIL[@]}")" "$([[ ${#CHECK_FAIL[@]} == 0 ]] && echo 1 || echo 0)"
fi

REPORT=$(
	echo "Machine: $MACHINE; load average $LOAD at start, $(cut -d' ' -f1 /proc/loadavg) at the end. Tools: $VERSIONS."
	echo
	echo "Median of $RUNS runs, each on a fresh copy of the tree: wall time (user + system CPU time), peak RSS (for yq, the largest single \`yq\` process)."
	echo "Targets are on wall time; the CPU figures are less sensitive to other load on the machine."
	echo "Every tree has 50 namespace directories, each with a kustomization.yaml."
	echo
	echo "$TABLE"
	if [[ -n $TARGETS ]]; then
		echo
		echo "| target | measured | result |"
		echo "|---|---|---|"
		printf '%s' "$TARGETS"
	fi
)

printf '\n%s\n\n' "$REPORT"
note "scratch trees and logs kept in $SCRATCH; measurements took $(fmt_s "$ELAPSED")"

if [[ $BASELINES_ONLY == 1 || -n ${BENCH_TREES:-} ]]; then
	note "BENCH_BASELINES_ONLY or BENCH_TREES set: ${RESULTS#"$ROOT"/} not written"
	exit 0
fi
{
	echo "<!-- generated by bench/run.sh ($(date -u +%Y-%m-%d)); paste into the README -->"
	echo
	echo "$REPORT"
} >"$RESULTS"
note "wrote ${RESULTS#"$ROOT"/}"
if ((FAILS > 0)); then
	note "$FAILS target(s) missed"
	[[ $STRICT == 1 ]] && exit 1
fi
exit 0
