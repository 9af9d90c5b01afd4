#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, then runs
# the drift check, the linters and type checkers, and pytest against a real Redis.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

ensure_redis_server
ensure_chromium
ensure_venv
trap stop_throwaway_redis EXIT
ensure_redis_url

log "drift check: generated/ against jobs.yaml"
.venv/bin/jobctl check

if git rev-parse --verify --quiet main >/dev/null 2>&1; then
  base="$(git merge-base HEAD main)"
  log "contract evolution: jobs.yaml against main (merge base ${base:0:12})"
  .venv/bin/jobctl breaking --against "$base"
fi

log "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

log "import boundaries"
.venv/bin/lint-imports

log "mypy --strict"
.venv/bin/mypy jobcontracts generated examples tests

log "pyright"
.venv/bin/pyright

log "pytest"
.venv/bin/python -m pytest "$@"
