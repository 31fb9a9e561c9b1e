# shellcheck shell=bash
# Part of the backup library, sourced by lib.sh: the backup destination (BACKUP_DEST), a local
# directory or an S3 prefix, behind one set of put/get/exists/rm/list functions.

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
