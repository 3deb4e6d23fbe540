# engine/images/lib.sh — helpers shared by the image build scripts (sourced, not run).
#
# Why: without a registry every image starts from host files. These helpers copy a host binary plus the
# shared libraries `ldd` lists into a root filesystem laid out like Debian 12 (merged /usr), compute cache
# keys, and read an image's cache label, so both build scripts behave the same.
# Boundary: pure helpers; no image is built here.

# shellcheck source=../engine.env
. "$(dirname "${BASH_SOURCE[0]}")/../engine.env"

log() { printf '[moorage] %s\n' "$*" >&2; }
die() {
  printf '[moorage] ERROR: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '[moorage]   -> %s\n' "$line" >&2; done
  exit 1
}

# Real docker CLI (never our shim), with the legacy builder: Debian's engine has no buildx.
docker_cli() { DOCKER_BUILDKIT=0 docker "$@"; }

# Map a host path to the merged-/usr path inside the image (/lib/x -> /usr/lib/x, /bin/x -> /usr/bin/x).
usr_path() {
  case "$1" in
    /lib/* | /bin/* | /sbin/* | /lib64/*) echo "/usr$1" ;;
    *) echo "$1" ;;
  esac
}

# copy_file ROOTFS HOSTPATH [DEST]: copy one file (symlinks resolved) to its merged-/usr place.
copy_file() {
  local rootfs=$1 src=$2 dest=${3:-$(usr_path "$2")}
  mkdir -p "$rootfs$(dirname "$dest")"
  cp -L "$src" "$rootfs$dest"
}

# copy_with_libs ROOTFS HOSTPATH [DEST]: copy a binary or .so and every library ldd resolves for it.
copy_with_libs() {
  local rootfs=$1 src=$2 dest=${3:-}
  copy_file "$rootfs" "$src" ${dest:+"$dest"}
  local lib
  # ldd prints "name => /path (addr)" and "/lib64/ld-linux... (addr)"; take every absolute path.
  for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
    [ -e "$rootfs$(usr_path "$lib")" ] || copy_file "$rootfs" "$lib"
  done
}

# copy_libs_of ROOTFS FILE...: the libraries of many files with one ldd call (fast for module dirs).
copy_libs_of() {
  local rootfs=$1 lib
  shift
  for lib in $(ldd "$@" 2>/dev/null | grep -o '=> /[^ ]*\|^\s\+/[^ ]*' | grep -o '/[^ ]*$' | sort -u); do
    [ -e "$rootfs$(usr_path "$lib")" ] || copy_file "$rootfs" "$lib"
  done
}

# make_merged_usr ROOTFS: the top-level symlinks Debian 12 has, so /bin/sh and /lib64/ld-linux resolve.
make_merged_usr() {
  local rootfs=$1
  mkdir -p "$rootfs/usr/bin" "$rootfs/usr/sbin" "$rootfs/usr/lib" "$rootfs/usr/lib64"
  ln -sfn usr/bin "$rootfs/bin"
  ln -sfn usr/sbin "$rootfs/sbin"
  ln -sfn usr/lib "$rootfs/lib"
  ln -sfn usr/lib64 "$rootfs/lib64"
}

# hash_inputs FILE...: one sha256 over the content of every listed file (order-sensitive, names ignored).
hash_inputs() {
  local f
  for f in "$@"; do sha256sum <"$f"; done | sha256sum | cut -c1-32
}

# image_inputs_label IMAGE: the cache key an image was built with, empty when absent.
image_inputs_label() {
  docker_cli image inspect -f "{{ index .Config.Labels \"$MOORAGE_INPUTS_LABEL\" }}" "$1" 2>/dev/null || true
}
