#!/usr/bin/env bash
# A minimal Debian root filesystem made with debootstrap and imported as a local Docker image: the base of the
# node image and of the images that need a userland (iptables for flannel and kube-proxy). No registry needed.
source "$(dirname "$0")/lib.sh"
DEBIAN_IMAGE=$(debian_image)

IMAGE="$DEBIAN_IMAGE"
[ -z "${KINDLAB_REBUILD:-}" ] && docker image inspect "$IMAGE" >/dev/null 2>&1 && { info "$IMAGE: present"; exit 0; }

mirror=$(debian_mirror)
command -v debootstrap >/dev/null || run_logged debootstrap-install bash -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap'

tarball="$KINDLAB_CACHE/${DEBIAN_IMAGE##*/}-rootfs.tar"
if [ ! -f "$tarball" ]; then
  root=$(mktemp -d "$KINDLAB_CACHE/rootfs.XXXX")
  trap 'rm -rf "$root"' EXIT
  run_logged debootstrap debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$mirror"
  # Keep the image small and its apt usable: the same mirror, no caches.
  echo "deb $mirror $DEBIAN_SUITE main" >"$root/etc/apt/sources.list"
  # Slim, as Debian's own slim images: dpkg leaves out documentation (but each package's copyright), manual pages
  # and translations, now and in every package installed on top; apt keeps no package or index caches.
  cat >"$root/etc/dpkg/dpkg.cfg.d/kindlab-slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
DPKG
  cat >"$root/etc/apt/apt.conf.d/kindlab-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/groff/* "$root"/usr/share/info/* "$root"/usr/share/lintian/* \
    "$root"/usr/share/linda/* "$root"/usr/share/locale/*
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
  tar -C "$root" --numeric-owner -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
fi
docker import "$tarball" "$IMAGE" >/dev/null
info "$IMAGE imported from $tarball"
