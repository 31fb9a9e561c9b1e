#!/usr/bin/env bash
# Copies one bucket into a dated prefix of a backup destination and deletes the dated copies
# older than the retention: the runbooks' file and configuration backups (`aws s3 sync
# s3://<bucket> s3://<backup>/files/$(date +%Y%m%d)/`), run by every target that copies buckets
# itself (local MinIO, MinIO on Kubernetes) in MinIO's `mc` image. The database datasets use the
# other scripts here; those archive a server, this mirrors a bucket.
#
# Environment:
#   BUCKET_SOURCE    required  mc path of the bucket: <alias>/<bucket>, e.g. local/formula-pm-storage
#   BUCKET_DEST      required  mc path of the backup prefix: <alias>/<bucket>[/<prefix>],
#                              e.g. local/formula-pm-backup/files; each run writes <dest>/<YYYYMMDD>/
#   RETENTION_DAYS   required  days to keep dated copies
#   MC_HOST_<alias>  required  http://user:password@host:port, read by mc itself
#
# Only dated copies are pruned: entries directly under BUCKET_DEST named YYYYMMDD, older than the
# retention by that date (UTC). Anything else under the prefix is left alone.
# Prints the copy's location. Exit: 0 done, 1 failed, 2 configuration error.
set -euo pipefail
export TZ=UTC

config_error() {
  echo "backup-bucket.sh: configuration error: $*" >&2
  exit 2
}
fail() {
  echo "backup-bucket.sh: $*" >&2
  exit 1
}

for name in BUCKET_SOURCE BUCKET_DEST RETENTION_DAYS; do
  [[ -n ${!name:-} ]] || config_error "$name is not set"
done
[[ $RETENTION_DAYS =~ ^[1-9][0-9]*$ ]] || config_error "RETENTION_DAYS must be a positive whole number (got '$RETENTION_DAYS')"
for name in BUCKET_SOURCE BUCKET_DEST; do
  [[ ${!name} =~ ^[A-Za-z0-9_]+/[a-z0-9][a-z0-9.-]*(/.*)?$ ]] || config_error "$name must be an mc path <alias>/<bucket>[/<prefix>] (got '${!name}')"
done
for mc_alias in "${BUCKET_SOURCE%%/*}" "${BUCKET_DEST%%/*}"; do
  alias_var="MC_HOST_$mc_alias"
  [[ -n ${!alias_var:-} ]] || config_error "$alias_var is not set (mc reads the $mc_alias alias from it)"
done
command -v mc >/dev/null || config_error "mc is not installed"

dest=${BUCKET_DEST%/}
printf -v now '%(%s)T' -1
printf -v today '%(%Y%m%d)T' "$now"
printf -v cutoff '%(%Y%m%d)T' "$((now - RETENTION_DAYS * 86400))"
target="$dest/$today/"

mc --quiet mirror --overwrite "$BUCKET_SOURCE" "$target" || fail "copying $BUCKET_SOURCE to $target failed"

listing=$(mc --quiet ls "$dest/") || fail "listing $dest/ to prune it failed"
while read -r line; do
  entry=${line##* }
  day=${entry%/}
  if [[ $day =~ ^[0-9]{8}$ && $day < $cutoff ]]; then
    mc --quiet rm --recursive --force "$dest/$day/" || fail "pruning $dest/$day/ (older than $RETENTION_DAYS days) failed"
    echo "backup-bucket.sh: pruned $dest/$day/ (older than $RETENTION_DAYS days)" >&2
  fi
done <<<"$listing"
echo "$target"
