#!/bin/sh
# Restores a backup.sh directory into an EMPTY database and bucket (create them first, with the
# services stopped: docs/OPERATIONS.md, "Restore"). Restoring over an existing schema is refused by
# pg-boss's partitioned tables, so this never uses --clean; one transaction, so it is all or nothing.
# Usage: restore.sh <dir>   Needs DATABASE_URL and media-service's MINIO_* settings.
set -eu
dir=${1:?usage: restore.sh <dir>}
: "${DATABASE_URL:?set DATABASE_URL}"
here=$(dirname "$0")
test -f "$dir/database.dump" || { echo "restore.sh: no $dir/database.dump" >&2; exit 2; }
tables=$(psql --no-psqlrc --tuples-only --no-align --dbname="$DATABASE_URL" \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" != "0" ]; then
  echo "restore.sh: the target database is not empty ($tables tables): restore into a new one" >&2
  exit 2
fi
pg_restore --no-owner --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$dir/database.dump"
node "$here/bucket.mjs" upload "$dir/bucket"
echo "restore.sh: database and bucket restored from $dir"
