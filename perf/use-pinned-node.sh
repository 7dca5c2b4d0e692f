# Sourced by the perf scripts, from the repository root: the Makefile's pinned Node (NODE_VERSION, fetched into
# .tools/ when the system node is older) goes first on PATH, as in every make target, so that a script run by hand
# measures the same node as `make` does. Nothing changes when it was never fetched (the system node is new enough).
pinned_node_version=$(sed -n 's/^NODE_VERSION := //p' Makefile)
for pinned_node_bin in "$PWD/.tools/node-$pinned_node_version"/node_modules/node-linux-*/bin; do
  [ -x "$pinned_node_bin/node" ] && PATH="$pinned_node_bin:$PATH"
done
unset pinned_node_version pinned_node_bin
export PATH
