#!/usr/bin/env bash
# Prunes one dataset's archives to the retention without taking a backup, the same pruning the
# backup scripts run after each upload: archives dated more than RETENTION_DAYS ago go, except
# the newest complete one, which stays however old it is. Files that do not follow the archive
# layout are never touched. For operators after a retention change, or to clean up by hand.
#
# Usage: prune.sh postgres|redis|mongodb
#
# Environment:
#   BACKUP_DEST      required  file:///path or s3://bucket[/prefix]
#   RETENTION_DAYS   required  days to keep
#   S3_ENDPOINT_URL  optional  an S3-compatible endpoint (MinIO)
#
# Exit: 0 done, 1 failed (listing or a delete failed), 2 configuration error.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dataset=${1:-}
ext_re=$(dataset_ext_re "$dataset")
require_retention
parse_dest
prune "$dataset" "$ext_re"
