#!/usr/bin/env bash
# Backs up one PostgreSQL database: pg_dump in custom format, a full read-back of the archive,
# upload with a sha256 checksum under a dated key, then pruning to the retention.
#
# Environment:
#   BACKUP_DEST       required  file:///path or s3://bucket[/prefix]
#   RETENTION_DAYS    required  days to keep archives; the newest complete one is always kept
#   PGHOST            required  the database server
#   PGUSER            required  a role that can read every table (pg_dump takes no privileges)
#   PGDATABASE        required  the database to dump
#   PGPORT            optional  defaults to 5432
#   PGPASSWORD        optional  read by libpq itself; or use PGPASSFILE, or no password at all
#   PGCONNECT_TIMEOUT optional  seconds before an unreachable server is an error; defaults to 10
#   S3_ENDPOINT_URL   optional  an S3-compatible endpoint (MinIO) for s3:// destinations
#   TMPDIR            optional  where the archive is staged; needs room for one archive
#
# Custom format rather than plain SQL through gzip: pg_restore can read every block of it back
# (a real integrity check, where `gunzip -t` only proves the gzip stream), restores in one
# transaction, and can restore single tables when an operator needs only part of it.
# pg_dump must be at least the server's major version.
#
# Prints the archive's location on stdout. Exit: 0 done, 1 failed, 2 configuration error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly DATASET=postgres EXT=dump
EXT_RE=$(dataset_ext_re "$DATASET")

require_env PGHOST PGUSER PGDATABASE
require_retention
parse_dest
require_cmd pg_dump pg_restore sha256sum
export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}

make_workdir backup-postgres
stamp=$(stamp_now)
key=$(archive_key "$DATASET" "$stamp" "$EXT")
archive=$WORK_DIR/$(basename "$key")
where="database '$PGDATABASE' on $PGHOST:${PGPORT:-5432}"

log "dumping $where"
# --no-password: fail at once instead of waiting for a prompt no one will answer.
pg_dump --format=custom --no-password --file="$archive" ||
  fail "pg_dump of $where failed (its message is above); nothing was uploaded or pruned"

check_pg_archive "$archive" "the new archive of $where" ||
  fail "the new archive of $where is unreadable; nothing was uploaded or pruned"
publish "$DATASET" "$EXT_RE" "$archive" "$key"
