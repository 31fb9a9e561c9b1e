#!/usr/bin/env bash
# The scheduled restore check on Kubernetes: starts a throwaway server for the dataset inside the
# job's own pod (PostgreSQL and MongoDB here; verify-latest.sh starts its own Redis), then runs the
# operations team's verify-latest.sh against it. The scratch server lives in the pod's temporary
# directory and goes with it. Any failure exits non-zero, so the Job fails and the
# ScheduledJobFailed alert fires.
# Usage: restore-check.sh postgres|redis|mongodb
# Environment: OPS_DIR (where the operations scripts are mounted), plus verify-latest.sh's own.
set -euo pipefail
# Tools copied in by an init container (the AWS CLI) come first.
if [[ -n ${EXTRA_PATH:-} ]]; then PATH=$EXTRA_PATH:$PATH; fi
dataset=${1:?usage: restore-check.sh postgres|redis|mongodb}
ops=${OPS_DIR:-/opt/backup}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/restore-check.XXXXXX")

case $dataset in
  postgres)
    # The scratch server must not pick up the live server's settings (postgres reads PGPORT too).
    unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE
    # A scratch server: no fsync, it is thrown away with the pod.
    initdb --pgdata="$scratch/data" --username=verify --auth=trust --no-sync >/dev/null
    pg_ctl --pgdata="$scratch/data" --log="$scratch/postgres.log" --wait \
      --options="-c listen_addresses='' -c unix_socket_directories='$scratch' -c fsync=off" start >/dev/null
    trap 'pg_ctl --pgdata="$scratch/data" --mode=fast stop >/dev/null 2>&1 || true' EXIT
    export PGHOST=$scratch PGUSER=verify VERIFY_PGDATABASE=${VERIFY_PGDATABASE:-restore_check}
    ;;
  mongodb)
    mkdir -p "$scratch/db"
    mongod --dbpath "$scratch/db" --bind_ip 127.0.0.1 --port 27018 --fork --logpath "$scratch/mongod.log" >/dev/null
    trap 'mongod --dbpath "$scratch/db" --shutdown >/dev/null 2>&1 || true' EXIT
    export VERIFY_MONGO_URI=mongodb://127.0.0.1:27018/
    ;;
  redis) ;;
  *)
    echo "restore-check.sh: unknown dataset '$dataset' (expected postgres, redis or mongodb)" >&2
    exit 2
    ;;
esac
bash "$ops/verify-latest.sh" "$dataset"
