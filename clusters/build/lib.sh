# Shared helpers for the offline build scripts. Source it; do not run it.
# Everything built goes under $KINDLAB_CACHE, keyed by versions, never into the repository.
set -euo pipefail

CLUSTERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../versions.env
source "$CLUSTERS_DIR/versions.env"
KINDLAB_CACHE="${KINDLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindlab}"
LOG_DIR="$KINDLAB_CACHE/logs"
mkdir -p "$KINDLAB_CACHE" "$LOG_DIR"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
export GOPROXY="${GOPROXY:-https://proxy.golang.org,direct}"

info() { printf '[kindlab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[kindlab] ERROR: %s\n' "$*" >&2; exit 1; }

# run_logged COMPONENT CMD...: run a build step with its output in a log file; on failure name both.
run_logged() {
  local component="$1"; shift
  local log="$LOG_DIR/$component.log"
  local start=$SECONDS
  info "building $component (log: $log)"
  if ! "$@" >"$log" 2>&1; then
    tail -n 25 "$log" >&2 || true
    die "building $component failed; full log: $log"
  fi
  info "built $component in $((SECONDS - start))s"
}

# Stamp files mark a finished cache entry, so an interrupted build is redone, not reused half-made.
is_done() { [ -f "$1/.done" ]; }
mark_done() { date -u +%FT%TZ >"$1/.done"; }

# go_module_dir MODULE@VERSION: download a module and print its directory in the module cache.
go_module_dir() {
  (cd "$KINDLAB_CACHE" && go mod download -json "$1") | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error","no Dir")))'
}

# go_wrapper_build OUTDIR "MODULE VERSION;MODULE VERSION..." PKG...: build main packages of modules whose go.mod
# has replace or exclude directives (which `go install pkg@version` refuses) from a throwaway wrapper module that
# requires those modules at the given versions. Each PKG may be PKG=NAME; binaries land in OUTDIR/bin/NAME
# (default: the package's last path element).
go_wrapper_build() {
  local out="$1" requires="$2"; shift 2
  mkdir -p "$out/wrapper" "$out/bin"
  (
    cd "$out/wrapper"
    { echo "module kindlab.local/wrapper"; echo; echo "go 1.24.0"; echo; echo "require ("
      tr ';' '\n' <<<"$requires" | sed '/^$/d; s/^/\t/'
      echo ")"; } >go.mod
    { echo "//go:build tools"; echo "package tools"; echo "import ("
      for p in "$@"; do echo "  _ \"${p%%=*}\""; done; echo ")"; } >tools.go
    go mod tidy
    local p
    for p in "$@"; do
      go build -trimpath -ldflags "-s -w ${LDFLAGS_EXTRA:-}" ${GO_TAGS:+-tags "$GO_TAGS"} \
        -o "$out/bin/$(basename "${p#*=}")" "${p%%=*}"
    done
  )
}
