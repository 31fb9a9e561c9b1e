# shellcheck shell=bash
# Shared by the backup, restore and verify scripts; sourced, never run on its own.
#
# Archive layout under BACKUP_DEST (the date in the name is the one pruning reads):
#   <dataset>/<YYYY>/<MM>/<DD>/<dataset>-<YYYYMMDDTHHMMSSZ>.<ext>
#   <dataset>/<YYYY>/<MM>/<DD>/<dataset>-<YYYYMMDDTHHMMSSZ>.<ext>.sha256
# The checksum is uploaded after the archive, so an archive with its checksum beside it is a
# complete, verified backup ("good"); one without is an interrupted upload.
#
# Exit statuses: 0 done, 1 the operation failed (server unreachable, corrupt archive, upload
# failed), 2 the configuration is wrong (a variable missing or malformed, a tool not installed).

# Command substitutions follow `set -e` too (bash 4.4+), so a failure inside $(...) stops the
# script instead of yielding an empty value.
shopt -s inherit_errexit

readonly EXIT_FAILED=1
readonly EXIT_CONFIG=2

SCRIPT_NAME=$(basename "$0")
readonly SCRIPT_NAME

log() {
  printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SCRIPT_NAME" "$*" >&2
}

fail() {
  printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2
  exit "$EXIT_FAILED"
}

config_error() {
  printf '%s: configuration error: %s\n' "$SCRIPT_NAME" "$*" >&2
  exit "$EXIT_CONFIG"
}

# require_env NAME... : every named variable is set and non-empty; names all missing ones at once.
require_env() {
  local name missing=()
  for name in "$@"; do
    if [[ -z ${!name:-} ]]; then
      missing+=("$name")
    fi
  done
  if ((${#missing[@]} > 0)); then
    config_error "required environment variable(s) not set: ${missing[*]}"
  fi
}

# require_cmd CMD... : every named command is on PATH.
require_cmd() {
  local cmd missing=()
  for cmd in "$@"; do
    if ! command -v "$cmd" >/dev/null 2>&1; then
      missing+=("$cmd")
    fi
  done
  if ((${#missing[@]} > 0)); then
    config_error "required command(s) not found on PATH: ${missing[*]}"
  fi
}

# Validates RETENTION_DAYS; the upper bound only catches typos such as a timestamp pasted in.
require_retention() {
  require_env RETENTION_DAYS
  if [[ ! $RETENTION_DAYS =~ ^[1-9][0-9]{0,4}$ ]]; then
    config_error "RETENTION_DAYS must be a positive whole number of days, at most 99999 (got '$RETENTION_DAYS')"
  fi
}

# Reads BACKUP_DEST into DEST_KIND (file|s3) and DEST_ROOT (a directory, or s3://bucket[/prefix]),
# and for s3 also S3_PREFIX (the part after the bucket, no leading or trailing slash, may be empty).
parse_dest() {
  require_env BACKUP_DEST
  local dest=${BACKUP_DEST%/}
  if [[ $dest =~ ^file://(/.+)$ ]]; then
    DEST_KIND="file"
    DEST_ROOT=${BASH_REMATCH[1]}
  elif [[ $dest =~ ^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/(.*))?$ ]]; then
    DEST_KIND="s3"
    DEST_ROOT=$dest
    S3_PREFIX=${BASH_REMATCH[3]}
    require_cmd aws
  else
    config_error "BACKUP_DEST must be file:///absolute/path or s3://bucket[/prefix] (got '$BACKUP_DEST')"
  fi
  readonly DEST_KIND DEST_ROOT
}

aws_s3() {
  local global=()
  if [[ -n ${S3_ENDPOINT_URL:-} ]]; then
    global+=(--endpoint-url "$S3_ENDPOINT_URL")
  fi
  aws "${global[@]}" s3 "$@"
}

# dest_put LOCAL_FILE KEY
dest_put() {
  local src=$1 key=$2
  case $DEST_KIND in
    file)
      local target=$DEST_ROOT/$key
      mkdir -p "$(dirname "$target")" || fail "cannot create $(dirname "$target")"
      # Copy under a name pruning ignores, then rename, so a reader never sees half a file.
      cp "$src" "$target.partial" || fail "cannot write $target"
      mv -f "$target.partial" "$target" || fail "cannot write $target"
      ;;
    s3)
      aws_s3 cp --only-show-errors "$src" "$DEST_ROOT/$key" || fail "upload to $DEST_ROOT/$key failed"
      ;;
  esac
}

# dest_get KEY LOCAL_FILE
dest_get() {
  local key=$1 target=$2
  case $DEST_KIND in
    file)
      [[ -f $DEST_ROOT/$key ]] || fail "$DEST_ROOT/$key does not exist"
      cp "$DEST_ROOT/$key" "$target" || fail "cannot read $DEST_ROOT/$key"
      ;;
    s3)
      aws_s3 cp --only-show-errors "$DEST_ROOT/$key" "$target" || fail "download of $DEST_ROOT/$key failed"
      ;;
  esac
}

# dest_exists KEY
dest_exists() {
  local key=$1
  local listing
  listing=$(dest_list_prefix "$(dirname "$key")")
  grep -xF -- "$key" <<<"$listing" >/dev/null
}

# dest_rm KEY
dest_rm() {
  local key=$1
  case $DEST_KIND in
    file) rm -f -- "$DEST_ROOT/$key" || fail "cannot delete $DEST_ROOT/$key" ;;
    s3) aws_s3 rm --only-show-errors "$DEST_ROOT/$key" || fail "delete of $DEST_ROOT/$key failed" ;;
  esac
}

# dest_list_prefix DIR : prints every key under DIR/ (relative to DEST_ROOT), one a line.
dest_list_prefix() {
  local dir=$1
  case $DEST_KIND in
    file)
      if [[ -d $DEST_ROOT/$dir ]]; then
        (cd "$DEST_ROOT" && find "$dir" -type f -print) || fail "cannot list $DEST_ROOT/$dir"
      fi
      ;;
    s3)
      local listing errfile rc=0 key strip
      errfile=$(mktemp)
      listing=$(aws_s3 ls --recursive "$DEST_ROOT/$dir/" 2>"$errfile") || rc=$?
      # `aws s3 ls` exits 1 with no message when nothing matches the prefix; any message is an error.
      if ((rc != 0)) && [[ -s $errfile ]]; then
        local msg
        msg=$(cat "$errfile")
        rm -f "$errfile"
        fail "listing $DEST_ROOT/$dir/ failed: $msg"
      fi
      rm -f "$errfile"
      strip=${S3_PREFIX:+$S3_PREFIX/}
      # Lines are "<date> <time> <size> <key>"; the key is relative to the bucket.
      while read -r _ _ _ key; do
        [[ -n ${key:-} ]] || continue
        printf '%s\n' "${key#"$strip"}"
      done <<<"$listing"
      ;;
  esac
}

# A timestamp as used in archive names, for now or for now minus DAYS days.
stamp_now() {
  date -u +%Y%m%dT%H%M%SZ
}

stamp_seconds_ago() {
  local seconds=$1 now
  now=$(date -u +%s)
  date -u -d "@$((now - seconds))" +%Y%m%dT%H%M%SZ
}

stamp_days_ago() {
  stamp_seconds_ago "$(($1 * 86400))"
}

# stamp_of_key KEY : the timestamp in an archive's name.
stamp_of_key() {
  local re='-([0-9]{8}T[0-9]{6}Z)\.[^/]*$'
  [[ $1 =~ $re ]] || fail "internal: '$1' has no timestamp in its name"
  printf '%s\n' "${BASH_REMATCH[1]}"
}

# dataset_ext_re DATASET : the archive extensions of a dataset, as archive_re takes them.
dataset_ext_re() {
  case $1 in
    postgres) printf '%s\n' 'dump' ;;
    redis) printf '%s\n' 'rdb' ;;
    mongodb) printf '%s\n' 'oplog\.archive\.gz|archive\.gz' ;;
    *) config_error "unknown dataset '$1' (expected postgres, redis or mongodb)" ;;
  esac
}

# archive_key DATASET STAMP EXT
archive_key() {
  local dataset=$1 stamp=$2 ext=$3
  printf '%s/%s/%s/%s/%s-%s.%s\n' "$dataset" "${stamp:0:4}" "${stamp:4:2}" "${stamp:6:2}" "$dataset" "$stamp" "$ext"
}

# The pattern of one dataset's archives and checksums. EXT_RE is an alternation without groups
# (e.g. 'oplog\.archive\.gz|archive\.gz'), so the group numbers below stay fixed.
#   1 year  2 month  3 day  4 stamp  5 date of the stamp  6 extension  7 ".sha256" or empty
archive_re() {
  local dataset=$1 ext_re=$2
  printf '^%s/([0-9]{4})/([0-9]{2})/([0-9]{2})/%s-(([0-9]{8})T[0-9]{6}Z)\\.(%s)(\\.sha256)?$' "$dataset" "$dataset" "$ext_re"
}

# is_archive_key DATASET EXT_RE KEY : KEY names an archive (not a checksum) of this dataset.
is_archive_key() {
  local re
  re=$(archive_re "$1" "$2")
  [[ $3 =~ $re ]] && [[ -z ${BASH_REMATCH[7]} ]] &&
    [[ ${BASH_REMATCH[1]}${BASH_REMATCH[2]}${BASH_REMATCH[3]} == "${BASH_REMATCH[5]}" ]]
}

# Reads keys on stdin and fills the caller's associative arrays STAMP_OF, IS_ARCHIVE and HAS_SUM,
# keyed by archive key. Keys that do not follow the layout (other files, a folder date that
# disagrees with the name) are left out, so nothing this code did not write is ever touched.
_index_archives() {
  local dataset=$1 ext_re=$2 re key base
  re=$(archive_re "$dataset" "$ext_re")
  # `|| [[ -n $key ]]` keeps a last line that has no newline after it.
  while IFS= read -r key || [[ -n $key ]]; do
    [[ $key =~ $re ]] || continue
    [[ ${BASH_REMATCH[1]}${BASH_REMATCH[2]}${BASH_REMATCH[3]} == "${BASH_REMATCH[5]}" ]] || continue
    if [[ -n ${BASH_REMATCH[7]} ]]; then
      base=${key%.sha256}
      HAS_SUM[$base]=1
    else
      base=$key
      IS_ARCHIVE[$base]=1
    fi
    STAMP_OF[$base]=${BASH_REMATCH[4]}
  done
}

# Prints the newest archive that has its checksum, or nothing. Ties on the stamp go to the
# greater key so the answer does not depend on listing order.
_newest_good() {
  local base newest="" newest_stamp=""
  for base in "${!IS_ARCHIVE[@]}"; do
    [[ -n ${HAS_SUM[$base]:-} ]] || continue
    if [[ -z $newest || ${STAMP_OF[$base]} > $newest_stamp ||
      (${STAMP_OF[$base]} == "$newest_stamp" && $base > $newest) ]]; then
      newest=$base
      newest_stamp=${STAMP_OF[$base]}
    fi
  done
  if [[ -n $newest ]]; then
    printf '%s\n' "$newest"
  fi
}

# select_latest_good DATASET EXT_RE < keys : the newest complete archive, or nothing.
select_latest_good() {
  local -A STAMP_OF=() IS_ARCHIVE=() HAS_SUM=()
  _index_archives "$1" "$2"
  _newest_good
}

# select_prunable DATASET EXT_RE CUTOFF_STAMP < keys : the keys to delete, sorted. An archive
# (and its checksum) goes when its stamp is strictly before CUTOFF_STAMP, except the newest
# good archive, which stays however old it is so a dataset never loses its last backup.
select_prunable() {
  local dataset=$1 ext_re=$2 cutoff=$3 base keep
  [[ $cutoff =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || fail "internal: cutoff '$cutoff' is not a timestamp"
  local -A STAMP_OF=() IS_ARCHIVE=() HAS_SUM=()
  _index_archives "$dataset" "$ext_re"
  keep=$(_newest_good)
  for base in "${!STAMP_OF[@]}"; do
    if [[ $base == "$keep" || ! ${STAMP_OF[$base]} < $cutoff ]]; then
      continue
    fi
    if [[ -n ${IS_ARCHIVE[$base]:-} ]]; then
      printf '%s\n' "$base"
    fi
    if [[ -n ${HAS_SUM[$base]:-} ]]; then
      printf '%s\n' "$base.sha256"
    fi
  done | LC_ALL=C sort
}

# prune DATASET EXT_RE : deletes this dataset's archives older than RETENTION_DAYS.
prune() {
  local dataset=$1 ext_re=$2 listing cutoff doomed key count=0
  listing=$(dest_list_prefix "$dataset")
  cutoff=$(stamp_days_ago "$RETENTION_DAYS")
  doomed=$(select_prunable "$dataset" "$ext_re" "$cutoff" <<<"$listing")
  while IFS= read -r key; do
    [[ -n $key ]] || continue
    dest_rm "$key"
    log "pruned $key (older than $RETENTION_DAYS days)"
    count=$((count + 1))
  done <<<"$doomed"
  log "pruning $dataset done: $count file(s) deleted, cutoff $cutoff"
}

# latest_good_key DATASET EXT_RE : the newest complete archive; fails if there is none.
latest_good_key() {
  local dataset=$1 ext_re=$2 listing key
  listing=$(dest_list_prefix "$dataset")
  key=$(select_latest_good "$dataset" "$ext_re" <<<"$listing")
  [[ -n $key ]] || fail "no complete $dataset backup (archive with its .sha256) under $DEST_ROOT/$dataset/"
  printf '%s\n' "$key"
}

# resolve_restore_key DATASET EXT_RE : RESTORE_KEY if given (checked against the layout, which
# also rules out paths such as ../), else the newest complete archive.
resolve_restore_key() {
  local dataset=$1 ext_re=$2
  if [[ -n ${RESTORE_KEY:-} ]]; then
    is_archive_key "$dataset" "$ext_re" "$RESTORE_KEY" ||
      config_error "RESTORE_KEY '$RESTORE_KEY' is not a $dataset archive key (expected $dataset/YYYY/MM/DD/$dataset-YYYYMMDDTHHMMSSZ.<ext>)"
    printf '%s\n' "$RESTORE_KEY"
  else
    latest_good_key "$dataset" "$ext_re"
  fi
}

sha256_of() {
  local out
  out=$(sha256sum -- "$1") || fail "cannot read $1 to checksum it"
  printf '%s\n' "${out%% *}"
}

# write_checksum FILE : writes FILE.sha256 in sha256sum's format, so `sha256sum -c` works too.
write_checksum() {
  local file=$1 sum
  sum=$(sha256_of "$file")
  printf '%s  %s\n' "$sum" "$(basename "$file")" >"$file.sha256"
}

# verify_checksum FILE SUMFILE LABEL : FILE's sha256 matches the one recorded in SUMFILE.
verify_checksum() {
  local file=$1 sumfile=$2 label=$3 expected actual
  read -r expected _ <"$sumfile" || true
  [[ ${expected:-} =~ ^[0-9a-f]{64}$ ]] || fail "checksum file of $label is malformed; refusing to use the archive"
  actual=$(sha256_of "$file")
  if [[ $actual != "$expected" ]]; then
    fail "checksum mismatch for $label: recorded $expected, archive has $actual; the archive is corrupt or incomplete, nothing was restored"
  fi
  log "checksum of $label verified ($actual)"
}

# fetch_verified KEY DIR : downloads KEY and its checksum into DIR and verifies them; prints
# the local path of the archive.
fetch_verified() {
  local key=$1 dir=$2 local_file
  local_file=$dir/$(basename "$key")
  dest_exists "$key.sha256" || fail "no checksum beside $DEST_ROOT/$key; refusing to restore an archive that cannot be verified"
  dest_get "$key" "$local_file"
  dest_get "$key.sha256" "$local_file.sha256"
  verify_checksum "$local_file" "$local_file.sha256" "$key"
  printf '%s\n' "$local_file"
}

# publish DATASET EXT_RE LOCAL_FILE KEY : uploads an archive that passed its integrity check,
# then its checksum, then prunes. Prints the archive's location on stdout.
publish() {
  local dataset=$1 ext_re=$2 file=$3 key=$4
  write_checksum "$file"
  dest_put "$file" "$key"
  dest_put "$file.sha256" "$key.sha256"
  log "uploaded $DEST_ROOT/$key ($(wc -c <"$file") bytes)"
  prune "$dataset" "$ext_re"
  printf '%s\n' "$DEST_ROOT/$key"
}

# at_exit CMD [ARG...] : runs the command when the script exits, after the ones registered
# later (last in, first out), keeping the script's exit status, which handlers read from
# EXIT_STATUS.
_EXIT_HANDLERS=()
EXIT_STATUS=0
at_exit() {
  local handler
  printf -v handler '%q ' "$@"
  _EXIT_HANDLERS+=("$handler")
  trap _run_exit_handlers EXIT
}

_run_exit_handlers() {
  local status=$? i
  # shellcheck disable=SC2034 # read by the handlers
  EXIT_STATUS=$status
  for ((i = ${#_EXIT_HANDLERS[@]} - 1; i >= 0; i--)); do
    if ! eval "${_EXIT_HANDLERS[i]}"; then
      log "warning: clean-up step failed: ${_EXIT_HANDLERS[i]}"
    fi
  done
  exit "$status"
}

# stop_if_running PID : ends a background process this script started, if it still runs.
stop_if_running() {
  if kill -0 "$1" 2>/dev/null; then
    kill "$1"
    wait "$1" 2>/dev/null || true
  fi
}

# make_workdir PREFIX : a private temporary directory (WORK_DIR), removed when the script exits.
make_workdir() {
  WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || fail "cannot create a temporary directory in ${TMPDIR:-/tmp}"
  chmod 700 "$WORK_DIR"
  at_exit rm -rf -- "$WORK_DIR"
}

# The integrity checks below print why an archive is bad and return 1; the caller says what
# that means for the run (nothing uploaded, target not touched). They are called in `||`
# context, where errexit is off, so every step returns explicitly.

# check_pg_archive FILE LABEL : --list reads the table of contents only; restoring to /dev/null
# reads and decompresses every data block, which is what a truncated or damaged archive fails.
check_pg_archive() {
  local file=$1 label=$2 toc tables
  if ! toc=$(pg_restore --list "$file"); then
    log "$label has no readable table of contents"
    return 1
  fi
  if ! pg_restore --file=/dev/null "$file"; then
    log "$label does not read back in full"
    return 1
  fi
  tables=$(grep -c ' TABLE DATA ' <<<"$toc") || true
  log "$label reads back in full: ${tables:-0} table(s) with data"
}

# check_rdb FILE LABEL : redis-check-rdb parses every record and the trailing CRC64; without it
# (a slim image), at least the magic header and a non-trivial size.
check_rdb() {
  local file=$1 label=$2 magic
  if command -v redis-check-rdb >/dev/null 2>&1; then
    if ! redis-check-rdb "$file" >"$file.check" 2>&1; then
      cat "$file.check" >&2
      log "$label fails redis-check-rdb"
      return 1
    fi
    log "$label passes redis-check-rdb"
  else
    magic=$(head -c 5 "$file")
    if [[ $magic != REDIS || $(wc -c <"$file") -le 9 ]]; then
      log "$label is not an RDB file"
      return 1
    fi
    log "$label has an RDB header (redis-check-rdb is not installed, records not checked)"
  fi
}

# check_gzip FILE LABEL : the whole gzip stream decompresses and its CRC matches.
check_gzip() {
  local file=$1 label=$2
  if [[ ! -s $file ]]; then
    log "$label is empty"
    return 1
  fi
  if ! gzip -t "$file"; then
    log "$label fails gzip -t (truncated or damaged)"
    return 1
  fi
  log "$label passes gzip -t"
}

# Fills REDIS_ARGS with the connection options from REDIS_HOST, REDIS_PORT, REDIS_USER and
# REDIS_TLS. The password stays in REDISCLI_AUTH, which redis-cli reads itself.
redis_connection() {
  if [[ -n ${REDIS_PORT:-} && ! ${REDIS_PORT} =~ ^[0-9]{1,5}$ ]]; then
    config_error "REDIS_PORT must be a port number (got '$REDIS_PORT')"
  fi
  if [[ -n ${REDIS_TLS:-} && ${REDIS_TLS} != yes ]]; then
    config_error "REDIS_TLS must be 'yes' or unset (got '$REDIS_TLS')"
  fi
  REDIS_ARGS=(-h "${REDIS_HOST:-127.0.0.1}" -p "${REDIS_PORT:-6379}")
  if [[ -n ${REDIS_USER:-} ]]; then
    REDIS_ARGS+=(--user "$REDIS_USER")
  fi
  if [[ ${REDIS_TLS:-} == yes ]]; then
    REDIS_ARGS+=(--tls)
  fi
}

# Checks MONGO_URI and sets MONGO_EFFECTIVE_URI and MONGO_URI_DATABASE (the database the URI
# names, or empty). With MONGO_REPLICA_SET, the URI must cover every database (an oplog dump is
# all-or-nothing) and gets replicaSet= when it has none. Messages never print the URI: it holds
# the password.
mongo_uri_checked() {
  local re='^(mongodb|mongodb\+srv)://([^@/]+@)?([^/?@]+)(/([^?]*))?(\?(.*))?$'
  [[ $MONGO_URI =~ $re ]] ||
    config_error "MONGO_URI is not a mongodb:// or mongodb+srv:// URI of the form scheme://[user:password@]hosts[/database][?options]"
  local database=${BASH_REMATCH[5]} query=${BASH_REMATCH[7]}
  # shellcheck disable=SC2034 # read by the calling script
  MONGO_URI_DATABASE=$database
  MONGO_EFFECTIVE_URI=$MONGO_URI
  if [[ -n ${MONGO_REPLICA_SET:-} ]]; then
    [[ $MONGO_REPLICA_SET =~ ^[A-Za-z0-9_.-]+$ ]] ||
      config_error "MONGO_REPLICA_SET must be a replica set name (got '$MONGO_REPLICA_SET')"
    [[ -z $database ]] ||
      config_error "MONGO_URI names the database '$database', but with MONGO_REPLICA_SET the oplog covers every database; drop it from the path (use ?authSource=$database for authentication)"
    if [[ $query =~ (^|&)replicaSet=([^&]*) ]]; then
      [[ ${BASH_REMATCH[2]} == "$MONGO_REPLICA_SET" ]] ||
        config_error "MONGO_URI sets replicaSet=${BASH_REMATCH[2]} but MONGO_REPLICA_SET is '$MONGO_REPLICA_SET'"
    elif [[ -n $query ]]; then
      MONGO_EFFECTIVE_URI="$MONGO_URI&replicaSet=$MONGO_REPLICA_SET"
    else
      # No database and no options: the URI ends in the hosts or in a bare "/".
      MONGO_EFFECTIVE_URI="${MONGO_URI%/}/?replicaSet=$MONGO_REPLICA_SET"
    fi
  fi
}

# MONGO_URI with its credentials masked, for log lines.
mongo_uri_redacted() {
  local re='^([a-z+]+://)[^@/]+@(.*)$'
  if [[ $MONGO_EFFECTIVE_URI =~ $re ]]; then
    printf '%s***@%s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  else
    printf '%s\n' "$MONGO_EFFECTIVE_URI"
  fi
}

# mongo_tools_config DIR : writes the URI into a private YAML file for --config (the tools read
# `uri` from it), so the password is not in the process list. Prints the file's path.
mongo_tools_config() {
  local file=$1/mongo-tools.yaml quote="'"
  (
    umask 077
    printf "uri: '%s'\n" "${MONGO_EFFECTIVE_URI//$quote/$quote$quote}" >"$file"
  ) || fail "cannot write $file"
  printf '%s\n' "$file"
}
