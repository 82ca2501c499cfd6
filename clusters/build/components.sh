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

# Components build in parallel, KINDLAB_BUILD_JOBS at a time (default 2): a Go build leaves cores idle while it
# downloads modules, resolves a graph or links, and another component's compile fills them (each logs to its own
# file). A failure is reported when the running builds have finished, naming every component that failed.
jobs="${KINDLAB_BUILD_JOBS:-2}"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "KINDLAB_BUILD_JOBS must be a positive number, not '$jobs'"
if (( BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] < 501 )); then  # `wait -n -p` is bash 5.1 (macOS has 3.2)
  [ "$jobs" -eq 1 ] || info "bash $BASH_VERSION builds one component at a time (parallel builds need bash >= 5.1)"
  found=0
  while read -r file; do
    name=$(component_name "$file")
    if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
    found=$((found + 1)); build_component "$file"
  done < <(component_files)
  [ $# -eq 0 ] || [ "$found" -eq $# ] || die "unknown component in: $*"
  info "components ready under $KINDLAB_CACHE"; exit 0
fi
declare -A running=()  # pid -> component
failed=()
reap() {  # wait for one running build; remember it if it failed
  local pid rc=0
  wait -n -p pid "${!running[@]}" || rc=$?
  [ "$rc" -eq 0 ] || failed+=("${running[$pid]}")
  unset "running[$pid]"
}
found=0
while read -r file; do
  name=$(component_name "$file")
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  found=$((found + 1))
  while [ "${#running[@]}" -ge "$jobs" ]; do reap; done
  build_component "$file" &
  running[$!]="$name"
done < <(component_files)
while [ "${#running[@]}" -gt 0 ]; do reap; done
[ ${#failed[@]} -eq 0 ] || die "failed to build: ${failed[*]} (each one's log is under $LOG_DIR)"
[ $# -eq 0 ] || [ "$found" -eq $# ] || die "unknown component in: $* (known: $(component_files | while read -r f; do component_name "$f"; done | tr '\n' ' '))"
info "components ready under $KINDLAB_CACHE"
