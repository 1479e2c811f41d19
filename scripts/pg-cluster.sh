#!/usr/bin/env bash
# A private PostgreSQL cluster for Confidant's tests: never the system's server.
#
#   eval "$(scripts/pg-cluster.sh start)"   # prints export lines; PG_CLUSTER_DIR names the cluster
#   scripts/pg-cluster.sh env [DIR]         # prints them again
#   scripts/pg-cluster.sh stop [DIR]        # stops the server and removes the folder
#
# `start` installs Debian's postgresql with apt-get when initdb is missing, then makes a
# cluster in a new temporary folder (or $PG_CLUSTER_DIR): data in DIR/data, the Unix socket in
# DIR (peer authentication: the database user is the invoking OS user, no password), and
# 127.0.0.1 on a free port (scram-sha-256, its password only in DIR/pgpass, mode 0600, named by
# PGPASSFILE). initdb and pg_ctl refuse to run as root: as root (CI) they run as the
# unprivileged `postgres` user (created by Debian's package; else `confidant-pg` is created).
# Exports: PG_CLUSTER_DIR, PGHOST (the socket folder), PGPORT, PGUSER, PGDATABASE, PGPASSFILE,
# CONFIDANT_TEST_PG_URL (socket, peer auth) and CONFIDANT_TEST_PG_TCP_URL (127.0.0.1, pgpass).
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

find_bin() {
  local name=$1 dir
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  return 1
}

install_postgres() {
  find_bin initdb >/dev/null && return 0
  echo "pg-cluster: installing postgresql with apt-get" >&2
  # No system cluster: the tests only ever use their own.
  as_root mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.d/confidant-no-main.conf >/dev/null
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  find_bin initdb >/dev/null || { echo "pg-cluster: initdb not found after installing postgresql" >&2; exit 69; }
}

# The OS user the server runs as, and a command prefix that runs as it.
server_user() {
  if [ "$(id -u)" -ne 0 ]; then id -un; return; fi
  if id postgres >/dev/null 2>&1; then echo postgres; return; fi
  id confidant-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin confidant-pg
  echo confidant-pg
}

as_server() {
  local user=$1; shift
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

print_env() {
  local dir=$1
  [ -f "$dir/env" ] || { echo "pg-cluster: no cluster in $dir" >&2; exit 66; }
  cat "$dir/env"
}

start() {
  install_postgres
  local initdb pg_ctl user dir port me password
  initdb=$(find_bin initdb); pg_ctl=$(find_bin pg_ctl)
  user=$(server_user); me=$(id -un)
  dir=${PG_CLUSTER_DIR:-$(mktemp -d /tmp/confidant-pg.XXXXXX)}
  mkdir -p "$dir"; chmod 0700 "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$user" "$dir"
  port=$(free_port)
  password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  # The password goes to initdb through a file the server user can read, removed at once.
  printf '%s\n' "$password" > "$dir/pwfile"; chmod 0600 "$dir/pwfile"
  [ "$(id -u)" -eq 0 ] && chown "$user" "$dir/pwfile"
  as_server "$user" "$initdb" -D "$dir/data" -U "$me" --pwfile="$dir/pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; rm -f "$dir/pwfile"; exit 70; }
  rm -f "$dir/pwfile"
  if [ "$me" != "$user" ]; then
    # Peer authentication compares OS and database user names: map the invoking user to itself.
    echo "local all $me peer" > "$dir/data/pg_hba.conf.new"
    grep -v '^local' "$dir/data/pg_hba.conf" >> "$dir/data/pg_hba.conf.new" || true
    mv "$dir/data/pg_hba.conf.new" "$dir/data/pg_hba.conf"; [ "$(id -u)" -eq 0 ] && chown "$user" "$dir/data/pg_hba.conf"
  fi
  as_server "$user" "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 70; }
  "$(find_bin createdb)" -h "$dir" -p "$port" -U "$me" confidant
  printf '127.0.0.1:%s:*:%s:%s\n' "$port" "$me" "$password" > "$dir/pgpass"; chmod 0600 "$dir/pgpass"
  cat > "$dir/env" <<EOF
export PG_CLUSTER_DIR='$dir'
export PGHOST='$dir'
export PGPORT='$port'
export PGUSER='$me'
export PGDATABASE='confidant'
export PGPASSFILE='$dir/pgpass'
export CONFIDANT_TEST_PG_URL='postgres://$me@localhost:$port/confidant?host=$dir'
export CONFIDANT_TEST_PG_TCP_URL='postgres://$me@127.0.0.1:$port/confidant?sslmode=disable'
EOF
  print_env "$dir"
}

stop() {
  local dir=${1:-${PG_CLUSTER_DIR:-}}
  [ -n "$dir" ] && [ -d "$dir/data" ] || { echo "pg-cluster: usage: $0 stop DIR (or set PG_CLUSTER_DIR)" >&2; exit 64; }
  local user; user=$(stat -c %U "$dir/data")
  as_server "$user" "$(find_bin pg_ctl)" -D "$dir/data" -m fast -w stop >/dev/null || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  env) print_env "${2:-${PG_CLUSTER_DIR:?pg-cluster: set PG_CLUSTER_DIR or pass DIR}}" ;;
  *) echo "usage: $0 start|stop [DIR]|env [DIR]" >&2; exit 64 ;;
esac
