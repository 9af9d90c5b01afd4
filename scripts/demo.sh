#!/usr/bin/env bash
# The demo, from a fresh machine: installs what is missing, generates code from
# jobs.yaml, and runs a worker and the HTTP API against Redis ($REDIS_URL, else
# localhost, else a throwaway redis-server it starts itself).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

ensure_redis_server
ensure_venv
exec .venv/bin/python -m examples.demo.run "$@"
