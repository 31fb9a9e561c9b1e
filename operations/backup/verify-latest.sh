#!/usr/bin/env bash
# The scheduled restore check: takes the newest complete backup of a dataset, verifies its
# checksum, restores it into a scratch target with the matching restore script, and runs a
# sanity check on the result. Any failure ends with a "VERIFY FAILED" line and a non-zero exit.
#
# Usage: verify-latest.sh postgres|redis|mongodb
#
# Environment, every dataset:
#   BACKUP_DEST           required  file:///path or s3://bucket[/prefix], as for the backup
#   VERIFY_MAX_AGE_HOURS  optional  also fail when the newest complete backup is older than this
#   S3_ENDPOINT_URL       optional  an S3-compatible endpoint (MinIO)
# postgres:
#   PGHOST, PGUSER        required  a server where the scratch database may be created (PGPORT,
#                                   PGPASSWORD as libpq reads them)
#   VERIFY_PGDATABASE     required  the scratch database: created, restored into, then dropped. An
#                                   existing database of that name that this script did not
#                                   create is never touched.
#   VERIFY_SQL            optional  a query whose first value must be true or a positive number;
#                                   defaults to counting the restored tables
# redis:
#   VERIFY_REDIS_PORT     optional  loopback port for a throwaway redis-server; defaults to 6399
#   VERIFY_MIN_KEYS       optional  the fewest keys the snapshot must hold; defaults to 1
# mongodb:
#   VERIFY_MONGO_URI      required  a scratch deployment; restored collections replace its own
#   VERIFY_MONGO_EVAL     optional  a mongosh expression (with `db` connected) whose value must be
#                                   true or a positive number; defaults to counting collections
#                                   outside admin, local and config
#
# Prints "VERIFY OK ..." on stdout when the backup restores. Exit: 0 verified, 1 failed,
# 2 configuration error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"

readonly SCRATCH_MARKER='scratch database of verify-latest.sh'

key=""
report_failure() {
  if ((EXIT_STATUS != 0)); then
    printf 'VERIFY FAILED: %s backup %s under %s (exit %s); see the messages above\n' \
      "${dataset:-?}" "${key:-(none found)}" "${BACKUP_DEST:-(BACKUP_DEST not set)}" "$EXIT_STATUS" >&2
  fi
}
# Registered first so it runs last, after the clean-up, as the final line of the output.
at_exit report_failure

dataset=${1:-}
ext_re=$(dataset_ext_re "$dataset")
if [[ -n ${VERIFY_MAX_AGE_HOURS:-} && ! ${VERIFY_MAX_AGE_HOURS} =~ ^[1-9][0-9]*$ ]]; then
  config_error "VERIFY_MAX_AGE_HOURS must be a positive whole number of hours (got '$VERIFY_MAX_AGE_HOURS')"
fi
parse_dest

# is_truthy VALUE : true, t, or a positive whole number.
is_truthy() {
  [[ $1 == t || $1 == true || $1 =~ ^0*[1-9][0-9]*$ ]]
}

verify_postgres() {
  require_env PGHOST PGUSER VERIFY_PGDATABASE
  require_cmd psql pg_restore
  [[ $VERIFY_PGDATABASE =~ ^[a-z_][a-z0-9_]{0,62}$ ]] ||
    config_error "VERIFY_PGDATABASE must be a plain lower-case identifier (got '$VERIFY_PGDATABASE')"
  [[ $VERIFY_PGDATABASE != "${PGDATABASE:-}" ]] ||
    config_error "VERIFY_PGDATABASE must not be PGDATABASE ('$PGDATABASE'): the scratch database is dropped afterwards"
  export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}
  local admin=(psql --no-psqlrc --no-password --tuples-only --no-align --set=ON_ERROR_STOP=1
    --dbname=postgres --set=scratch="$VERIFY_PGDATABASE" --set=marker="$SCRATCH_MARKER")
  local comment
  comment=$("${admin[@]}" <<<"SELECT coalesce(shobj_description(oid, 'pg_database'), '<none>')
    FROM pg_catalog.pg_database WHERE datname = :'scratch';") ||
    fail "cannot reach $PGHOST:${PGPORT:-5432} as $PGUSER to create the scratch database"
  if [[ -n $comment && $comment != "$SCRATCH_MARKER" ]]; then
    config_error "database '$VERIFY_PGDATABASE' exists and was not created by verify-latest.sh; refusing to replace it"
  fi
  "${admin[@]}" >/dev/null <<'SQL' || fail "cannot create the scratch database '$VERIFY_PGDATABASE'"
SET client_min_messages = warning;
DROP DATABASE IF EXISTS :"scratch";
CREATE DATABASE :"scratch";
COMMENT ON DATABASE :"scratch" IS :'marker';
SQL
  at_exit drop_scratch_database "${admin[@]}"

  PGDATABASE=$VERIFY_PGDATABASE RESTORE_KEY=$key RESTORE_CLEAN='' "$here/restore-postgres.sh" ||
    fail "restoring $key into the scratch database failed"

  local query=${VERIFY_SQL:-"SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"}
  local output value
  output=$(psql --no-psqlrc --no-password --tuples-only --no-align --set=ON_ERROR_STOP=1 \
    --dbname="$VERIFY_PGDATABASE" --command="$query") ||
    fail "the sanity query failed on the restored data: $query"
  value=${output%%$'\n'*}
  value=${value%%|*}
  is_truthy "$value" || fail "the sanity query returned '$value' (expected true or a positive number): $query"
  SANITY="sanity query returned $value"
}

drop_scratch_database() {
  "$@" <<<'DROP DATABASE IF EXISTS :"scratch";' >/dev/null
}

verify_redis() {
  require_cmd redis-server redis-cli
  local port=${VERIFY_REDIS_PORT:-6399} min=${VERIFY_MIN_KEYS:-1}
  [[ $port =~ ^[0-9]{1,5}$ ]] || config_error "VERIFY_REDIS_PORT must be a port number (got '$port')"
  [[ $min =~ ^[0-9]+$ ]] || config_error "VERIFY_MIN_KEYS must be a whole number (got '$min')"
  make_workdir verify-redis
  local data=$WORK_DIR/data
  mkdir -p "$data"
  # The job's own REDIS_HOST points at the live server; the restore goes to the scratch directory.
  env -u REDIS_HOST -u REDIS_PORT REDIS_DATA_DIR="$data" REDIS_DBFILENAME=dump.rdb RESTORE_KEY="$key" \
    "$here/restore-redis.sh" >/dev/null || fail "restoring $key into a scratch directory failed"

  redis-server --bind 127.0.0.1 --port "$port" --dir "$data" --dbfilename dump.rdb \
    --appendonly no --save '' --daemonize no --protected-mode yes --logfile "$WORK_DIR/redis.log" &
  local pid=$!
  at_exit stop_if_running "$pid"
  local cli=(env -u REDISCLI_AUTH redis-cli -h 127.0.0.1 -p "$port")
  local tries=0 reply=""
  while :; do
    kill -0 "$pid" 2>/dev/null || {
      cat "$WORK_DIR/redis.log" >&2
      fail "the scratch redis-server did not start on port $port (is the port taken, or the RDB unloadable?)"
    }
    reply=$("${cli[@]}" ping 2>/dev/null) || true
    [[ $reply == PONG ]] && break
    ((++tries < 300)) || fail "the scratch redis-server did not finish loading within 60 s"
    sleep 0.2
  done
  # Make sure the server that answers is ours, not another one already on that port.
  local served_by
  served_by=$("${cli[@]}" info server | tr -d '\r' | sed -n 's/^process_id://p')
  [[ $served_by == "$pid" ]] || fail "port $port is served by another process ($served_by), not the scratch redis-server"
  local keys
  keys=$("${cli[@]}" info keyspace | tr -d '\r' | sed -n 's/^db[0-9]*:keys=\([0-9]*\),.*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
  ((keys >= min)) || fail "the restored snapshot holds $keys key(s), fewer than VERIFY_MIN_KEYS=$min"
  "${cli[@]}" shutdown nosave >/dev/null 2>&1 || true
  SANITY="$keys key(s) loaded"
}

verify_mongodb() {
  require_env VERIFY_MONGO_URI
  require_cmd mongosh
  make_workdir verify-mongodb
  env -u MONGO_REPLICA_SET MONGO_URI="$VERIFY_MONGO_URI" RESTORE_KEY="$key" RESTORE_DROP=yes \
    "$here/restore-mongodb.sh" || fail "restoring $key into the scratch deployment failed"

  local uri_file=$WORK_DIR/uri script=$WORK_DIR/verify.js value
  (umask 077 && printf '%s' "$VERIFY_MONGO_URI" >"$uri_file")
  local expression=${VERIFY_MONGO_EVAL:-"db.adminCommand({ listDatabases: 1, nameOnly: true }).databases
    .filter((d) => !['admin', 'local', 'config'].includes(d.name))
    .reduce((n, d) => n + db.getSiblingDB(d.name).getCollectionNames().length, 0)"}
  # The URI is read from a private file so the password stays out of the process list.
  cat >"$script" <<EOF
db = connect(require('fs').readFileSync(process.env.VERIFY_URI_FILE, 'utf8'));
print(String(${expression}));
EOF
  value=$(VERIFY_URI_FILE=$uri_file mongosh --nodb --quiet --file "$script" | tail -n 1) ||
    fail "the sanity check failed on the restored data"
  is_truthy "$value" || fail "the sanity check returned '$value' (expected true or a positive number)"
  SANITY="sanity check returned $value"
}

key=$(latest_good_key "$dataset" "$ext_re")
log "newest complete $dataset backup: $key"
if [[ -n ${VERIFY_MAX_AGE_HOURS:-} ]]; then
  oldest_allowed=$(stamp_seconds_ago "$((VERIFY_MAX_AGE_HOURS * 3600))")
  stamp=$(stamp_of_key "$key")
  if [[ $stamp < $oldest_allowed ]]; then
    fail "the newest complete $dataset backup ($stamp) is older than VERIFY_MAX_AGE_HOURS=$VERIFY_MAX_AGE_HOURS"
  fi
fi

SANITY=""
"verify_$dataset"
printf 'VERIFY OK: %s backup %s restores (%s)\n' "$dataset" "$key" "$SANITY"
