#!/bin/sh
# Backs up what holds data: the database (pg_dump, custom format, pg-boss's schema included) and the
# media bucket (scripts/deploy/bucket.mjs, incremental). Database first: every file a dumped row
# refers to is then in the copy. Usage: backup.sh <dir>   (docs/OPERATIONS.md, "Backups")
# Needs DATABASE_URL and media-service's MINIO_* settings in the environment.
set -eu
dir=${1:?usage: backup.sh <dir>}
: "${DATABASE_URL:?set DATABASE_URL}"
here=$(dirname "$0")
mkdir -p "$dir/bucket"
pg_dump --format=custom --no-owner --file="$dir/database.dump.tmp" --dbname="$DATABASE_URL"
mv "$dir/database.dump.tmp" "$dir/database.dump"
node "$here/bucket.mjs" download "$dir/bucket"
echo "backup.sh: database and bucket in $dir"
