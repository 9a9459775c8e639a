#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and etcd for one Kubernetes version from Go modules
# into $CACHE/bin (default ~/.cache/org-testenv/<version>/bin), and node-agent (../agent, testenv's
# kubelet stand-in) against the same version's modules. Idempotent: an existing complete build is
# kept; node-agent is rebuilt when its sources change (their sha256 is kept in node-agent.sha256). Concurrent runs for the same version wait for each other (flock). Prints the bin dir on stdout;
# progress goes to stderr as "[testenv] ..." lines; a failing step is reported as
# "[testenv] FAILED (exit N): <command>".
# Usage: build-binaries.sh [K8S_VERSION]   (default $K8S_VERSION, else v1.36.3)
# Exit codes: 2 bad version, 3 Go missing or too old, 4 version not on the module proxy, other: build step.
set -euo pipefail
K8S=${1:-${K8S_VERSION:-v1.36.3}}
case "$K8S" in v1.[0-9]*.[0-9]*) ;; *) echo "invalid Kubernetes version '$K8S': expected the form v1.X.Y, e.g. v1.36.3" >&2; exit 2 ;; esac
STG=v0${K8S#v1}
MINOR=${K8S#v1.}; MINOR=${MINOR%%.*}
CACHE=${ORG_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/org-testenv}/$K8S
BIN=$CACHE/bin
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

step() { echo "[testenv] $*" >&2; }
# Runs a long step ("$@", output to stderr, i.e. build.log) and every PROGRESS_SECONDS (default 15)
# reports it: "[testenv] <label>: 1m45s, 312 modules downloaded" (go get) or "..., 840 packages
# compiled" (go build -v lists each package it compiles). A failure is reported like the ERR trap's.
PROGRESS_SECONDS=${PROGRESS_SECONDS:-15}
MODZIPS() { { find "$(go env GOMODCACHE)/cache/download" -name '*.zip' 2>/dev/null || true; } | wc -l; }
progress() {
  local label=$1 what=$2; shift 2
  local t0=$SECONDS out mods0=0 n rc=0 next=$PROGRESS_SECONDS
  out=$(mktemp)
  [ "$what" = modules ] && mods0=$(MODZIPS)
  "$@" 2> >(tee "$out" >&2) &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ $((SECONDS - t0)) -ge "$next" ] && kill -0 "$pid" 2>/dev/null; then
      next=$((next + PROGRESS_SECONDS))
      if [ "$what" = modules ]; then n="$(($(MODZIPS) - mods0)) modules downloaded"; else n="$(grep -cv '^#' "$out" || true) packages compiled"; fi
      step "$label: $(elapsed $t0), $n"
    fi
  done
  wait "$pid" || rc=$?
  rm -f "$out"
  if [ "$rc" -ne 0 ]; then echo "[testenv] FAILED (exit $rc): $*" >&2; trap - ERR; exit "$rc"; fi
  step "$label: done in $(elapsed $t0)"
}
elapsed() { local s=$((SECONDS - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
trap 'rc=$?; echo "[testenv] FAILED (exit $rc): $BASH_COMMAND" >&2' ERR

command -v go >/dev/null || { echo "Go is not installed (no 'go' on PATH): install Go >= 1.26 from https://go.dev/dl (or your package manager), or put prebuilt kube-apiserver, kube-controller-manager and etcd into $BIN" >&2; exit 3; }

AGENT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../agent" && pwd)
agent_hash() { (cd "$AGENT_SRC" && LC_ALL=C ls -- *.go | LC_ALL=C sort | xargs cat) | sha256sum | cut -d' ' -f1; }
agent_fresh() { [ -x "$BIN/node-agent" ] && [ "$(cat "$BIN/node-agent.sha256" 2>/dev/null)" = "$(agent_hash)" ]; }
complete() { [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ] && [ -x "$BIN/etcd" ] && agent_fresh; }
if complete; then echo "$BIN"; exit 0; fi
mkdir -p "$CACHE/k8smod" "$CACHE/etcdmod" "$BIN"
if command -v flock >/dev/null; then
  exec 9>"$CACHE/.build.lock"
  flock -n 9 || { step "another build of $K8S is running; waiting for it"; flock 9; }
  if complete; then echo "$BIN"; exit 0; fi
fi

cd "$CACHE/k8smod"
if [ ! -x "$BIN/kube-apiserver" ] || [ ! -x "$BIN/kube-controller-manager" ] || [ ! -f go.mod ]; then
  step "resolving k8s.io/kubernetes@$K8S"
  KMOD=$(cd /tmp && go mod download -json "k8s.io/kubernetes@$K8S" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p') || true
  [ -n "$KMOD" ] && [ -f "$KMOD" ] || { echo "could not download k8s.io/kubernetes@$K8S from the Go module proxy ($(go env GOPROXY)): check the version ('go list -m -versions k8s.io/kubernetes') and the network" >&2; exit 4; }
  GOLINE=$(awk '$1=="go"{print $2;exit}' "$KMOD")
  HAVE=$(go env GOVERSION); HAVE=${HAVE#go}
  if [ "$(printf '%s\n%s\n' "$GOLINE" "$HAVE" | sort -V | head -1)" != "$GOLINE" ]; then
    echo "Kubernetes $K8S needs Go >= $GOLINE but 'go' on PATH is $HAVE: install Go >= $GOLINE from https://go.dev/dl" >&2; exit 3
  fi
  { printf 'module local.test/k8s-testbin\n\ngo %s\n\nreplace (\n' "$GOLINE"
    awk -v v="$STG" '$2=="v0.0.0" && $1~/^k8s\.io\//{printf "\t%s => %s %s\n",$1,$1,v}' "$KMOD"
    echo ')'; } > go.mod
  step "downloading modules for kube-apiserver and kube-controller-manager $K8S"
  progress "downloading modules" modules go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S" "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S"
  LDF="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LDF="$LDF -X $p.gitVersion=$K8S -X $p.gitMajor=1 -X $p.gitMinor=$MINOR -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  for c in kube-apiserver kube-controller-manager; do
    [ -x "$BIN/$c" ] && continue
    step "building $c $K8S (a cold build takes several minutes; progress every ${PROGRESS_SECONDS} s)"
    progress "building $c" packages go build -v -trimpath -ldflags "$LDF" -o "$BIN/$c.tmp" "k8s.io/kubernetes/cmd/$c"
    mv "$BIN/$c.tmp" "$BIN/$c"
  done
fi

if [ ! -x "$BIN/etcd" ]; then
  # The etcd version this Kubernetes version itself requires; built in its own module so MVS cannot
  # move Kubernetes' dependencies (or etcd's) around.
  E=$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
  step "building etcd $E"
  cd "$CACHE/etcdmod"
  printf 'module local.test/etcd-testbin\n\ngo 1.24.0\n' > go.mod
  progress "downloading etcd's modules" modules go get -tool "go.etcd.io/etcd/server/v3@$E"
  progress "building etcd" packages go build -v -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$BIN/etcd.tmp" "$BIN/etcd"
fi
if ! agent_fresh; then
  # Its own module, pinned to the same dependency versions as the components (so the Go build cache
  # of the kube-apiserver build serves it): k8s.io/kubernetes's go.mod with the staging replaces.
  step "building node-agent against k8s.io/cri-streaming $STG"
  mkdir -p "$CACHE/agentmod" && cd "$CACHE/agentmod"
  sed -e 's#^module .*#module local.test/testenv-node-agent#' -e '/^tool (/,/^)/d' "$CACHE/k8smod/go.mod" > go.mod
  cp "$CACHE/k8smod/go.sum" go.sum
  rm -f -- *.go && cp "$AGENT_SRC"/*.go .
  H=$(agent_hash)
  progress "building node-agent" packages go build -v -trimpath -ldflags "-s -w" -o "$BIN/node-agent.tmp" .
  mv "$BIN/node-agent.tmp" "$BIN/node-agent"
  echo "$H" > "$BIN/node-agent.sha256"
fi
step "binaries ready in $BIN"
echo "$BIN"
