#!/usr/bin/env bash
# Restores RabbitMQ definitions backed up by backup-rabbitmq.sh: the archive's checksum and its
# shape are checked before the broker is contacted, then POST /api/definitions imports it. An
# import adds and updates (vhosts, users, permissions, queues, exchanges, bindings, policies);
# it deletes nothing, so running it on a broker that has more keeps the rest, and running it
# twice is harmless. A queue that exists with other arguments makes the broker refuse the import.
#
# Environment:
#   BACKUP_DEST              required  file:///path or s3://bucket[/prefix], as for the backup
#   RABBITMQ_MANAGEMENT_URL  required  the broker to restore into (see rabbitmq-api.sh)
#   RABBITMQ_ADMIN_USER      required  an administrator
#   RABBITMQ_ADMIN_PASSWORD  required  its password
#   RESTORE_KEY              optional  the archive, e.g.
#                                      rabbitmq/2025/01/31/rabbitmq-20250131T010000Z.definitions.json;
#                                      defaults to the newest archive that has its checksum
#   S3_ENDPOINT_URL          optional  an S3-compatible endpoint (MinIO)
#
# Exit: 0 done, 1 failed (nothing imported unless the broker says otherwise above), 2 configuration error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rabbitmq-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/rabbitmq-api.sh"

readonly DATASET=rabbitmq EXT_RE='definitions\.json'

parse_dest
require_cmd sha256sum
make_workdir restore-rabbitmq
rabbitmq_login

key=$(resolve_restore_key "$DATASET" "$EXT_RE")
archive=$(fetch_verified "$key" "$WORK_DIR")
check_definitions "$archive" "$key" ||
  fail "$key is not a definitions export although its checksum matches; the broker was not contacted"

where="RabbitMQ at $RABBITMQ_MANAGEMENT_URL"
log "importing $key into $where"
rabbitmq_api POST definitions "$WORK_DIR/answer" "$archive" ||
  fail "the import of $key into $where failed (the broker's answer is above)"
log "imported $key into $where"
