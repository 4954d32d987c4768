#!/usr/bin/env bash
# ensure-postgres: make sure the PostgreSQL server behind DATABASE_URL answers.
# When it is installed locally but down, start it (pg_ctlcluster); when it is
# not installed at all and we are root on Debian, install it. Bounded: gives
# up after 60 seconds of waiting.
set -euo pipefail

url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rss?sslmode=disable}
hostport=$(sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#' <<<"$url")
host=${hostport%%:*}
port=${hostport##*:}
[ "$port" = "$hostport" ] && port=5432
[ -z "$host" ] && host=127.0.0.1

answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if answers; then
  exit 0
fi

case "$host" in
  127.0.0.1|localhost|::1) ;;
  *) echo "ensure-postgres: $host:$port does not answer and is not local; start it or fix DATABASE_URL" >&2; exit 1 ;;
esac

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-postgres: PostgreSQL is not installed; installing it from Debian's packages" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
  else
    echo "ensure-postgres: no PostgreSQL at $host:$port and none installed" >&2
    exit 1
  fi
fi

for version in $(ls /etc/postgresql 2>/dev/null); do
  echo "ensure-postgres: starting PostgreSQL $version" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
done

for _ in $(seq 1 60); do
  if answers; then
    exit 0
  fi
  sleep 1
done
echo "ensure-postgres: PostgreSQL did not come up on $host:$port within 60s" >&2
exit 1
