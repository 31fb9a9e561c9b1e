#!/usr/bin/env bash
# Puts a Redis backup made by backup-redis.sh in place as the RDB file of a STOPPED redis-server.
# The checksum and redis-check-rdb pass before the data directory is written to; the file that
# was there is kept beside it as <dbfilename>.before-restore-<stamp>.
#
# Procedure:
#   1. Stop the server (docker stop, or scale the StatefulSet to 0). A running server rewrites
#      its RDB on shutdown and would overwrite the restored file.
#   2. Run this script with REDIS_DATA_DIR set to the server's `dir` (its data volume).
#   3. With `appendonly yes` the server loads its AOF, not the RDB: start it once with
#      `--appendonly no`, then `redis-cli CONFIG SET appendonly yes` to rebuild the AOF from the
#      restored data, and leave appendonly on in its configuration.
#   4. Start the server and compare `redis-cli INFO keyspace` with what you expect.
#
# Environment:
#   BACKUP_DEST       required  file:///path or s3://bucket[/prefix], as for the backup
#   REDIS_DATA_DIR    required  the stopped server's data directory
#   REDIS_DBFILENAME  optional  the server's `dbfilename`; defaults to dump.rdb
#   RESTORE_KEY       optional  the archive, e.g. redis/2025/01/31/redis-20250131T010000Z.rdb;
#                               defaults to the newest archive that has its checksum
#   REDIS_HOST        optional  when set, the script refuses to run while a server answers at
#   REDIS_PORT        optional  REDIS_HOST:REDIS_PORT (6379 by default)
#   S3_ENDPOINT_URL   optional  an S3-compatible endpoint (MinIO)
#
# Prints the restored file's path on stdout. Exit: 0 done, 1 failed (the data directory is
# unchanged), 2 configuration error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly DATASET=redis
EXT_RE=$(dataset_ext_re "$DATASET")

require_env REDIS_DATA_DIR
parse_dest
require_cmd sha256sum
dbfilename=${REDIS_DBFILENAME:-dump.rdb}
if [[ ! $dbfilename =~ ^[A-Za-z0-9._-]+$ ]]; then
  config_error "REDIS_DBFILENAME must be a plain file name (got '$dbfilename')"
fi
[[ -d $REDIS_DATA_DIR && -w $REDIS_DATA_DIR ]] ||
  config_error "REDIS_DATA_DIR '$REDIS_DATA_DIR' is not a writable directory"

if [[ -n ${REDIS_HOST:-} ]]; then
  require_cmd redis-cli
  redis_connection
  # Any reply, even NOAUTH, means a server is up; only a refused connection exits non-zero.
  if redis-cli "${REDIS_ARGS[@]}" ping >/dev/null 2>&1; then
    config_error "a Redis server answers at $REDIS_HOST:${REDIS_PORT:-6379}; stop it before restoring (it would overwrite the file on shutdown)"
  fi
else
  log "REDIS_HOST is not set: not checking that the server is stopped"
fi

make_workdir restore-redis
key=$(resolve_restore_key "$DATASET" "$EXT_RE")
snapshot=$(fetch_verified "$key" "$WORK_DIR")
check_rdb "$snapshot" "$key" ||
  fail "$key is corrupt although its checksum matches; $REDIS_DATA_DIR was not touched"

target=$REDIS_DATA_DIR/$dbfilename
staged=$REDIS_DATA_DIR/.$dbfilename.restore-$$
at_exit rm -f -- "$staged"
cp "$snapshot" "$staged" || fail "cannot write $staged"
# The server may run as another user (redis, uid 999 in the official image): give the file to
# the directory's owner when we can.
if [[ $(id -u) == 0 ]]; then
  chown --reference="$REDIS_DATA_DIR" "$staged" || fail "cannot give $staged to the owner of $REDIS_DATA_DIR"
fi
previous=""
if [[ -e $target ]]; then
  previous=$target.before-restore-$(stamp_now)
  mv "$target" "$previous" || fail "cannot move the existing $target aside"
  log "kept the previous file as $previous"
fi
if ! mv "$staged" "$target"; then
  if [[ -n $previous ]]; then
    mv "$previous" "$target"
  fi
  fail "cannot move the restored file into $target; the previous file is back in place"
fi
if compgen -G "$REDIS_DATA_DIR/appendonly*" >/dev/null; then
  log "warning: $REDIS_DATA_DIR holds an AOF; a server with appendonly yes loads it instead of $dbfilename (see step 3 at the top of this script)"
fi
log "restored $key to $target"
printf '%s\n' "$target"
