# shellcheck shell=bash
# Sourced by backup-rabbitmq.sh and restore-rabbitmq.sh after lib.sh: RabbitMQ's management HTTP
# API with an administrator's login. The login is written to a header file in WORK_DIR (mode 600)
# and handed to curl from there, so the password never appears in a process list.
#
# Environment:
#   RABBITMQ_MANAGEMENT_URL   required  the API's base URL: http://host:15672 (a broker the
#                                       platform runs) or https://b-….mq.<region>.amazonaws.com
#   RABBITMQ_ADMIN_USER       required  a user tagged administrator
#   RABBITMQ_ADMIN_PASSWORD   required  its password

# rabbitmq_login : checks the settings and the tools, writes the login header; needs WORK_DIR.
rabbitmq_login() {
  require_env RABBITMQ_MANAGEMENT_URL RABBITMQ_ADMIN_USER RABBITMQ_ADMIN_PASSWORD
  require_cmd curl base64
  if [[ ! $RABBITMQ_MANAGEMENT_URL =~ ^https?://[^/]+/?$ ]]; then
    config_error "RABBITMQ_MANAGEMENT_URL must be http(s)://host[:port] without a path (got '$RABBITMQ_MANAGEMENT_URL')"
  fi
  RABBITMQ_AUTH=$WORK_DIR/rabbitmq-auth
  (umask 077 && printf 'Authorization: Basic %s\n' "$(printf '%s:%s' "$RABBITMQ_ADMIN_USER" "$RABBITMQ_ADMIN_PASSWORD" | base64 -w0)" >"$RABBITMQ_AUTH")
}

# rabbitmq_api METHOD PATH OUT [BODY_FILE] : calls /api/PATH, the answer into OUT. Returns 1
# after logging the HTTP status and the broker's answer unless it is a 2xx.
rabbitmq_api() {
  local method=$1 path=$2 out=$3 body=${4:-} code
  local args=(-sS --retry 3 --retry-connrefused --retry-delay 2 -o "$out" -w '%{http_code}' -X "$method" -H "@$RABBITMQ_AUTH")
  if [[ -n $body ]]; then
    args+=(-H 'content-type: application/json' --data-binary "@$body")
  fi
  if ! code=$(curl "${args[@]}" "${RABBITMQ_MANAGEMENT_URL%/}/api/$path"); then
    log "$method /api/$path: no answer from $RABBITMQ_MANAGEMENT_URL"
    return 1
  fi
  if [[ $code != 2?? ]]; then
    log "$method /api/$path: HTTP $code: $(head -c 500 "$out")"
    return 1
  fi
}

# check_definitions FILE LABEL : a definitions export: a JSON object naming the broker's version
# and its vhosts (an error page or a truncated answer is neither).
check_definitions() {
  local file=$1 label=$2
  if [[ ! -s $file ]] || [[ $(head -c 1 "$file") != "{" ]] || ! grep -q '"rabbit_version"' "$file" || ! grep -q '"vhosts"' "$file"; then
    log "$label is not a RabbitMQ definitions export"
    return 1
  fi
  if [[ $(tail -c 2 "$file" | tr -d '\n') != *"}" ]]; then
    log "$label is truncated"
    return 1
  fi
  log "$label is a definitions export ($(wc -c <"$file") bytes)"
}
