#!/usr/bin/env bash
# Backs up a Redis server: an RDB snapshot taken over the replication protocol
# (`redis-cli --rdb`), checked with redis-check-rdb, uploaded with a sha256 checksum under a
# dated key, then pruned to the retention.
#
# Environment:
#   BACKUP_DEST      required  file:///path or s3://bucket[/prefix]
#   RETENTION_DAYS   required  days to keep archives; the newest complete one is always kept
#   REDIS_HOST       required  the server
#   REDIS_PORT       optional  defaults to 6379
#   REDISCLI_AUTH    optional  the password; redis-cli reads it from the environment itself, so
#                              it never appears in a process list
#   REDIS_USER       optional  an ACL user (Redis 6+) with the replication permission (SYNC)
#   REDIS_TLS        optional  "yes" to connect with TLS
#   S3_ENDPOINT_URL  optional  an S3-compatible endpoint (MinIO)
#   TMPDIR           optional  where the snapshot is staged
#
# Managed Redis services that refuse SYNC (ElastiCache) need their own snapshot feature instead.
# Prints the archive's location on stdout. Exit: 0 done, 1 failed, 2 configuration error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly DATASET=redis EXT=rdb
EXT_RE=$(dataset_ext_re "$DATASET")

require_env REDIS_HOST
require_retention
parse_dest
require_cmd redis-cli sha256sum
redis_connection

make_workdir backup-redis
stamp=$(stamp_now)
key=$(archive_key "$DATASET" "$stamp" "$EXT")
snapshot=$WORK_DIR/$(basename "$key")
where="Redis at $REDIS_HOST:${REDIS_PORT:-6379}"

log "taking an RDB snapshot of $where"
redis-cli "${REDIS_ARGS[@]}" --rdb "$snapshot" >&2 ||
  fail "snapshot of $where failed (unreachable or authentication refused; its message is above); nothing was uploaded or pruned"
check_rdb "$snapshot" "the snapshot of $where" ||
  fail "the snapshot of $where is unreadable; nothing was uploaded or pruned"
publish "$DATASET" "$EXT_RE" "$snapshot" "$key"
