#!/usr/bin/env bash
# A minimal Debian root filesystem made with debootstrap and imported as a local Docker image: the base of the
# node image and of the images that need a userland (iptables for flannel and kube-proxy). No registry needed.
source "$(dirname "$0")/lib.sh"

IMAGE="kindlab.local/debian:$DEBIAN_SUITE"
[ -z "${KINDLAB_REBUILD:-}" ] && docker image inspect "$IMAGE" >/dev/null 2>&1 && { info "$IMAGE: present"; exit 0; }

# The mirror this machine's apt already uses (override with DEBIAN_MIRROR).
mirror="${DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror=$(grep -hoE '^(URIs:|deb) +(\[[^]]*\] +)?https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | grep -v security | head -n1 || true)
fi
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt sources: set DEBIAN_MIRROR to a Debian archive URL"
command -v debootstrap >/dev/null || run_logged debootstrap-install bash -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap'

tarball="$KINDLAB_CACHE/debian-$DEBIAN_SUITE-rootfs.tar"
if [ ! -f "$tarball" ]; then
  root=$(mktemp -d "$KINDLAB_CACHE/rootfs.XXXX")
  trap 'rm -rf "$root"' EXIT
  run_logged debootstrap debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$mirror"
  # Keep the image small and its apt usable: the same mirror, no caches.
  echo "deb $mirror $DEBIAN_SUITE main" >"$root/etc/apt/sources.list"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" --numeric-owner -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
fi
docker import "$tarball" "$IMAGE" >/dev/null
info "$IMAGE imported from $tarball"
