# Shared helpers for the offline build scripts. Source it; do not run it.
# Everything built goes under $KINDLAB_CACHE, keyed by versions, never into the repository.
set -euo pipefail

CLUSTERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../versions.env
source "$CLUSTERS_DIR/versions.env"
KINDLAB_CACHE="${KINDLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindlab}"
LOG_DIR="$KINDLAB_CACHE/logs"
mkdir -p "$KINDLAB_CACHE" "$LOG_DIR"

# -gcflags=all=-dwarf=false: every binary is linked with -w (no DWARF), so debug info the compiler writes for each
# package is thrown away at link; not writing it cuts the compiler's CPU (crictl from an empty build cache, three
# runs each: 108-120 CPU-s with it, 102-110 without). GOFLAGS applies it only to go commands that take it.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-buildvcs=false -gcflags=all=-dwarf=false"
# The compiler is a Go program and the cold build is CPU-bound: collecting garbage less often cuts its CPU (crictl
# from an empty build cache: 188/179 CPU-s at GOGC=100, 170/156 at 400; with no collection below a memory limit,
# 101-134 CPU-s against 108-120 at 400). Unless GOGC is set, each compile collects only near GOMEMLIMIT: an eighth
# of the memory available now (at most 2 GiB; a build runs up to four compiles at a time), or GOGC=400 where that
# eighth is under 512 MiB.
if [ -z "${GOGC:-}" ]; then
  avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null || true)
  limit_mib=$(( ${avail_kib:-0} / 8 / 1024 )); (( limit_mib <= 2048 )) || limit_mib=2048
  if (( limit_mib >= 512 )); then export GOGC=off GOMEMLIMIT="${GOMEMLIMIT:-${limit_mib}MiB}"; else export GOGC=400; fi
  unset avail_kib limit_mib
fi
export GOPROXY="${GOPROXY:-https://proxy.golang.org,direct}"
# debian_image: the Debian base image (clusters/build/debian-base.sh). "slim": without documentation, manual pages and
# translations, and apt keeps no package caches (as Debian's own slim images), so every image on it is smaller to
# unpack when a node first runs it. Rename it when its recipe changes: images are rebuilt from a new base.
debian_image() { echo "kindlab.local/debian:$DEBIAN_SUITE-slim"; }

# debian_mirror: the Debian archive this machine's apt already uses (DEBIAN_MIRROR overrides it).
debian_mirror() {
  local mirror="${DEBIAN_MIRROR:-}"
  if [ -z "$mirror" ]; then
    mirror=$(grep -hoE '^(URIs:|deb) +(\[[^]]*\] +)?https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
      | grep -oE 'https?://[^ ]+' | grep -v security | head -n1 || true)
  fi
  [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt sources: set DEBIAN_MIRROR to a Debian archive URL"
  echo "${mirror%/}"
}

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

# ---- Component declarations ---------------------------------------------------------------------------------
# A component is one file: clusters/components/NAME.sh, or clusters/addons/NAME/component.sh for an add-on's
# own build. It sets `version=`, may define `build()` (run with $OUT=$KINDLAB_CACHE/NAME-$version, binaries into
# $OUT/bin), and declares what it provides with the functions below. Everything else (the preload list, the
# node image's files, the build order) is derived from these declarations, never written a second time.

# image TAG BASE [--entrypoint JSON] [--cmd JSON] [--step 'DOCKERFILE LINE']... [--no-preload] [SRC:DEST...]: an
# image made of BASE (scratch, busybox, netbase, debian:PKG,PKG... = the Debian base with those packages, or any
# local image) plus files, then the steps (e.g. 'RUN mkdir /uploads'); SRC is relative to $OUT/bin unless
# absolute. Preloaded into every node unless --no-preload.
declare -A DECL_STEPS=()
image() {
  local tag="$1" base="$2" entrypoint="" cmd="" preload=true files=""; shift 2
  while [ $# -gt 0 ]; do
    case "$1" in
      --entrypoint) entrypoint="$2"; shift 2 ;;
      --cmd) cmd="$2"; shift 2 ;;
      --step) DECL_STEPS[$tag]+="$2"$'\n'; shift 2 ;;
      --no-preload) preload=false; shift ;;
      *:*) local src="${1%%:*}"; [[ $src == /* ]] || src="$OUT/bin/$src"; files+="$src:${1#*:} "; shift ;;
      *) die "$COMPONENT_FILE: image $tag: unexpected argument $1" ;;
    esac
  done
  DECL_IMAGES+=("$COMPONENT|$tag|build|$base|$entrypoint|$cmd|$preload|$files")
}
# image_alias TAG OTHER: TAG names the same image as OTHER (declared elsewhere); preloaded.
image_alias() { DECL_IMAGES+=("$COMPONENT|$1|alias|$2|||true|"); }
# image_prebuilt TAG HOW: an image another script builds (HOW says which), preloaded.
image_prebuilt() { DECL_IMAGES+=("$COMPONENT|$1|prebuilt|$2|||true|"); }
# node_file SRC DEST: a file of the node image itself (DEST ending in / is a directory).
node_file() { local src="$1"; [[ $src == /* ]] || src="$OUT/bin/$src"; DECL_NODE_FILES+=("$src|$2"); }

component_files() {
  local f
  for f in "$CLUSTERS_DIR"/components/*.sh "$CLUSTERS_DIR"/addons/*/component.sh; do [ -f "$f" ] && echo "$f"; done
  return 0
}
component_name() { if [[ $1 == */component.sh ]]; then basename "$(dirname "$1")"; else basename "$1" .sh; fi; }

# load_component FILE: source one declaration; sets COMPONENT, version, OUT and build() (if it has one), and
# appends its images and node files to DECL_IMAGES and DECL_NODE_FILES.
load_component() {
  COMPONENT_FILE="$1"; COMPONENT=$(component_name "$1"); version=""
  unset -f build
  # $OUT must be known before the file declares images, so read its version= line first.
  version=$(sed -n 's/^version=//p' "$1" | head -n1)
  [ -n "$version" ] || die "$1 declares no version= line"
  version=$(eval "echo $version")
  OUT="$KINDLAB_CACHE/$COMPONENT-$version"
  # shellcheck disable=SC1090
  source "$1"
}

# load_components: every declaration, in file order.
load_components() {
  DECL_IMAGES=(); DECL_NODE_FILES=(); COMPONENTS=(); DECL_STEPS=()
  local f
  while read -r f; do load_component "$f"; COMPONENTS+=("$COMPONENT"); done < <(component_files)
}

# preload_images: the tags every node preloads (derived from the declarations).
preload_images() {
  local rec
  for rec in "${DECL_IMAGES[@]}"; do
    IFS='|' read -r _ tag _ _ _ _ preload _ <<<"$rec"
    [ "$preload" = true ] && echo "$tag"
  done
  return 0
}

# declared_images COMPONENT: the tags COMPONENT's declaration provides (after load_components).
declared_images() {
  local rec
  for rec in "${DECL_IMAGES[@]}"; do [ "${rec%%|*}" != "$1" ] || { rec=${rec#*|}; echo "${rec%%|*}"; }; done
}

# build_component FILE: build one component into its cache directory unless already there.
build_component() {
  (
    DECL_IMAGES=(); DECL_NODE_FILES=()
    load_component "$1"
    declare -F build >/dev/null || exit 0
    is_done "$OUT" && { info "$COMPONENT $version: cached in $OUT"; exit 0; }
    mkdir -p "$OUT/bin"
    build
    mark_done "$OUT"
  )
}

# go_install PKG@VERSION...: `go install` into $OUT/bin (for modules whose go.mod has no replace directives).
go_install() {
  run_logged "$COMPONENT" env GOBIN="$OUT/bin" go install -trimpath -ldflags "-s -w ${LDFLAGS_EXTRA:-}" \
    ${GO_TAGS:+-tags "$GO_TAGS"} "$@"
}

# busybox_compile VERSION SHA256 DEST: a static busybox from upstream's source tarball in the Debian archive
# (pool/main/b/busybox/busybox_VERSION.orig.tar.bz2, checked against SHA256), busybox's defconfig, static; `tc`
# left out (it does not build against Debian bookworm's kernel headers, and no lab uses it). Run it through
# run_logged: each failure returns with a message (set -e does not apply there).
busybox_compile() {
  local version="$1" sum="$2" dest="$3" tool missing=()
  for tool in gcc make bzip2 curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ -e /usr/include/stdio.h ] || missing+=("libc6-dev")
  if [ ${#missing[@]} -gt 0 ]; then
    echo "building busybox needs a C toolchain; missing: ${missing[*]} (Debian: apt-get install gcc make bzip2 curl libc6-dev)" >&2
    return 1
  fi
  local mirror url src rc=0
  mirror=$(debian_mirror) || return 1
  url="$mirror/pool/main/b/busybox/busybox_${version}.orig.tar.bz2"
  src=$(mktemp -d "$KINDLAB_CACHE/busybox-src.XXXX") || return 1
  _busybox_compile_in "$src" "$url" "$version" "$sum" "$dest" || rc=$?
  rm -rf "$src"
  return $rc
}
_busybox_compile_in() {
  local src="$1" url="$2" version="$3" sum="$4" dest="$5"
  curl -fsSL --retry 3 -o "$src/src.tar.bz2" "$url" || { echo "could not download $url" >&2; return 1; }
  echo "$sum  $src/src.tar.bz2" | sha256sum -c - || { echo "$url does not match its pinned sha256 $sum" >&2; return 1; }
  tar -C "$src" -xjf "$src/src.tar.bz2" || return 1
  local dir="$src/busybox-$version"
  make -C "$dir" defconfig || return 1
  sed -i -e 's/^# CONFIG_STATIC is not set$/CONFIG_STATIC=y/' -e 's/^CONFIG_TC=y$/# CONFIG_TC is not set/' "$dir/.config"
  grep -qx 'CONFIG_STATIC=y' "$dir/.config" || { echo "busybox's defconfig has no CONFIG_STATIC line to turn on" >&2; return 1; }
  make -C "$dir" -j"$(nproc)" busybox || return 1
  file "$dir/busybox" | grep -q 'statically linked' || { echo "the busybox built is not static: $(file "$dir/busybox")" >&2; return 1; }
  install -m 755 "$dir/busybox" "$dest"
}
