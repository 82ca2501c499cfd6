# The e2e framework's test images (k8s.io/kubernetes test/images at K8S_VERSION), under the exact names the
# framework asks for (test/utils/image/manifest.go), so upstream's conformance specs and the labs run offline.
# Upstream builds them on Alpine (agnhost, httpd, nginx, busybox) or Debian jessie (jessie-dnsutils); here each is
# the project's Debian base (clusters/build/debian-base.sh) with the Debian packages that match what upstream's
# Dockerfile installs, so the tools are Debian bookworm's versions under upstream's tags. Differences are noted
# per image; none changes what a spec relies on (commands, paths, ports).
version=$K8S_VERSION
K8S_BIN="$KINDLAB_CACHE/kubernetes-$K8S_VERSION/bin"  # agnhost is built with Kubernetes (kubernetes.sh)
FILES="$CLUSTERS_DIR/components/e2e-images"
E2E=registry.k8s.io/e2e-test-images

# Data files of upstream's images, from the same module (nothing is copied into the repository).
build() {
  local kdir
  kdir=$(go_module_dir "k8s.io/kubernetes@$version")/test/images
  cp "$kdir/agnhost/porter/localhost.crt" "$kdir/agnhost/porter/localhost.key" "$OUT/bin/"
  local pic
  for pic in kitten nautilus; do
    cp "$kdir/$pic/html/$pic.jpg" "$OUT/bin/"
    cp "$kdir/$pic/html/data.json" "$OUT/bin/$pic-data.json"
  done
  chmod 644 "$OUT/bin/"*
  # nonewprivs' program (test/images/nonewprivs/nnp.go: standard library only), built as a module of its own
  mkdir -p "$OUT/nnp"
  cp "$kdir/nonewprivs/nnp.go" "$OUT/nnp/" && chmod u+w "$OUT/nnp/nnp.go"
  (cd "$OUT/nnp" && printf 'module nnp\n\ngo 1.24\n' >go.mod && go build -trimpath -ldflags "-s -w" -o "$OUT/bin/nnp" .)
}

# agnhost (test/images/agnhost/Dockerfile): Alpine's bind-tools curl netcat-openbsd iproute2 iperf bash become
# Debian's bind9-dnsutils (dig, nslookup) curl netcat-openbsd iproute2 (ss) iperf (2.x) and bash (in the base).
# /coredns is the CoreDNS this project builds (COREDNS_VERSION) where upstream downloads v1.6.2; no EXPOSE lines
# (metadata only). The same /agnhost, /agnhost-2, /uploads, /localhost.{crt,key}, uid 1000 in gid 50000. Plus GNU
# wget, for what Alpine's busybox gives upstream's image and the labs use (`kubectl exec net-a -- wget -qO- ...`).
image "$AGNHOST_IMAGE" "debian:bind9-dnsutils,curl,netcat-openbsd,iproute2,iperf,wget,ca-certificates" \
  --entrypoint '["/agnhost"]' --cmd '["pause"]' \
  "$K8S_BIN/agnhost:/agnhost" "$KINDLAB_CACHE/coredns-$COREDNS_VERSION/bin/coredns:/coredns" \
  localhost.crt:/localhost.crt localhost.key:/localhost.key \
  --step 'RUN ln -s agnhost /agnhost-2 && mkdir /uploads && ln -s /usr/bin/iperf /usr/local/bin/iperf' \
  --step 'RUN groupadd -g 50000 group-defined-in-image && useradd -m -u 1000 -G group-defined-in-image user-defined-in-image'

# kitten and nautilus (kubectl's "Update Demo" specs): agnhost serving a picture; upstream's base is agnhost 2.33.
for pic in kitten nautilus; do
  image "$E2E/$pic:1.7" "$AGNHOST_IMAGE" --cmd '["test-webserver"]' "$pic.jpg:/$pic.jpg" "$pic-data.json:/data.json"
done

# busybox (test/images/busybox: upstream's busybox:1.37.0 as is): the labs' busybox, upstream's 1.35.0 built from source.
image_alias "$E2E/busybox:1.37.0-1" "$BUSYBOX_IMAGE"

# nonewprivs (test/images/nonewprivs: nnp, setuid root, on Alpine): prints its effective uid, so a spec sees
# whether allowPrivilegeEscalation=false kept the setuid bit from taking effect. Here on the busybox image.
image "$E2E/nonewprivs:1.3" busybox --cmd '["nnp"]' nnp:/usr/local/bin/nnp \
  --step 'RUN chmod 4755 /usr/local/bin/nnp' --step 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

# httpd (upstream: the httpd:2.4.38-alpine image; 2.4.39-4 is the "new" one rolling updates move to): Debian's
# apache2 (2.4.6x) laid out like the official image: document root /usr/local/apache2/htdocs (StatefulSet specs
# move its index.html away to fail the readiness probe), port 80, logs to stdout/stderr, `httpd-foreground`.
image "$E2E/httpd:2.4.38-4" "debian:apache2" --cmd '["httpd-foreground"]' \
  "$FILES/httpd-foreground:/usr/local/bin/httpd-foreground" \
  "$FILES/httpd-htdocs.conf:/etc/apache2/conf-enabled/htdocs.conf" \
  --step 'RUN rm -f /etc/apache2/sites-enabled/000-default.conf && mkdir -p /usr/local/apache2/htdocs' \
  --step 'RUN echo "<html><body><h1>It works!</h1></body></html>" >/usr/local/apache2/htdocs/index.html' \
  --step 'RUN cd /var/log/apache2 && ln -sf /dev/stdout access.log && ln -sf /dev/stderr error.log && ln -sf /dev/stdout other_vhosts_access.log'
image_alias "$E2E/httpd:2.4.39-4" "$E2E/httpd:2.4.38-4"

# nginx (upstream: nginx:1.14-alpine, 1.15-4 the "new" one): Debian's nginx (1.22) serving /usr/share/nginx/html on
# port 80 in the foreground, logs to stdout/stderr, like the official image.
image "$E2E/nginx:1.14-4" "debian:nginx" --cmd '["nginx", "-g", "daemon off;"]' \
  "$FILES/nginx-default.conf:/etc/nginx/conf.d/default.conf" \
  --step 'RUN rm -f /etc/nginx/sites-enabled/default' \
  --step 'RUN ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log'
image_alias "$E2E/nginx:1.15-4" "$E2E/nginx:1.14-4"

# jessie-dnsutils (DNS specs' second prober): Debian bookworm's bind9-dnsutils, not jessie's dnsutils; without
# upstream's /coredns v1.5.0 (no conformance spec runs it from this image).
image "$E2E/jessie-dnsutils:1.7" "debian:bind9-dnsutils" --cmd '["/bin/bash"]'  # as debian:jessie
