#!/usr/bin/env bash
# Runs one scheduled backup in a Kubernetes Job (the operations team's script, given as the
# arguments) and, when it succeeds, records the time in the Pushgateway: the backup-overdue
# alert reads backup_last_success_timestamp_seconds{app, dataset}. The job's exit status is the
# backup's, so a failed backup is a failed Job (and the ScheduledJobFailed alert).
# Environment: JOB_APP, JOB_DATASET (grouping labels), PUSHGATEWAY (host:port, optional),
# PUSH_METRIC (defaults to backup_last_success_timestamp_seconds), JOB_INSTANCE (optional, for
# datasets backed up in parts, e.g. one Redis shard).
set -uo pipefail
# Tools copied in by an init container (the AWS CLI) come first.
if [[ -n ${EXTRA_PATH:-} ]]; then PATH=$EXTRA_PATH:$PATH; fi

log() {
  printf '%s run-job[%s/%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${JOB_APP:-?}" "${JOB_DATASET:-?}" "$*" >&2
}

# push_success EPOCH : PUT the gauge over bash's /dev/tcp (the data-service images have no curl).
push_success() {
  local metric=${PUSH_METRIC:-backup_last_success_timestamp_seconds}
  local host=${PUSHGATEWAY%:*} port=${PUSHGATEWAY##*:} body path status=""
  body=$(printf '# TYPE %s gauge\n%s %s' "$metric" "$metric" "$1")
  body+=$'\n'
  path="/metrics/job/backup/app/${JOB_APP}/dataset/${JOB_DATASET}${JOB_INSTANCE:+/instance/$JOB_INSTANCE}"
  exec 3<>"/dev/tcp/$host/$port" || return 1
  printf 'PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$path" "$PUSHGATEWAY" "${#body}" "$body" >&3
  IFS=$' \r' read -r -t 10 _ status _ <&3 || true
  exec 3<&- 3>&-
  [[ $status == 2[0-9][0-9] ]] || { log "the Pushgateway answered '${status:-nothing}' to $path"; return 1; }
}

for name in JOB_APP JOB_DATASET; do
  [[ -n ${!name:-} ]] || { log "configuration error: $name is not set"; exit 2; }
done
(($# > 0)) || { log "usage: run-job.sh COMMAND [ARG...]"; exit 2; }

started=$(date -u +%s)
log "starting: $*"
rc=0
"$@" || rc=$?
if ((rc != 0)); then
  log "FAILED with status $rc after $(($(date -u +%s) - started))s"
  exit "$rc"
fi
log "succeeded in $(($(date -u +%s) - started))s"
if [[ -n ${PUSHGATEWAY:-} ]]; then
  push_success "$(date -u +%s)" || log "warning: the success was not recorded in the Pushgateway; the backup-overdue alert may fire"
fi
