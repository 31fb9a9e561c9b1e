#!/usr/bin/env bash
# Backs up a RabbitMQ broker's definitions: GET /api/definitions of the management API (vhosts,
# users with their password hashes, permissions, queues, exchanges, bindings, policies,
# parameters), checked to be a definitions export, uploaded with a sha256 checksum under a dated
# key, then pruned to the retention. Messages are not definitions and are not in it: a queue's
# contents live on its nodes' disks (replicated by quorum queues), not in a backup.
#
# Environment:
#   BACKUP_DEST              required  file:///path or s3://bucket[/prefix]
#   RETENTION_DAYS           required  days to keep archives; the newest complete one is always kept
#   RABBITMQ_MANAGEMENT_URL  required  see rabbitmq-api.sh
#   RABBITMQ_ADMIN_USER      required  an administrator (only they may export every vhost's definitions)
#   RABBITMQ_ADMIN_PASSWORD  required  read from the environment, never put on a command line
#   S3_ENDPOINT_URL          optional  an S3-compatible endpoint (MinIO)
#   TMPDIR                   optional  where the export is staged
#
# The export holds password hashes: the backup store is as private as the broker's own disk.
# Prints the archive's location on stdout. Exit: 0 done, 1 failed, 2 configuration error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rabbitmq-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/rabbitmq-api.sh"

readonly DATASET=rabbitmq EXT=definitions.json EXT_RE='definitions\.json'

require_retention
parse_dest
require_cmd sha256sum
make_workdir backup-rabbitmq
rabbitmq_login

stamp=$(stamp_now)
key=$(archive_key "$DATASET" "$stamp" "$EXT")
export_file=$WORK_DIR/$(basename "$key")
where="RabbitMQ at $RABBITMQ_MANAGEMENT_URL"

log "exporting the definitions of $where"
rabbitmq_api GET definitions "$export_file" ||
  fail "the definitions export of $where failed (its answer is above); nothing was uploaded or pruned"
check_definitions "$export_file" "the export of $where" ||
  fail "the export of $where is unusable; nothing was uploaded or pruned"
publish "$DATASET" "$EXT_RE" "$export_file" "$key"
