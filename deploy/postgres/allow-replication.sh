#!/bin/bash
# Run once by the postgres image when it creates the primary's data directory
# (/docker-entrypoint-initdb.d): lets the replica service stream from it with the same password.
set -euo pipefail
echo "host replication all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
