#!/usr/bin/env bash
# The scheduled restore check of RabbitMQ definitions backed up by backup-rabbitmq.sh, as
# verify-latest.sh is for the databases: takes the newest complete export, verifies its checksum
# and that it is a definitions export, fails when it is older than VERIFY_MAX_AGE_HOURS, and
# requires it to name the runbook's vhost and queues, so an export of an empty or another broker
# fails however well-formed it is. It imports nothing: importing into the live broker would reset
# what was changed since, and no target runs a scratch broker; the import is restore-rabbitmq.sh's.
# Any failure ends with a "VERIFY FAILED" line and a non-zero exit.
#
# Environment:
#   BACKUP_DEST            required  file:///path or s3://bucket[/prefix], as for the backup
#   VERIFY_MAX_AGE_HOURS   optional  also fail when the newest complete export is older than this
#   VERIFY_RABBITMQ_NAMES  optional  space-separated names (vhost, queues) the export must hold
#                                    as JSON strings
#   S3_ENDPOINT_URL        optional  an S3-compatible endpoint (MinIO)
#
# Prints "VERIFY OK ..." on stdout when the export checks out. Exit: 0 verified, 1 failed,
# 2 configuration error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=rabbitmq-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/rabbitmq-api.sh"

readonly DATASET=rabbitmq EXT_RE='definitions\.json'

key=""
report_failure() {
  if ((EXIT_STATUS != 0)); then
    printf 'VERIFY FAILED: %s backup %s under %s (exit %s); see the messages above\n' \
      "$DATASET" "${key:-(none found)}" "${BACKUP_DEST:-(BACKUP_DEST not set)}" "$EXIT_STATUS" >&2
  fi
}
# Registered first so it runs last, after the clean-up, as the final line of the output.
at_exit report_failure

if [[ -n ${VERIFY_MAX_AGE_HOURS:-} && ! ${VERIFY_MAX_AGE_HOURS} =~ ^[1-9][0-9]*$ ]]; then
  config_error "VERIFY_MAX_AGE_HOURS must be a positive whole number of hours (got '$VERIFY_MAX_AGE_HOURS')"
fi
parse_dest
require_cmd sha256sum
make_workdir verify-rabbitmq

key=$(latest_good_key "$DATASET" "$EXT_RE")
log "newest complete $DATASET backup: $key"
if [[ -n ${VERIFY_MAX_AGE_HOURS:-} ]]; then
  stamp=$(stamp_of_key "$key")
  if [[ $stamp < $(stamp_seconds_ago "$((VERIFY_MAX_AGE_HOURS * 3600))") ]]; then
    fail "the newest complete $DATASET backup ($stamp) is older than VERIFY_MAX_AGE_HOURS=$VERIFY_MAX_AGE_HOURS"
  fi
fi

archive=$(fetch_verified "$key" "$WORK_DIR")
check_definitions "$archive" "$key" || fail "$key is not a RabbitMQ definitions export although its checksum matches"
missing=()
for name in ${VERIFY_RABBITMQ_NAMES:-}; do
  grep -qF "\"$name\"" "$archive" || missing+=("$name")
done
((${#missing[@]} == 0)) || fail "$key does not hold ${missing[*]} (VERIFY_RABBITMQ_NAMES): it is not an export of the runbook's broker"
printf 'VERIFY OK: %s backup %s restores (a definitions export of %s bytes naming %s expected vhost and queue name(s))\n' \
  "$DATASET" "$key" "$(wc -c <"$archive")" "$(wc -w <<<"${VERIFY_RABBITMQ_NAMES:-}")"
