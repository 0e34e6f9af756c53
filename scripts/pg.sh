#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL cluster for tests and benchmarks, from the server
# binaries installed on the machine (Debian's postgresql-15 or any /usr/lib/postgresql/*/bin).
#
#   eval "$(scripts/pg.sh start DIR)"   # prints export MIGRATEKIT_TEST_PG=...; cluster lives in DIR
#   scripts/pg.sh stop DIR
#
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail

command=${1:?usage: pg.sh start|stop DIR}
dir=${2:?usage: pg.sh start|stop DIR}

find_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$found" ] && [ -x "$found/initdb" ]; then echo "$found"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  echo "pg.sh: no PostgreSQL server binaries found (initdb, pg_ctl)." >&2
  echo "pg.sh: install them with: apt-get update && apt-get install -y postgresql-15   (or set PG_BIN)" >&2
  exit 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    bin=$(find_bin)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
      chown postgres "$dir"
      chmod 755 "$dir"
      # Every folder above DIR must be open to postgres too.
      runuser -u postgres -- test -x "$dir" || { echo "pg.sh: user postgres cannot reach $dir; use a folder under /tmp made with mode 755" >&2; exit 1; }
    fi
    password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    printf '%s\n' "$password" > "$dir/pwfile"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/pwfile"
    as_owner "$bin/initdb" -D "$dir/data" -U migratekit --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    # A free port: let the kernel pick one, then hand it to the server.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    conn="Host=127.0.0.1;Port=$port;Username=migratekit;Password=$password"
    printf '%s\n' "$conn" > "$dir/connection"
    echo "export MIGRATEKIT_TEST_PG='$conn'"
    ;;
  stop)
    bin=$(find_bin)
    if [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg.sh start|stop DIR" >&2; exit 2 ;;
esac
