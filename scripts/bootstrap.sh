#!/usr/bin/env bash
# Sourced by the other scripts: installs what a fresh machine lacks, idempotently.
#   - redis-server, redis-tools and openssl (Debian packages) when missing and we may install them,
#   - chromium and chromium-driver (Debian packages) for the dashboard's browser test,
#   - uv, then a project virtualenv in .venv with the dev extras.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_redis_server() {
    # redis-cli forms the test cluster; openssl makes the TLS test's certificates.
    local missing=()
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    if [ "${#missing[@]}" -eq 0 ]; then
        return
    fi
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        log "installing ${missing[*]} (Debian packages)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        log "${missing[*]} not installed; install them (e.g. 'apt-get install ${missing[*]}') or set REDIS_URL"
    fi
}

# The dashboard test drives Debian's Chromium through Playwright (no browser download).
ensure_chromium() {
    if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
        return
    fi
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        log "installing chromium and chromium-driver (Debian packages)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
        log "chromium is not installed; the dashboard browser test will be skipped (apt-get install chromium chromium-driver)"
    fi
}

ensure_venv() {
    local python="${PYTHON:-python3}"
    if ! command -v uv >/dev/null 2>&1; then
        log "installing uv"
        "$python" -m pip install --quiet --disable-pip-version-check uv
    fi
    if [ ! -x .venv/bin/python ]; then
        log "creating .venv"
        uv venv --quiet --python "$python" .venv
    fi
    log "installing jobcontracts with its dev extras into .venv"
    uv pip install --quiet --python .venv/bin/python -e ".[dev]"
}

# Exports REDIS_URL pointing at a Redis that answers PING: $REDIS_URL, the local
# default, or a throwaway server started here (the caller traps stop_throwaway_redis).
ensure_redis_url() {
    local url="${REDIS_URL:-redis://127.0.0.1:6379/0}"
    if .venv/bin/python -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()" "$url" 2>/dev/null; then
        export REDIS_URL="$url"
        return
    fi
    if ! command -v redis-server >/dev/null 2>&1; then
        log "no Redis answers at $url and redis-server is not installed"
        return 1
    fi
    local port dir
    port=$(.venv/bin/python -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
    dir=$(mktemp -d)
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 1 100); do
        if redis-cli -p "$port" ping >/dev/null 2>&1; then break; fi
        sleep 0.05
    done
    THROWAWAY_REDIS_PID=$(cat "$dir/redis.pid")
    log "started a throwaway redis-server on port $port"
    export REDIS_URL="redis://127.0.0.1:$port/0"
}

stop_throwaway_redis() {
    if [ -n "${THROWAWAY_REDIS_PID:-}" ]; then
        kill "$THROWAWAY_REDIS_PID" 2>/dev/null || true
    fi
}
