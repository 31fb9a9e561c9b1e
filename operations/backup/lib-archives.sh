# shellcheck shell=bash
# Part of the backup library, sourced by lib.sh: archive names and where they live, checksums,
# which archive is the latest good one and which are old enough to prune, and publishing.
#
# Archive layout under BACKUP_DEST (the date in the name is the one pruning reads):
#   <dataset>/<YYYY>/<MM>/<DD>/<dataset>-<YYYYMMDDTHHMMSSZ>.<ext>
#   <dataset>/<YYYY>/<MM>/<DD>/<dataset>-<YYYYMMDDTHHMMSSZ>.<ext>.sha256
# The checksum is uploaded after the archive, so an archive with its checksum beside it is a
# complete, verified backup ("good"); one without is an interrupted upload.

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
