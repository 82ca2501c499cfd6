#!/usr/bin/env bash
# Print the image of every add-on, one a line: the list node-image.sh must preload (after running each build.sh).
source "$(dirname "$0")/lib.sh"
printf '%s\n' "$METRICS_SERVER_IMAGE" "$METALLB_CONTROLLER_IMAGE" "$METALLB_SPEAKER_IMAGE" "$KUBE_ROUTER_IMAGE" "$TRAEFIK_IMAGE"
