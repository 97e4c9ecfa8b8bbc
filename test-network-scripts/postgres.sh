#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server (the Debian package) for tests of the seller store.
#
#   postgres.sh start DIR PORT   initdb into DIR, listen on 127.0.0.1:PORT only (unix socket in
#                                DIR), trust auth for 127.0.0.1, create database `datamarket`.
#                                URL: postgres://postgres@127.0.0.1:PORT/datamarket
#   postgres.sh stop DIR         pg_ctl stop, then remove DIR.
#
# The server refuses to run as root: as root it runs as the `postgres` OS user (DIR is chowned).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}

usage() {
  die "usage: postgres.sh start DIR PORT | stop DIR"
}

ensure_binaries() {
  [[ -x $PG_BIN/pg_ctl ]] && return
  if [[ $(id -u) -eq 0 ]]; then
    echo "postgres.sh: installing the Debian postgresql package" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 ||
      die "apt-get install -y postgresql failed"
    [[ -x $PG_BIN/pg_ctl ]] || die "no PostgreSQL 15 binaries in $PG_BIN after installing"
  else
    die "no PostgreSQL 15 binaries in $PG_BIN: install the Debian package (sudo apt-get install postgresql) or set PG_BIN"
  fi
}

# Runs a command as the server's OS user: `postgres` when we are root, else ourselves.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=$1 port=$2
  [[ $port =~ ^[0-9]+$ ]] || die "PORT must be a number: $port"
  ensure_binaries
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ -z $(ls -A "$dir") ]] || die "$dir is not empty"
  mkdir "$dir/data"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' OS user to run the server as"
    chown -R postgres: "$dir"
    chmod 700 "$dir"
    runuser -u postgres -- test -x "$dir" ||
      die "the postgres user cannot reach $dir: its parent directories must be searchable"
  fi
  as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=reject --auth-local=trust \
    --encoding=UTF8 --no-instructions >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Trust only TCP from 127.0.0.1 (and the unix socket, which lives in DIR); refuse the rest.
  cat >"$dir/data/pg_hba.conf" <<HBA
local all all                trust
host  all all 127.0.0.1/32   trust
HBA
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null ||
    { cat "$dir/server.log" >&2; die "the server did not start"; }
  as_pg "$PG_BIN/createdb" -h "$dir" -p "$port" -U postgres datamarket ||
    die "createdb datamarket failed"
  echo "postgres://postgres@127.0.0.1:$port/datamarket"
}

stop() {
  local dir=$1
  [[ -d $dir ]] || return 0
  if [[ -f $dir/data/postmaster.pid ]]; then
    ensure_binaries
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
  fi
  rm -rf "$dir"
}

case ${1:-} in
  start)
    [[ $# -eq 3 ]] || usage
    start "$2" "$3"
    ;;
  stop)
    [[ $# -eq 2 ]] || usage
    stop "$2"
    ;;
  *) usage ;;
esac
