#!/usr/bin/env bash
# scripts/engine-stop.sh — stop the dockerd that scripts/provision.sh started (and only that one).
# Why: CI and developers need one obvious command to tear the local engine down.
# Boundary: delegates to `provision.sh stop`, which finds the daemon by its pidfile, never by name.
set -euo pipefail
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/provision.sh" stop
