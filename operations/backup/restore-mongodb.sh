#!/usr/bin/env bash
# Restores a MongoDB backup made by backup-mongodb.sh with mongorestore, replaying the oplog
# when the archive carries one (*.oplog.archive.gz). The checksum and `gzip -t` pass before the
# target is connected to.
#
# Environment:
#   BACKUP_DEST        required  file:///path or s3://bucket[/prefix], as for the backup
#   MONGO_URI          required  the target deployment, credentials included (passed to
#                                mongorestore in a private config file); for an oplog archive it
#                                must not name a database
#   RESTORE_KEY        optional  the archive, e.g. mongodb/2025/01/31/mongodb-20250131T010000Z.oplog.archive.gz;
#                                defaults to the newest archive that has its checksum
#   RESTORE_DROP       optional  "yes" to drop each collection in the target before restoring it;
#                                without it, documents whose _id exists are skipped, not replaced
#   S3_ENDPOINT_URL    optional  an S3-compatible endpoint (MinIO)
#
# Exit: 0 done, 1 failed, 2 configuration error. mongorestore stops at the first error
# (--stopOnError) but is not transactional: a failure part-way leaves part of the data restored.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly DATASET=mongodb
EXT_RE=$(dataset_ext_re "$DATASET")

require_env MONGO_URI
parse_dest
require_cmd mongorestore gzip sha256sum
if [[ -n ${RESTORE_DROP:-} && ${RESTORE_DROP} != yes ]]; then
  config_error "RESTORE_DROP must be 'yes' or unset (got '$RESTORE_DROP')"
fi

mongo_uri_checked

make_workdir restore-mongodb
key=$(resolve_restore_key "$DATASET" "$EXT_RE")
options=(--gzip --stopOnError)
oplog=no
if [[ $key == *.oplog.archive.gz ]]; then
  # The oplog entries bring every database to the moment the dump ended, so the target URI
  # must cover them all.
  [[ -z $MONGO_URI_DATABASE ]] ||
    config_error "$key carries an oplog, which replays into every database; MONGO_URI must not name a database (it names '$MONGO_URI_DATABASE')"
  options+=(--oplogReplay)
  oplog=yes
fi
if [[ ${RESTORE_DROP:-} == yes ]]; then
  options+=(--drop)
fi

archive=$(fetch_verified "$key" "$WORK_DIR")
check_gzip "$archive" "$key" ||
  fail "$key is corrupt although its checksum matches; the target was not touched"
config=$(mongo_tools_config "$WORK_DIR")

log "restoring $key into $(mongo_uri_redacted) (oplog replay: $oplog)"
mongorestore --config="$config" --archive="$archive" "${options[@]}" >&2 ||
  fail "mongorestore of $key failed (its message is above)"
log "restored $key"
