# shellcheck shell=bash
# Shared by the backup, restore and verify scripts; sourced, never run on its own. This file is
# the core (messages, exit statuses, variable and tool checks, clean-up on exit); it sources the
# rest of the library beside it:
#   lib-destinations.sh  BACKUP_DEST: a directory or an S3 prefix, put/get/list/remove
#   lib-archives.sh      archive names and layout, checksums, latest/prunable selection, publish
#   lib-engines.sh       the engines' integrity checks and connection settings (PostgreSQL, Redis, MongoDB)
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

_LIB_DIR=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source-path=SCRIPTDIR source=lib-destinations.sh
source "$_LIB_DIR/lib-destinations.sh"
# shellcheck source-path=SCRIPTDIR source=lib-archives.sh
source "$_LIB_DIR/lib-archives.sh"
# shellcheck source-path=SCRIPTDIR source=lib-engines.sh
source "$_LIB_DIR/lib-engines.sh"
