#!/usr/bin/env bash
# scripts/provision.sh — repository entry point for engine/provision.sh (which ships in the npm package).
# Why: CI and developers run scripts/provision.sh; `moorage doctor` points package users at
# node_modules/moorage/engine/provision.sh. Boundary: delegates everything.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/engine/provision.sh" "$@"
