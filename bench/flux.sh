#!/usr/bin/env bash
# Repository benchmark (`make bench`, issues 9 and 17): a generated GitOps repository of CLUSTERS
# clusters over one shared base of WORKLOADS workloads, each cluster its own overlay of the base,
# applied with a namespace and images of its own by
#
#   flux    (the default) a Flux Kustomization (targetNamespace, images) in clusters/cN;
#   argocd  (BENCH_DEPLOYER=argocd) an Argo CD Application (destination namespace,
#           spec.source.kustomize.images) in apps/cN, the Secret decrypted with KSOPS.
#
# Side by side, one run each:
#
#   root     one `acrgen check` process that follows every Kustomization (`acrgen check .`) or
#            Application (`acrgen check apps`)
#   separate the sum of CLUSTERS `acrgen check clusters/cN` (or apps/cN) runs, one per cluster
#   kustomize the sum of CLUSTERS `kustomize build overlays/cN`, the least any build-then-policy
#            check must pay
#
# and peak RSS (GNU time %M) of the root check with all clusters and with one: it must grow with
# the unique files, not with the number of overlays. Targets from issue 9, for both deployers:
# root <= 0.3x separate, root <= 0.1x kustomize.
#
# Environment: BENCH_DEPLOYER (flux or argocd), BENCH_DIR (default .scratch/bench-DEPLOYER),
# BENCH_FLUX_CLUSTERS (20), BENCH_FLUX_WORKLOADS (500), BENCH_STRICT (1: exit 1 when a target
# fails).
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
export PATH=$ROOT/bin:$PATH
DEPLOYER=${BENCH_DEPLOYER:-flux}
SCRATCH=${BENCH_DIR:-$ROOT/.scratch/bench-$DEPLOYER}
CLUSTERS=${BENCH_FLUX_CLUSTERS:-20}
WORKLOADS=${BENCH_FLUX_WORKLOADS:-500}
STRICT=${BENCH_STRICT:-0}
PER_FILE=5

rm -rf "$SCRATCH" && mkdir -p "$SCRATCH/base"
cd "$SCRATCH"
mkdir .git # the source root

# The shared base: WORKLOADS Deployments, PER_FILE per file, image "app" (the registry comes
# from each cluster's images:).
{
	echo "resources:"
	for ((f = 0; f < WORKLOADS / PER_FILE; f++)); do echo "- w$f.yaml"; done
} >base/kustomization.yaml
for ((f = 0; f < WORKLOADS / PER_FILE; f++)); do
	for ((i = 0; i < PER_FILE; i++)); do
		n=w$f-$i
		printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\nspec:\n  selector:\n    matchLabels:\n      app: %s\n  template:\n    metadata:\n      labels:\n        app: %s\n    spec:\n      containers:\n      - name: app\n        image: app:v1\n      - name: sidecar\n        image: nginx:1.27\n' "$n" "$n" "$n"
	done >"base/w$f.yaml"
done
REPO_URL=https://github.com/example/gitops.git
# flux_cluster N and argocd_cluster N write the deployer's object for cluster N.
argocd_cluster() {
	mkdir -p "apps/c$1"
	cat >"apps/c$1/app.yaml" <<-YAML
		apiVersion: argoproj.io/v1alpha1
		kind: Application
		metadata:
		  name: c$1
		  namespace: argocd
		spec:
		  project: default
		  source:
		    repoURL: $REPO_URL
		    targetRevision: HEAD
		    path: overlays/c$1
		    kustomize:
		      images:
		      - app=myregistry.azurecr.io/app-$1
		  destination:
		    server: https://kubernetes.default.svc
		    namespace: tenant-$1
	YAML
}
flux_cluster() {
	mkdir -p "clusters/c$1"
	cat >"clusters/c$1/sync.yaml" <<-YAML
		apiVersion: kustomize.toolkit.fluxcd.io/v1
		kind: Kustomization
		metadata:
		  name: flux-system
		  namespace: flux-system
		spec:
		  interval: 10m
		  path: ./clusters/c$c
		  prune: true
		  sourceRef:
		    kind: GitRepository
		    name: flux-system
		---
		apiVersion: kustomize.toolkit.fluxcd.io/v1
		kind: Kustomization
		metadata:
		  name: apps
		  namespace: flux-system
		spec:
		  interval: 10m
		  path: ./overlays/c$c
		  prune: true
		  targetNamespace: tenant-$c
		  images:
		  - name: app
		    newName: myregistry.azurecr.io/app-$c
		  decryption:
		    provider: sops
		  sourceRef:
		    kind: GitRepository
		    name: flux-system
	YAML
}
for ((c = 1; c <= CLUSTERS; c++)); do
	mkdir -p "overlays/c$c"
	printf 'resources:\n- ../../base\n' >"overlays/c$c/kustomization.yaml"
	"${DEPLOYER}_cluster" "$c"
done
case $DEPLOYER in
flux)
	check=(acrgen check --registry myregistry)
	objects=clusters root_arg=.
	;;
argocd)
	check=(acrgen check --registry myregistry --repo-url "$REPO_URL" --decryptor ksops)
	objects=apps root_arg=apps
	;;
*)
	echo "BENCH_DEPLOYER: flux or argocd, not $DEPLOYER" >&2
	exit 2
	;;
esac

now_us() { echo "${EPOCHREALTIME/./}"; }
# measure VAR_MS VAR_KB cmd...: wall milliseconds and peak RSS in KiB; exit 1 (drift) is expected.
measure() {
	local -n __ms=$1 __kb=$2
	shift 2
	local t0 rc=0 tf
	tf=$(mktemp)
	t0=$(now_us)
	/usr/bin/time -f '%M' -o "$tf" "$@" >/dev/null 2>"$tf.err" || rc=$?
	__ms=$((($(now_us) - t0) / 1000))
	__kb=$(tail -1 "$tf")
	if ((rc > 1)); then
		echo "failed ($rc): $*" >&2
		cat "$tf.err" >&2
		exit 1
	fi
	rm -f "$tf" "$tf.err"
}

measure root_ms root_kb "${check[@]}" "$root_arg"
# The root check must report every cluster's workloads: one problem per workload and cluster,
# plus one missing Secret per cluster.
problems=$("${check[@]}" "$root_arg" 2>/dev/null | grep -c 'problem:' || true)
want=$((CLUSTERS * (WORKLOADS + 1)))
measure one_ms one_kb "${check[@]}" "$objects/c1"
sep_ms=0
for ((c = 1; c <= CLUSTERS; c++)); do
	measure ms kb "${check[@]}" "$objects/c$c"
	sep_ms=$((sep_ms + ms))
done
kus_ms=0
for ((c = 1; c <= CLUSTERS; c++)); do
	measure ms kb kustomize build "overlays/c$c"
	kus_ms=$((kus_ms + ms))
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t ? "ok" : "FAIL") }'; }
r_sep=$(ratio "$root_ms" "$sep_ms")
r_kus=$(ratio "$root_ms" "$kus_ms")
r_mem=$(ratio "$root_kb" "$one_kb")
echo
echo "$DEPLOYER repository: $CLUSTERS clusters, one shared base of $WORKLOADS workloads ($(nproc) CPUs, $(uname -m))"
echo
echo "| measure | time | target | result |"
echo "|---|---|---|---|"
echo "| acrgen check $root_arg (one process, $CLUSTERS clusters) | ${root_ms} ms, peak ${root_kb} KiB | | $problems problems found (want $want) |"
echo "| sum of $CLUSTERS acrgen check $objects/cN | ${sep_ms} ms | root <= 0.3x | ${r_sep}x $(verdict "$r_sep" 0.3) |"
echo "| sum of $CLUSTERS kustomize build overlays/cN | ${kus_ms} ms | root <= 0.1x | ${r_kus}x $(verdict "$r_kus" 0.1) |"
echo "| peak memory, root vs one cluster | ${root_kb} vs ${one_kb} KiB | grows with unique files | ${r_mem}x |"
fail=0
[[ $problems == "$want" ]] || fail=1
[[ $(verdict "$r_sep" 0.3) == ok && $(verdict "$r_kus" 0.1) == ok ]] || fail=1
if ((fail && STRICT)); then exit 1; fi
