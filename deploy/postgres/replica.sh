#!/bin/bash
# The replica service's command (docker-compose.yml): on an empty volume, copy the primary with
# pg_basebackup (-R writes standby.signal and the connection to stream from), then run PostgreSQL
# as a hot standby. Runs as root first, like the image's own entrypoint, to own the volume.
set -euo pipefail
data=/var/lib/postgresql/data
if [[ "$(id -u)" = 0 ]]; then
  mkdir -p "$data"
  chown postgres:postgres "$data"
  chmod 700 "$data"
  exec gosu postgres "$0" "$@"
fi
if [[ ! -s "$data/PG_VERSION" ]]; then
  until pg_basebackup -h "$PRIMARY_HOST" -U "$POSTGRES_USER" -D "$data" -R -X stream; do
    echo "waiting for the primary at $PRIMARY_HOST"
    sleep 2
  done
fi
exec postgres -c hot_standby=on
