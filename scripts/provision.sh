#!/usr/bin/env bash
# scripts/provision.sh — the repository's shortcut to the local engine's provisioning (src/engine/provision.sh).
# Why: CI and developers run `bash scripts/provision.sh up|env|stop|status`; an app project runs the same script from
# the package as `npx moorage engine up|env|stop|status`. Boundary: a thin wrapper, it delegates everything.
set -euo pipefail
export MOORAGE_PROVISION_CMD=${MOORAGE_PROVISION_CMD:-scripts/provision.sh}
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src/engine/provision.sh" "$@"
