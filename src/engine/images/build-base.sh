#!/usr/bin/env bash
# engine/images/build-base.sh — build the Node base image (moorage/node-base:22) from host files.
#
# Why: no image registry is reachable, so `FROM node:22` can never work here. User and example Dockerfiles
# say `ARG BASE=moorage/node-base:22` / `FROM ${BASE}`; this script makes that image from the host's
# Node 22 binary, the libraries ldd lists, a tiny shell toolset (workerd runs /bin/sh for exec/signals
# and /bin/cp for snapshots), a minimal /etc and the host's CA bundle, via `tar | docker import`.
# Cached: skipped when the image exists and its inputs label matches (about 1 s otherwise).
# Boundary: builds exactly one image; needs DOCKER_HOST to point at a running engine.
# Knobs: MOORAGE_NODE_BIN (Node 22 binary to ship; default `node` on PATH), MOORAGE_FORCE=1 (rebuild).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

IMAGE=$MOORAGE_NODE_BASE_IMAGE
NODE_BIN=${MOORAGE_NODE_BIN:-$(command -v node || true)}
[ -n "$NODE_BIN" ] && [ -x "$NODE_BIN" ] ||
  die "no Node binary to put in $IMAGE" "run engine/provision.sh, or set MOORAGE_NODE_BIN to a Node 22 binary"
NODE_MAJOR=$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" = "${IMAGE##*:}" ] ||
  die "$NODE_BIN is Node $NODE_MAJOR but $IMAGE must contain Node ${IMAGE##*:}" \
    "set MOORAGE_NODE_BIN to a Node ${IMAGE##*:} binary (engine/provision.sh installs one under ~/.cache/moorage/node22)"

# Small userland: sh for `docker exec`-style calls, cp for workerd's snapshot clone, a few for debugging.
TOOLS="/bin/sh /bin/cat /bin/ls /bin/cp /bin/mkdir /bin/rm /bin/sleep /usr/bin/env"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

inputs=("$NODE_BIN" "$HERE/build-base.sh" "$HERE/lib.sh")
for t in $TOOLS; do inputs+=("$(readlink -f "$t")"); done
[ -f "$CA_BUNDLE" ] && inputs+=("$CA_BUNDLE")
KEY=$(hash_inputs "${inputs[@]}")

if [ "${MOORAGE_FORCE:-}" != 1 ] && [ "$(image_inputs_label "$IMAGE")" = "$KEY" ]; then
  log "image $IMAGE: up to date (cached)"
  exit 0
fi

log "image $IMAGE: building from $NODE_BIN ($("$NODE_BIN" --version))"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
R=$WORK/rootfs
make_merged_usr "$R"
copy_with_libs "$R" "$NODE_BIN" /usr/local/bin/node
for t in $TOOLS; do copy_with_libs "$R" "$(readlink -f "$t")" "$(usr_path "$t")"; done

mkdir -p "$R/etc/ssl/certs" "$R/tmp" "$R/root" "$R/home/node" "$R/app" "$R/var/tmp"
chmod 1777 "$R/tmp" "$R/var/tmp"
[ -f "$CA_BUNDLE" ] && cp -L "$CA_BUNDLE" "$R/etc/ssl/certs/ca-certificates.crt"
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000:node:/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$R/etc/group" <<'EOF'
root:x:0:
node:x:1000:
nogroup:x:65534:
EOF
echo 'hosts: files dns' >"$R/etc/nsswitch.conf"
chown -R 1000:1000 "$R/home/node"

tar -C "$R" --numeric-owner -cf - . |
  docker_cli import \
    -c 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    -c 'WORKDIR /app' \
    -c 'CMD ["node"]' \
    -c "LABEL $MOORAGE_INPUTS_LABEL=$KEY" \
    -c "LABEL org.opencontainers.image.description=\"Moorage local Node $NODE_MAJOR base (host binary, no registry)\"" \
    - "$IMAGE" >/dev/null
log "image $IMAGE: built ($(docker_cli image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1/1e6 }'))"
