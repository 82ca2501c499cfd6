#!/usr/bin/env bash
# Prove each add-on with real traffic on a cluster where they are installed (phase-1 verification; the lead turns
# these into pytest smoke tests). Traffic from the host goes only to 127.0.0.1 (kind's port mappings); everything
# else comes from client pods. Usage: smoke.sh [KUBECTL-ARGS...]   (e.g. --kubeconfig /tmp/addons.kubeconfig)
# Leaves nothing behind: the test namespaces are deleted at the end, also on failure.
source "$(dirname "$0")/lib.sh"
k() { addon_kubectl "$@"; }
K=("$@")
AGNHOST="$AGNHOST_IMAGE"
BUSYBOX="$BUSYBOX_IMAGE"
cleanup() { k "${K[@]}" delete namespace smoke-hpa smoke-lb smoke-np smoke-np-other smoke-web --ignore-not-found --wait=false >/dev/null 2>&1 || true; rm -rf "$ADDON_TMP"; }
trap cleanup EXIT
pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; k "${K[@]}" get pods -A -o wide >&2; exit 1; }
# until_ok SECONDS CMD...: retry CMD every 2 s until it succeeds or the deadline passes.
until_ok() { local end=$((SECONDS + $1)); shift; until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $end ] || return 1; sleep 2; done; }

# A web server (agnhost netexec answers /hostname with its pod name) and its Service, in namespace $1.
web() {
  k "${K[@]}" create namespace "$1" >/dev/null
  k "${K[@]}" -n "$1" create deployment web --image="$AGNHOST" --port=8080 -- /agnhost netexec --http-port=8080 >/dev/null
  k "${K[@]}" -n "$1" expose deployment web --port=80 --target-port=8080 --type="${2:-ClusterIP}" >/dev/null
  k "${K[@]}" -n "$1" rollout status deployment/web --timeout=90s >/dev/null || fail "web in $1 not ready"
}
# A client pod that sleeps, in namespace $1 with name $2 and labels $3.
client() {
  k "${K[@]}" -n "$1" run "$2" --image="$BUSYBOX" --labels="$3" --restart=Never -- sleep 3600 >/dev/null
  k "${K[@]}" -n "$1" wait --for=condition=Ready "pod/$2" --timeout=60s >/dev/null || fail "client $2 not ready"
}
# fetch NS POD URL: the body, from inside a client pod (busybox: `timeout 5 wget`, since its wget -T crashes).
fetch() { k "${K[@]}" -n "$1" exec "$2" -- timeout 5 wget -qO- "$3" 2>/dev/null; }

# A previous run's namespaces may still be terminating.
for ns in smoke-hpa smoke-lb smoke-np smoke-np-other smoke-web; do
  k "${K[@]}" wait --for=delete "namespace/$ns" --timeout=120s >/dev/null 2>&1 || true
done

# 1. metrics-server: `kubectl top nodes` lists every node (the first scrape takes up to one resolution period).
nodes=$(k "${K[@]}" get nodes --no-headers | wc -l)
top_all() { [ "$(k "${K[@]}" top nodes --no-headers | wc -l)" -eq "$nodes" ]; }
until_ok 90 top_all || fail "kubectl top nodes did not list $nodes nodes within 90s"
k "${K[@]}" top nodes; pass "metrics-server: kubectl top nodes lists all $nodes nodes"

# 1b. A HorizontalPodAutoscaler scales a Deployment whose pods burn CPU (bounded: 200m limit each, deleted after).
k "${K[@]}" create namespace smoke-hpa >/dev/null
k "${K[@]}" -n smoke-hpa apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: burn}
spec:
  selector: {matchLabels: {app: burn}}
  template:
    metadata: {labels: {app: burn}}
    spec:
      containers:
        - name: burn
          image: $BUSYBOX
          command: [sh, -c, 'while :; do :; done']
          resources: {requests: {cpu: 50m}, limits: {cpu: 200m}}
YAML
k "${K[@]}" -n smoke-hpa autoscale deployment burn --min=1 --max=3 --cpu=50% >/dev/null
# Scaled by the HPA: it has read a CPU utilisation and set the Deployment's replicas above the minimum.
scaled() {
  k "${K[@]}" -n smoke-hpa get hpa burn -o jsonpath='{.status.currentMetrics[0].resource.current.averageUtilization}' | grep -q '[0-9]' &&
  [ "$(k "${K[@]}" -n smoke-hpa get deployment burn -o jsonpath='{.spec.replicas}')" -ge 2 ]
}
until_ok 180 scaled || { k "${K[@]}" -n smoke-hpa describe hpa burn >&2; fail "HPA did not scale burn beyond 1 replica within 180s"; }
pass "HPA: $(k "${K[@]}" -n smoke-hpa get hpa burn --no-headers)"
k "${K[@]}" delete namespace smoke-hpa --wait=false >/dev/null

# 2. MetalLB: a LoadBalancer Service gets an address from the pool and answers a client pod there.
web smoke-lb LoadBalancer
lb_ip() { k "${K[@]}" -n smoke-lb get svc web -o jsonpath='{.status.loadBalancer.ingress[0].ip}' | grep .; }
until_ok 60 lb_ip || fail "LoadBalancer Service got no external IP within 60s"
lb_ip=$(lb_ip)
client smoke-lb probe app=probe
body=$(fetch smoke-lb probe "http://$lb_ip/hostname") || fail "no answer from the LoadBalancer address $lb_ip"
case "$body" in web-*) pass "MetalLB: Service got $lb_ip, which answers from $body";; *) fail "unexpected answer from $lb_ip: $body";; esac

# 3. NetworkPolicy (kube-router): open by default; default deny refuses; an allow rule by pod and namespace
#    selectors lets exactly the chosen clients pass; an egress deny stops a client's own traffic.
web smoke-np
k "${K[@]}" create namespace smoke-np-other >/dev/null
k "${K[@]}" label namespace smoke-np-other team=friends >/dev/null
client smoke-np allowed role=frontend
client smoke-np other role=other
client smoke-np-other friend role=other
url=http://web.smoke-np.svc.cluster.local/hostname
reach() { fetch "$1" "$2" "${3:-$url}" | grep -q '^web-'; }
refused() { ! reach "$@"; }
for c in "smoke-np allowed" "smoke-np other" "smoke-np-other friend"; do reach $c || fail "before any policy: $c cannot reach web"; done
pass "NetworkPolicy: without policies every client reaches web"
k "${K[@]}" -n smoke-np apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec:
  podSelector: {}
  policyTypes: [Ingress]
YAML
until_ok 30 refused smoke-np allowed || fail "default deny: smoke-np/allowed still reaches web after 30s"
for c in "smoke-np other" "smoke-np-other friend"; do ! reach $c || fail "default deny: $c still reaches web"; done
pass "NetworkPolicy: default deny refuses every client"
k "${K[@]}" -n smoke-np apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-frontend-and-friends}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {matchLabels: {role: frontend}}
        - namespaceSelector: {matchLabels: {team: friends}}
      ports:
        - {protocol: TCP, port: 8080}
YAML
until_ok 30 reach smoke-np allowed || fail "allow rule: smoke-np/allowed (role=frontend) still refused after 30s"
reach smoke-np-other friend || fail "allow rule: smoke-np-other/friend (namespace team=friends) refused"
! reach smoke-np other || fail "allow rule: smoke-np/other (role=other) passes but should be refused"
pass "NetworkPolicy: pod selector and namespace selector let their clients pass; the other client stays refused"
k "${K[@]}" -n smoke-np apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend-no-egress}
spec:
  podSelector: {matchLabels: {role: frontend}}
  policyTypes: [Egress]
YAML
until_ok 30 refused smoke-np allowed "http://$lb_ip/hostname" || fail "egress deny: smoke-np/allowed still reaches out after 30s"
reach smoke-np-other friend "http://$lb_ip/hostname" || fail "egress deny on smoke-np/allowed also stopped smoke-np-other/friend"
pass "NetworkPolicy: an egress deny stops the selected client's outgoing traffic only"

# 4. Traefik: from the host, only 127.0.0.1 (the kind config maps the control-plane's hostPorts 80/443 there).
web smoke-web
host_get() { curl -s --max-time 5 -H 'Host: shop.local' "http://127.0.0.1$1"; }
k "${K[@]}" -n smoke-web create ingress shop --rule='shop.local/*=web:80' >/dev/null
served() { host_get /hostname | grep -q '^web-'; }
not_served() { ! served; }
until_ok 30 served || fail "Ingress: shop.local not served on 127.0.0.1:80 within 30s"
pass "Traefik Ingress: curl -H 'Host: shop.local' http://127.0.0.1/hostname -> $(host_get /hostname)"
k "${K[@]}" -n smoke-web delete ingress shop >/dev/null
until_ok 30 not_served || fail "Ingress deleted but shop.local still served"
k "${K[@]}" -n smoke-web apply -f - >/dev/null <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop}
spec:
  gatewayClassName: traefik
  listeners:
    - {name: web, protocol: HTTP, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop}
spec:
  parentRefs: [{name: shop}]
  hostnames: [shop.local]
  rules:
    - backendRefs: [{name: web, port: 80}]
YAML
until_ok 30 served || fail "HTTPRoute: shop.local not served on 127.0.0.1:80 within 30s"
pass "Traefik Gateway API: HTTPRoute serves $(host_get /hostname) for shop.local on 127.0.0.1:80"
k "${K[@]}" -n smoke-web get gateway shop -o jsonpath='{range .status.conditions[*]}{.type}={.status} {end}'; echo
echo "all add-on checks passed"
