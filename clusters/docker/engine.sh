#!/usr/bin/env bash
# Make sure a Docker engine runs and can start the privileged containers kind needs.
#  - Docker already running: use it as it is (only the privileged probe below).
#  - Not running, root on a Debian-family machine: install Debian's docker.io if missing and start dockerd.
#  - Otherwise: stop with instructions.
# Then probe a privileged container with plain runc; only where that fails for want of CAP_SYS_RESOURCE in the
# bounding set (some VMs) register clusters/docker/runc-drop-sys-resource as dockerd's default runtime.
source "$(dirname "$0")/../build/lib.sh"

DOCKERD_LOG=/var/log/kindlab-dockerd.log
WRAPPER_DST=/usr/local/libexec/kindlab/runc-drop-sys-resource
is_root() { [ "$(id -u)" = 0 ]; }

wait_docker() {
  local deadline=$((SECONDS + ${1:-60}))
  until docker info >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
      die "the Docker engine did not answer within ${1:-60}s; its log: $DOCKERD_LOG"
    fi
    sleep 1
  done
}

start_dockerd() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl start docker || die "systemctl start docker failed: see 'journalctl -u docker'"
  else
    info "starting dockerd (log: $DOCKERD_LOG)"
    # The Go build's settings (lib.sh) are for the compiler, not for a daemon that runs for hours.
    nohup env -u GOGC -u GOMEMLIMIT -u GOFLAGS dockerd >"$DOCKERD_LOG" 2>&1 &
  fi
  wait_docker 60
}

stop_dockerd() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then systemctl stop docker; return; fi
  local pid; pid=$(cat /var/run/docker.pid 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 1; done
  die "dockerd (pid $pid) did not stop within 30s"
}

ensure_engine() {
  docker info >/dev/null 2>&1 && return 0
  if ! command -v dockerd >/dev/null; then
    if is_root && command -v apt-get >/dev/null; then
      info "no Docker engine: installing Debian's docker.io"
      run_logged docker-install bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io'
    elif ! command -v docker >/dev/null; then
      die "Docker is not installed. Install Docker Engine or Docker Desktop (https://docs.docker.com/engine/install/), start it, and run this again."
    fi
  fi
  if ! is_root; then
    die "Docker is installed but not running (or you may not use it). Start it (e.g. 'sudo systemctl start docker' or open Docker Desktop) and make sure 'docker info' works for your user (https://docs.docker.com/engine/install/linux-postinstall/)."
  fi
  start_dockerd
}

# The busybox image (clusters/components/busybox.sh: upstream's source, compiled here once per version): the probe's
# image and the labs' shell image. Labelled with its source, so an image of another recipe under the same tag
# (an earlier build from Debian's busybox-static) is replaced.
ensure_busybox_image() {
  local want="busybox-$BUSYBOX_VERSION-${BUSYBOX_SOURCE_SHA256:0:12}"
  [ "$(docker image inspect -f '{{index .Config.Labels "kindlab.source"}}' "$BUSYBOX_IMAGE" 2>/dev/null)" = "$want" ] && return 0
  build_component "$CLUSTERS_DIR/components/busybox.sh"
  local bb="$KINDLAB_CACHE/busybox-$BUSYBOX_VERSION/bin/busybox"
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/var/www"
  chmod 755 "$root"; chmod 1777 "$root/tmp"
  cp "$bb" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  tar -C "$root" -c . | docker import -c 'CMD ["sh"]' -c 'ENV PATH=/bin' -c "LABEL kindlab.source=$want" - "$BUSYBOX_IMAGE" >/dev/null
  rm -rf "$root"
  info "built $BUSYBOX_IMAGE from $("$bb" | head -n1)"
}

probe_privileged() { docker run --rm --privileged --runtime "${1:-runc}" "$BUSYBOX_IMAGE" true 2>&1; }

ensure_privileged() {
  local out
  if out=$(probe_privileged runc); then
    info "privileged containers work with plain runc"
    return 0
  fi
  if ! grep -q 'unable to apply caps' <<<"$out"; then
    die "a privileged container (which kind needs for every node) fails: $out"
  fi
  info "privileged containers fail here ($(grep -o 'unable to apply caps[^"]*' <<<"$out" | head -n1)): the capability bounding set lacks CAP_SYS_RESOURCE"
  if docker info --format '{{json .Runtimes}}' | grep -q kindlab-runc && out=$(probe_privileged kindlab-runc); then
    info "using the kindlab-runc runtime (runc without CAP_SYS_RESOURCE), already registered"
    return 0
  fi
  is_root || die "privileged containers fail for want of CAP_SYS_RESOURCE; as root, this script registers a runc wrapper that drops it (see clusters/docker/runc-drop-sys-resource)"
  local real; real=$(command -v runc) || die "runc not found on PATH"
  mkdir -p "$(dirname "$WRAPPER_DST")" /etc/docker
  sed "s#@REAL_RUNC@#$real#" "$CLUSTERS_DIR/docker/runc-drop-sys-resource" >"$WRAPPER_DST"
  chmod 755 "$WRAPPER_DST"
  python3 - "$WRAPPER_DST" <<'PY'
import json, os, sys
path = "/etc/docker/daemon.json"
cfg = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else {}
cfg.setdefault("runtimes", {})["kindlab-runc"] = {"path": sys.argv[1]}
cfg["default-runtime"] = "kindlab-runc"
json.dump(cfg, open(path, "w"), indent=2)
PY
  info "registered kindlab-runc as dockerd's default runtime in /etc/docker/daemon.json; restarting dockerd"
  stop_dockerd
  start_dockerd
  out=$(probe_privileged kindlab-runc) || die "privileged containers still fail with the wrapper: $out"
  info "privileged containers work with kindlab-runc"
}

# kind bind-mounts /lib/modules into every node; a kernel without modules has no such directory.
ensure_lib_modules() { [ -d /lib/modules ] || { is_root && mkdir -p /lib/modules; } || die "/lib/modules is missing: create it (sudo mkdir -p /lib/modules)"; }

ensure_engine
ensure_lib_modules
ensure_busybox_image
ensure_privileged
