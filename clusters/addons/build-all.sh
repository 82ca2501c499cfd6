#!/usr/bin/env bash
# Build every add-on (binaries, images, manifests), each cached by version under $KINDLAB_CACHE.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
for addon in metrics-server kube-router metallb traefik; do bash "$dir/$addon/build.sh" >/dev/null; done
