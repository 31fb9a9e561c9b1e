#!/usr/bin/env bash
# Copies an object-storage bucket into the backup destination under a dated prefix
# (<dest>/<YYYYMMDD>/), the runbook's `aws s3 sync s3://from s3://to/prefix/$(date +%Y%m%d)/`,
# then deletes dated copies older than the retention. Runs in the minio/mc image.
# Environment: MC_HOST_minio (endpoint with credentials), BUCKET_SOURCE (bucket), BUCKET_DEST
# (bucket/prefix), RETENTION_DAYS.
set -euo pipefail
: "${MC_HOST_minio:?MC_HOST_minio is not set}" "${BUCKET_SOURCE:?BUCKET_SOURCE is not set}" "${BUCKET_DEST:?BUCKET_DEST is not set}"
[[ ${RETENTION_DAYS:-} =~ ^[1-9][0-9]*$ ]] || { echo "backup-bucket.sh: RETENTION_DAYS must be a positive whole number (got '${RETENTION_DAYS:-}')" >&2; exit 2; }
dest=${BUCKET_DEST%/}
today=$(date -u +%Y%m%d)
mc --quiet mirror --overwrite "minio/$BUCKET_SOURCE" "minio/$dest/$today/"
# Only dated copies are pruned: objects whose first path part under the prefix is a YYYYMMDD date.
cutoff=$(date -u -d "@$(($(date -u +%s) - RETENTION_DAYS * 86400))" +%Y%m%d)
mc --quiet ls "minio/$dest/" | awk '{ print $NF }' | while read -r entry; do
  day=${entry%/}
  if [[ $day =~ ^[0-9]{8}$ && $day < $cutoff ]]; then
    mc --quiet rm --recursive --force "minio/$dest/$day/"
    echo "pruned $dest/$day (older than $RETENTION_DAYS days)" >&2
  fi
done
echo "copied $BUCKET_SOURCE to $dest/$today/"
