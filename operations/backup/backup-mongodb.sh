#!/usr/bin/env bash
# Backs up a MongoDB deployment: `mongodump --archive --gzip`, with `--oplog` on a replica set so
# the archive is one consistent point in time, checked with `gzip -t`, uploaded with a sha256
# checksum under a dated key, then pruned to the retention.
#
# Environment:
#   BACKUP_DEST        required  file:///path or s3://bucket[/prefix]
#   RETENTION_DAYS     required  days to keep archives; the newest complete one is always kept
#   MONGO_URI          required  mongodb:// or mongodb+srv:// URI, credentials included; it is
#                                handed to mongodump in a private config file, never on the
#                                command line
#   MONGO_REPLICA_SET  optional  the replica set's name: adds --oplog (and replicaSet= to the
#                                URI when it has none). An oplog dump covers every database, so
#                                MONGO_URI must not name one then.
#   S3_ENDPOINT_URL    optional  an S3-compatible endpoint (MinIO)
#   TMPDIR             optional  where the archive is staged
#
# Archives taken with the oplog are named *.oplog.archive.gz, which is how restore-mongodb.sh
# knows to replay it. Needs MongoDB Database Tools 100.3 or later (for --config).
# Prints the archive's location on stdout. Exit: 0 done, 1 failed, 2 configuration error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly DATASET=mongodb
EXT_RE=$(dataset_ext_re "$DATASET")

require_env MONGO_URI
require_retention
parse_dest
require_cmd mongodump gzip sha256sum
mongo_uri_checked

make_workdir backup-mongodb
if [[ -n ${MONGO_REPLICA_SET:-} ]]; then
  ext=oplog.archive.gz
  oplog=(--oplog)
else
  ext=archive.gz
  oplog=()
fi
stamp=$(stamp_now)
key=$(archive_key "$DATASET" "$stamp" "$ext")
archive=$WORK_DIR/$(basename "$key")
config=$(mongo_tools_config "$WORK_DIR")

log "dumping MongoDB at $(mongo_uri_redacted)${oplog[*]:+ with the oplog}"
mongodump --config="$config" --archive="$archive" --gzip "${oplog[@]}" >&2 ||
  fail "mongodump failed (its message is above); nothing was uploaded or pruned"
check_gzip "$archive" "the new archive" ||
  fail "the new archive is unreadable; nothing was uploaded or pruned"
publish "$DATASET" "$EXT_RE" "$archive" "$key"
