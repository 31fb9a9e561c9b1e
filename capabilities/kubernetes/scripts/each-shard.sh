#!/usr/bin/env bash
# Runs COMMAND once per Redis cluster shard, as the backup and restore-check jobs of a cluster-mode
# Redis do: REDIS_HOST is shard i's pod (which holds shard i as primary or as its replica) and
# BACKUP_DEST is the base destination with /shard-<i> appended, so each shard's archives are
# pruned and verified on their own. Every shard is tried; the exit status is non-zero when any
# shard failed.
# Environment: REDIS_SHARD_HOSTS (pod host names, shard order), BACKUP_DEST.
set -uo pipefail
read -r -a hosts <<<"${REDIS_SHARD_HOSTS:?REDIS_SHARD_HOSTS is not set}"
base=${BACKUP_DEST:?BACKUP_DEST is not set}
base=${base%/}
(($# > 0)) || { echo "usage: each-shard.sh COMMAND [ARG...]" >&2; exit 2; }
failed=()
for i in "${!hosts[@]}"; do
  if ! REDIS_HOST=${hosts[i]} BACKUP_DEST=$base/shard-$i "$@"; then
    failed+=("$i")
  fi
done
if ((${#failed[@]} > 0)); then
  echo "each-shard.sh: shard(s) ${failed[*]} failed" >&2
  exit 1
fi
