#!/usr/bin/env bash
# Runs a command on a five-field cron schedule in UTC, in the foreground of a container (the
# backup jobs of the Docker target), and after each success pushes the time to the Pushgateway,
# which is what the backup-overdue alert reads. Needs only bash and `date`, so it runs inside the
# data service's own image, next to the client tools the backup scripts use.
#
# Usage: cron-runner.sh [--now] COMMAND [ARG...]
#   --now  run COMMAND once, push on success, and exit with its status (a backup on demand:
#          `docker exec <container> bash /opt/platform/cron-runner.sh --now /opt/backup/backup-postgres.sh`)
#
# Environment:
#   CRON_SCHEDULE  required  minute hour day-of-month month day-of-week, UTC; each field is `*`,
#                            a number, a range a-b, a step */n or a-b/n, or a comma list of those;
#                            day-of-week 0-7 (0 and 7 are Sunday). When both day fields are
#                            restricted, a day matching either runs the command (as cron does).
#   JOB_APP        required  `app` grouping label of the pushed metric
#   JOB_DATASET    required  `dataset` grouping label
#   PUSHGATEWAY    optional  host:port of the Pushgateway; nothing is pushed when unset
#   PUSH_METRIC    optional  the gauge pushed; defaults to backup_last_success_timestamp_seconds
#
# A run that is still going when the next one is due makes that one late, not concurrent. Minutes
# the machine was asleep are not caught up; the backup-overdue alert notices a missed run.
# Exit (only with --now, or on bad configuration): the command's status; 2 configuration error.

# cron_field_matches VALUE FIELD MIN MAX : 0 when VALUE is in FIELD, 1 when not, 2 when FIELD is
# malformed (every part is checked before any is matched, so `0,MON` is malformed at any value).
cron_field_matches() {
  local value=$1 field=$2 min=$3 max=$4 part range step lo hi
  local -a parts los his steps
  IFS=, read -r -a parts <<<"$field"
  ((${#parts[@]} > 0)) && [[ $field != *, && $field != ,* ]] || return 2
  for part in "${parts[@]}"; do
    step=1
    range=$part
    if [[ $part == */* ]]; then
      step=${part#*/}
      range=${part%/*}
    fi
    if [[ $range == "*" ]]; then
      lo=$min
      hi=$max
    elif [[ $range == *-* ]]; then
      lo=${range%-*}
      hi=${range#*-}
    else
      lo=$range
      # `5/15` is 5, 20, 35, 50: from 5 to the end of the range.
      if [[ $part == */* ]]; then hi=$max; else hi=$range; fi
    fi
    [[ $lo =~ ^[0-9]+$ && $hi =~ ^[0-9]+$ && $step =~ ^[0-9]+$ ]] || return 2
    lo=$((10#$lo))
    hi=$((10#$hi))
    step=$((10#$step))
    ((step > 0 && lo >= min && hi <= max && lo <= hi)) || return 2
    los+=("$lo")
    his+=("$hi")
    steps+=("$step")
  done
  local i
  for i in "${!los[@]}"; do
    if ((value >= los[i] && value <= his[i] && (value - los[i]) % steps[i] == 0)); then
      return 0
    fi
  done
  return 1
}

# cron_valid "SCHEDULE" : 0 when the schedule has five well-formed fields.
cron_valid() {
  local -a f
  read -r -a f <<<"$1"
  ((${#f[@]} == 5)) || return 1
  local -a mins=(0 0 1 1 0) maxs=(59 23 31 12 7)
  local i rc
  for ((i = 0; i < 5; i++)); do
    rc=0
    cron_field_matches "${mins[i]}" "${f[i]}" "${mins[i]}" "${maxs[i]}" || rc=$?
    ((rc != 2)) || return 1
  done
}

# cron_matches "SCHEDULE" MINUTE HOUR DAY MONTH WEEKDAY : 0 when the schedule fires at that minute
# (WEEKDAY 0-6, Sunday 0), 1 when not, 2 when the schedule is malformed.
cron_matches() {
  local -a f
  read -r -a f <<<"$1"
  ((${#f[@]} == 5)) || return 2
  local minute=$((10#$2)) hour=$((10#$3)) day=$((10#$4)) month=$((10#$5)) weekday=$((10#$6))
  local dom_ok=1 dow_ok=1 rc
  cron_field_matches "$minute" "${f[0]}" 0 59 || return $?
  cron_field_matches "$hour" "${f[1]}" 0 23 || return $?
  cron_field_matches "$month" "${f[3]}" 1 12 || return $?
  rc=0
  cron_field_matches "$day" "${f[2]}" 1 31 || rc=$?
  if ((rc == 2)); then return 2; fi
  if ((rc == 0)); then dom_ok=0; fi
  rc=0
  cron_field_matches "$weekday" "${f[4]}" 0 7 || rc=$?
  if ((rc == 2)); then return 2; fi
  if ((rc == 0)) || { ((weekday == 0)) && cron_field_matches 7 "${f[4]}" 0 7; }; then dow_ok=0; fi
  if [[ ${f[2]} == \** || ${f[4]} == \** ]]; then
    ((dom_ok == 0 && dow_ok == 0))
  else
    ((dom_ok == 0 || dow_ok == 0))
  fi
}

log() {
  printf '%s cron-runner[%s/%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${JOB_APP:-?}" "${JOB_DATASET:-?}" "$*" >&2
}

# push_success EPOCH : PUT the gauge to the Pushgateway over bash's /dev/tcp (the images have no
# curl), grouped by job, app and dataset. Returns non-zero when the gateway does not answer 2xx.
push_success() {
  local when=$1 metric=${PUSH_METRIC:-backup_last_success_timestamp_seconds}
  local host=${PUSHGATEWAY%:*} port=${PUSHGATEWAY##*:} body path status=""
  body=$(printf '# TYPE %s gauge\n%s %s' "$metric" "$metric" "$when")
  body+=$'\n'
  path="/metrics/job/backup/app/${JOB_APP}/dataset/${JOB_DATASET}"
  if ! exec 3<>"/dev/tcp/$host/$port"; then
    log "cannot reach the Pushgateway at $PUSHGATEWAY"
    return 1
  fi
  printf 'PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$path" "$PUSHGATEWAY" "${#body}" "$body" >&3
  IFS=$' \r' read -r -t 10 _ status _ <&3 || true
  exec 3<&- 3>&-
  if [[ $status != 2[0-9][0-9] ]]; then
    log "the Pushgateway answered '${status:-nothing}' to $path"
    return 1
  fi
}

# run_job COMMAND... : runs it, logs the outcome, pushes on success; returns the command's status.
run_job() {
  local started rc=0
  started=$(date -u +%s)
  log "starting: $*"
  "$@" || rc=$?
  if ((rc == 0)); then
    log "succeeded in $(($(date -u +%s) - started))s"
    if [[ -n ${PUSHGATEWAY:-} ]]; then
      push_success "$(date -u +%s)" || log "warning: the success was not recorded; the backup-overdue alert may fire"
    fi
  else
    log "failed with status $rc after $(($(date -u +%s) - started))s"
  fi
  return "$rc"
}

main() {
  local once=0
  if [[ ${1:-} == --now ]]; then
    once=1
    shift
  fi
  if (($# == 0)); then
    log "usage: cron-runner.sh [--now] COMMAND [ARG...]"
    return 2
  fi
  local name
  for name in JOB_APP JOB_DATASET; do
    if [[ -z ${!name:-} ]]; then
      log "configuration error: $name is not set"
      return 2
    fi
  done
  if ((once)); then
    run_job "$@"
    return
  fi
  if [[ -z ${CRON_SCHEDULE:-} ]]; then
    log "configuration error: CRON_SCHEDULE is not set"
    return 2
  fi
  if ! cron_valid "$CRON_SCHEDULE"; then
    log "configuration error: CRON_SCHEDULE '$CRON_SCHEDULE' is not a five-field numeric cron expression"
    return 2
  fi
  log "waiting for '$CRON_SCHEDULE' (UTC) to run: $*"
  local last="" epoch minute hour day month weekday
  while :; do
    epoch=$(date -u +%s)
    sleep $((60 - epoch % 60))
    read -r epoch minute hour day month weekday <<<"$(date -u '+%s %M %H %d %m %w')"
    [[ $((epoch / 60)) != "$last" ]] || continue
    last=$((epoch / 60))
    if cron_matches "$CRON_SCHEDULE" "$minute" "$hour" "$day" "$month" "$weekday"; then
      run_job "$@" || true
    fi
  done
}

# Sourced (by the tests), it only defines the functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -uo pipefail
  main "$@"
fi
