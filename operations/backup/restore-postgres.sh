#!/usr/bin/env bash
# Restores a PostgreSQL backup made by backup-postgres.sh into an existing database. The
# archive's checksum and a full read-back are checked before the target is connected to; the
# restore runs in one transaction, so a failure leaves the target as it was.
#
# Environment:
#   BACKUP_DEST       required  file:///path or s3://bucket[/prefix], as for the backup
#   PGHOST            required  the target server
#   PGUSER            required  a role that can create the archive's objects in the target
#   PGDATABASE        required  the target database; it must exist (createdb it first)
#   PGPORT            optional  defaults to 5432
#   PGPASSWORD        optional  read by libpq itself
#   RESTORE_KEY       optional  the archive, e.g. postgres/2025/01/31/postgres-20250131T010000Z.dump;
#                               defaults to the newest archive that has its checksum
#   RESTORE_CLEAN     optional  "yes" to drop the archive's objects in the target before
#                               recreating them; without it a target that holds tables is refused
#   S3_ENDPOINT_URL   optional  an S3-compatible endpoint (MinIO)
#
# Objects are restored without their original owner (--no-owner): the restoring role owns them,
# which is what a managed server or a scratch database needs. Roles are not in the archive.
#
# Exit: 0 done, 1 failed (the target is unchanged), 2 configuration error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly DATASET=postgres
EXT_RE=$(dataset_ext_re "$DATASET")

require_env PGHOST PGUSER PGDATABASE
parse_dest
require_cmd pg_restore psql sha256sum
if [[ -n ${RESTORE_CLEAN:-} && ${RESTORE_CLEAN} != yes ]]; then
  config_error "RESTORE_CLEAN must be 'yes' or unset (got '$RESTORE_CLEAN')"
fi
export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}

make_workdir restore-postgres
key=$(resolve_restore_key "$DATASET" "$EXT_RE")
archive=$(fetch_verified "$key" "$WORK_DIR")
check_pg_archive "$archive" "$key" ||
  fail "$key is corrupt although its checksum matches; the target database was not touched"

where="database '$PGDATABASE' on $PGHOST:${PGPORT:-5432}"
relations=$(psql --no-psqlrc --no-password --tuples-only --no-align --set=ON_ERROR_STOP=1 --command="
  SELECT count(*) FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%'") ||
  fail "cannot query the target $where (its message is above); nothing was restored"
if ((relations > 0)) && [[ ${RESTORE_CLEAN:-} != yes ]]; then
  config_error "the target $where already holds $relations relation(s); restore into an empty database, or set RESTORE_CLEAN=yes to drop and recreate the archive's objects"
fi

options=(--dbname="$PGDATABASE" --no-password --no-owner --single-transaction --exit-on-error)
if [[ ${RESTORE_CLEAN:-} == yes ]]; then
  options+=(--clean --if-exists)
fi
log "restoring $key into $where"
pg_restore "${options[@]}" "$archive" ||
  fail "pg_restore of $key into $where failed (its message is above); the transaction was rolled back"
log "restored $key into $where"
