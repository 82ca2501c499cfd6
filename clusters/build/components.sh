#!/usr/bin/env bash
# Build the declared components (clusters/components/*.sh, clusters/addons/*/component.sh) from Go modules,
# each into its own cache directory $KINDLAB_CACHE/NAME-VERSION (reused when present), or list what they provide.
# Usage: components.sh [NAME...]        build every component, or only those named
#        components.sh --images         print "COMPONENT TAG PRELOAD" per declared image
#        components.sh --preload        print the tags every node preloads
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  --images)
    load_components
    for rec in "${DECL_IMAGES[@]}"; do IFS='|' read -r comp tag _ _ _ _ preload _ <<<"$rec"; echo "$comp $tag $preload"; done
    exit 0 ;;
  --preload) load_components; preload_images; exit 0 ;;
esac

found=0
while read -r file; do
  name=$(component_name "$file")
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  found=$((found + 1))
  build_component "$file"
done < <(component_files)
[ $# -eq 0 ] || [ "$found" -eq $# ] || die "unknown component in: $* (known: $(component_files | while read -r f; do component_name "$f"; done | tr '\n' ' '))"
info "components ready under $KINDLAB_CACHE"
