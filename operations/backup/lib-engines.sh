# shellcheck shell=bash
# Part of the backup library, sourced by lib.sh: what each engine needs beyond the archive
# handling, the integrity checks of its archives and its connection settings.

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
