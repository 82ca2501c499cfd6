# The kind CLI (used from PATH when its version matches, e.g. from conda-forge: see tools.sh).
version=$KIND_VERSION
build() { go_install "sigs.k8s.io/kind@$version"; }
