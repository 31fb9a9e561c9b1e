#!/usr/bin/env bash
# Copies one bucket into a dated prefix of a backup bucket and deletes copies older than the
# retention: the runbooks' file and configuration backups (`aws s3 sync s3://<bucket>
# s3://<backup>/files/$(date +%Y%m%d)/`) against the local MinIO. The database datasets use the
# operations scripts instead (operations/backup/); those do not cover buckets.
#
# Environment:
#   BUCKET_BACKUP_SOURCE  required  mc path of the bucket, e.g. local/formula-pm-storage
#   BUCKET_BACKUP_DEST    required  mc path of the backup prefix, e.g. local/formula-pm-backup/files
#   RETENTION_DAYS        required  days to keep dated copies
#   MC_HOST_local         required  http://user:password@minio:9000 (read by mc itself)
#
# Prints the copy's location. Exit: 0 done, 1 failed, 2 configuration error.
set -euo pipefail

for name in BUCKET_BACKUP_SOURCE BUCKET_BACKUP_DEST RETENTION_DAYS; do
  if [[ -z ${!name:-} ]]; then
    echo "backup-bucket.sh: configuration error: $name is not set" >&2
    exit 2
  fi
done
if [[ ! $RETENTION_DAYS =~ ^[1-9][0-9]*$ ]]; then
  echo "backup-bucket.sh: configuration error: RETENTION_DAYS must be a positive whole number (got '$RETENTION_DAYS')" >&2
  exit 2
fi

dest=${BUCKET_BACKUP_DEST%/}
target="$dest/$(date -u +%Y%m%d)/"
mc mirror --overwrite --quiet "$BUCKET_BACKUP_SOURCE" "$target" || {
  echo "backup-bucket.sh: copying $BUCKET_BACKUP_SOURCE to $target failed" >&2
  exit 1
}
mc rm --recursive --force --older-than "${RETENTION_DAYS}d" "$dest/" || {
  echo "backup-bucket.sh: pruning $dest/ to ${RETENTION_DAYS} days failed" >&2
  exit 1
}
echo "$target"
