#!/usr/bin/env bash
# The main job. Until the agent lands, this runs the CRDT demo: three replicas exchanging
# deltas over a lossy simulated link until they converge.
set -euo pipefail
build=${BUILD:-build}
exec "$build/examples/crdt_demo" "$@"
