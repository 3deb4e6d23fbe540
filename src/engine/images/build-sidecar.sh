#!/usr/bin/env bash
# images/build-sidecar.sh — build Moorage's networking sidecar image (moorage/sidecar:<version>).
#
# Why: workerd needs a sidecar image for every local container start and the official one cannot be
# pulled without a registry. This bundles ../sidecar (esbuild, one .mjs: from the TypeScript in the repository,
# or the bundle the package ships, made by the same bundle-sidecar.mjs from the same sources) and puts it on the
# node base image together with the host's iptables (nft multi-binary, its xtables modules and libs),
# nft (the link-layer guard) and openssl (for the HTTPS-interception CA), all copied from host files.
# Cached: skipped when the image's inputs label matches (bundle, Dockerfile, host binaries, base image).
# Boundary: builds exactly one image; needs DOCKER_HOST to point at a running engine and the base image.
# Knobs: MOORAGE_FORCE=1 (rebuild).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENGINE_DIR=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

IMAGE=$MOORAGE_SIDECAR_REPO:$MOORAGE_SIDECAR_VERSION
BASE=$MOORAGE_NODE_BASE_IMAGE

command -v node >/dev/null 2>&1 || die "node is not on PATH" "run: npx moorage engine up (it prints the PATH to use)"
BASE_ID=$(docker_cli image inspect -f '{{.Id}}' "$BASE" 2>/dev/null) ||
  die "base image $BASE is missing" "build it first: npx moorage engine up"

IPT=$(command -v iptables || true)
[ -n "$IPT" ] || die "iptables is not installed on this host; the sidecar image copies it from here" "apt-get install -y iptables"
IPT_MULTI=$(readlink -f "$IPT")
case "$(basename "$IPT_MULTI")" in
  xtables-nft-multi | xtables-legacy-multi) ;;
  *) die "unexpected iptables binary $IPT_MULTI" "install Debian's iptables package (xtables-nft-multi)" ;;
esac
XT_DIR=$(dirname "$(ldd "$IPT_MULTI" | grep -o '/[^ ]*libxtables[^ ]*')")/xtables
[ -d "$XT_DIR" ] || die "iptables extension modules not found at $XT_DIR" "reinstall iptables: apt-get install --reinstall -y iptables"
NFT=$(command -v nft || true)
[ -n "$NFT" ] || die "nft is not installed on this host; the sidecar image copies it from here (link-layer guard)" "apt-get install -y nftables"
OPENSSL=$(command -v openssl || true)
[ -n "$OPENSSL" ] || die "openssl is not installed on this host; the sidecar image copies it from here" "apt-get install -y openssl"
OPENSSL_CNF=$(readlink -f /usr/lib/ssl/openssl.cnf 2>/dev/null || readlink -f /etc/ssl/openssl.cnf)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CTX=$WORK/ctx
mkdir -p "$CTX/rootfs"

# Bundle first: the bundle's bytes are part of the cache key, and bundling takes ~50 ms. The repository bundles its
# TypeScript; the package ships the bundle that `npm run build` made with the same script, so both produce the same
# bytes (same sources, same esbuild, same options) and neither rebuilds the other's image.
if [ -f "$ENGINE_DIR/sidecar/server.ts" ]; then
  node "$HERE/bundle-sidecar.mjs" "$ENGINE_DIR/sidecar/server.ts" "$CTX/sidecar.mjs" ||
    die "bundling $ENGINE_DIR/sidecar/server.ts with esbuild failed (see above)" "fix the TypeScript error, or install deps (esbuild)"
elif [ -f "$ENGINE_DIR/sidecar/sidecar.mjs" ]; then
  cp "$ENGINE_DIR/sidecar/sidecar.mjs" "$CTX/sidecar.mjs"
else
  die "sidecar sources not found under $ENGINE_DIR/sidecar" "reinstall moorage, or run npm run build in the repository"
fi
cp "$HERE/sidecar/Dockerfile" "$CTX/Dockerfile"

inputs=("$CTX/sidecar.mjs" "$CTX/Dockerfile" "$HERE/build-sidecar.sh" "$HERE/lib.sh" "$HERE/../engine.env"
  "$IPT_MULTI" "$OPENSSL" "$OPENSSL_CNF" "$NFT")
KEY=$( (hash_inputs "${inputs[@]}" "$XT_DIR"/*.so; echo "$BASE_ID") | sha256sum | cut -c1-32)
if [ "${MOORAGE_FORCE:-}" != 1 ] && [ "$(image_inputs_label "$IMAGE")" = "$KEY" ]; then
  log "image $IMAGE: up to date (cached)"
  exit 0
fi
log "image $IMAGE: building (iptables: $(basename "$IPT_MULTI"), base: $BASE)"

R=$CTX/rootfs
copy_with_libs "$R" "$IPT_MULTI" "/usr/sbin/$(basename "$IPT_MULTI")"
for name in iptables iptables-restore iptables-save ip6tables ip6tables-restore ip6tables-save; do ln -sf "$(basename "$IPT_MULTI")" "$R/usr/sbin/$name"; done
mkdir -p "$R$(usr_path "$XT_DIR")"
cp -L "$XT_DIR"/*.so "$R$(usr_path "$XT_DIR")/"
copy_libs_of "$R" "$XT_DIR"/*.so
copy_with_libs "$R" "$NFT" /usr/sbin/nft
copy_with_libs "$R" "$OPENSSL" /usr/bin/openssl
copy_file "$R" "$OPENSSL_CNF" /usr/lib/ssl/openssl.cnf
[ -f /etc/protocols ] && copy_file "$R" /etc/protocols
# Served by GET /ca only if openssl fails inside the container (workerd requires a PEM there).
mkdir -p "$R/opt/moorage"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
  -subj "/CN=Moorage sidecar fallback CA (no interception)" \
  -keyout /dev/null -out "$R/opt/moorage/ca-fallback.pem" 2>/dev/null ||
  die "openssl could not create the fallback CA certificate" "check the host's openssl: openssl version"

docker_cli build -q \
  --build-arg "BASE=$BASE" \
  --build-arg "VERSION=$MOORAGE_SIDECAR_VERSION" \
  --label "$MOORAGE_INPUTS_LABEL=$KEY" \
  -t "$IMAGE" "$CTX" >/dev/null ||
  die "docker build of $IMAGE failed (see above)" "check the engine: npx moorage engine status"
# Smoke check: the image's iptables and node must run (catches a missing library right here).
docker_cli run --rm --entrypoint /usr/sbin/iptables "$IMAGE" --version >/dev/null 2>&1 ||
  die "iptables does not run inside $IMAGE" "run: docker run --rm --entrypoint /usr/sbin/iptables $IMAGE --version"
docker_cli run --rm --entrypoint /usr/sbin/nft "$IMAGE" --version >/dev/null 2>&1 ||
  die "nft does not run inside $IMAGE" "run: docker run --rm --entrypoint /usr/sbin/nft $IMAGE --version"
log "image $IMAGE: built ($(docker_cli image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1/1e6 }'))"
