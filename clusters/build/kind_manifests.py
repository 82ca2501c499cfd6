#!/usr/bin/env python3
"""Write the two manifests a kind node image carries in /kind/manifests, for an offline build.

- default-storage.yaml: kind's own local-path storage manifest, read from the kind module's Go source
  (pkg/build/nodeimage/const_storage.go), where it is a string constant built from other constants.
- default-cni.yaml: flannel's published manifest from the flannel module (Documentation/kube-flannel.yml), with
  image names pointing at the locally built images and the pod network left for kind to template, since kind's
  own kindnetd is not available from the Go module proxy.

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
    # kind templates the CNI manifest (the pod subnet) only when it carries this marker.
    (out_dir / "default-cni.yaml").write_text("# would you kindly template this file\n" + flannel)


if __name__ == "__main__":
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
