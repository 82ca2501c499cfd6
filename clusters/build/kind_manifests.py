#!/usr/bin/env python3
"""Write the two manifests a kind node image carries in /kind/manifests, for an offline build.

- default-storage.yaml: kind's own local-path storage manifest, read from the kind module's Go source
  (pkg/build/nodeimage/const_storage.go), where it is a string constant built from other constants.
- default-cni.yaml: flannel's published manifest from the flannel module (Documentation/kube-flannel.yml), with
  image names pointing at the locally built images and the pod network left for kind to template, since kind's
  own kindnetd is not available from the Go module proxy. One change of order: upstream's init container writes
  the CNI config before flanneld has leased the node's subnet, so the node turns Ready while pods cannot get an
  address yet ("failed to setup network ... subnet.env: no such file"), and kubelet retries such a pod only 10 s
  later (CoreDNS on a new cluster). Here flanneld's container writes the config once /run/flannel/subnet.env
  exists, as kind's kindnetd does once it knows the node's pod CIDR: Ready means pods can be networked. And
  flanneld reaches the API server at kind's control-plane endpoint, as kindnetd does, not through the kubernetes
  Service's address, which works on a node only once kube-proxy runs there (before that, flanneld exits and
  restarts 10 s later).

Usage: kind_manifests.py KIND_MODULE_DIR FLANNEL_MODULE_DIR OUT_DIR FLANNEL_IMAGE FLANNEL_CNI_IMAGE
"""
import re
import sys
from pathlib import Path


def go_string_constant(source: str, name: str) -> str:
    """Value of a Go string constant made of raw strings, quoted strings and other constants joined by +."""
    consts = dict(re.findall(r'const (\w+) = "([^"]*)"', source))
    match = re.search(r"const %s = (`.*?`(?:\s*\+\s*(?:\w+|`.*?`))*)\n" % re.escape(name), source, re.S)
    if not match:
        raise SystemExit(f"constant {name} not found: has kind's source layout changed?")
    parts = re.findall(r"`(.*?)`|(\w+)", match.group(1), re.S)
    return "".join(raw if raw or not ident else consts[ident] for raw, ident in parts)


INSTALL_CNI = """\
      - name: install-cni
        image: {image}
        command:
        - cp
        args:
        - -f
        - /etc/kube-flannel/cni-conf.json
        - /etc/cni/net.d/10-flannel.conflist
        volumeMounts:
        - name: cni
          mountPath: /etc/cni/net.d
        - name: flannel-cfg
          mountPath: /etc/kube-flannel/
"""
FLANNELD_COMMAND = """\
        command:
        - /opt/bin/flanneld
"""
# Written to a hidden name, then renamed: the runtime reads only whole *.conflist files.
FLANNELD_AFTER_LEASE = """\
        # kindlab: the CNI config is written once flanneld has leased this node's subnet (upstream: an init container).
        command:
        - /bin/sh
        - -c
        - |
          # kind's patch marker adds CONTROL_PLANE_ENDPOINT (as for kindnetd): the API server itself, reachable
          # before kube-proxy has written the rules for the kubernetes Service's address on this node.
          if [ -n "${CONTROL_PLANE_ENDPOINT:-}" ]; then
            host="${CONTROL_PLANE_ENDPOINT%:*}"; host="${host#[}"
            export KUBERNETES_SERVICE_HOST="${host%]}" KUBERNETES_SERVICE_PORT="${CONTROL_PLANE_ENDPOINT##*:}"
          fi
          (until [ -s /run/flannel/subnet.env ]; do sleep 0.2; done
           cp -f /etc/kube-flannel/cni-conf.json /etc/cni/net.d/.10-flannel.conflist.new
           mv -f /etc/cni/net.d/.10-flannel.conflist.new /etc/cni/net.d/10-flannel.conflist) &
          exec /opt/bin/flanneld "$@"
        - flanneld
"""
RUN_MOUNT = """\
        - name: run
          mountPath: /run/flannel
"""
CNI_MOUNT = """\
        - name: cni
          mountPath: /etc/cni/net.d
"""


def cni_config_after_lease(manifest: str, flannel_image: str) -> str:
    """The manifest with install-cni's copy moved into flanneld's container, after the subnet lease."""
    install = INSTALL_CNI.format(image=flannel_image)
    for part in (install, FLANNELD_COMMAND, RUN_MOUNT):
        if manifest.count(part) != 1:
            raise SystemExit("flannel manifest layout changed: install-cni, flanneld's command or its run mount not found")
    manifest = manifest.replace(install, "").replace(FLANNELD_COMMAND, FLANNELD_AFTER_LEASE)
    return manifest.replace(RUN_MOUNT, RUN_MOUNT + CNI_MOUNT)


def main(kind_dir: str, flannel_dir: str, out: str, flannel_image: str, flannel_cni_image: str) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    storage_go = (Path(kind_dir) / "pkg/build/nodeimage/const_storage.go").read_text()
    (out_dir / "default-storage.yaml").write_text(go_string_constant(storage_go, "defaultStorageManifest"))

    flannel = (Path(flannel_dir) / "Documentation/kube-flannel.yml").read_text()
    flannel = re.sub(r"ghcr\.io/flannel-io/flannel-cni-plugin:\S+", flannel_cni_image, flannel)
    flannel = re.sub(r"ghcr\.io/flannel-io/flannel:\S+", flannel_image, flannel)
    flannel, n = re.subn(r'"Network": "[^"]+"', '"Network": "{{ .PodSubnet }}"', flannel)
    if n != 1 or flannel_image not in flannel or flannel_cni_image not in flannel:
        raise SystemExit("flannel manifest layout changed: images or Network not found")
    flannel = cni_config_after_lease(flannel, flannel_image)
    # kind templates the CNI manifest (the pod subnet) only when it carries the first marker, and gives its first
    # container CONTROL_PLANE_ENDPOINT (the API server's address inside the cluster) only with the second.
    (out_dir / "default-cni.yaml").write_text(
        "# would you kindly template this file\n# would you kindly patch this file\n" + flannel)


if __name__ == "__main__":
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
