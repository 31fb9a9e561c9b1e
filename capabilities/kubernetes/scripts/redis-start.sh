#!/usr/bin/env bash
# Starts redis-server in a pod of the Redis StatefulSet with the configuration rendered from the
# runbook (/etc/redis/redis.conf, which includes the password file from the Secret).
#   standalone  one pod, as configured
#   replicated  pod 0 is the primary; every other pod follows it (--replicaof)
#   cluster     every pod runs in cluster mode and announces its stable DNS name, so the cluster
#               survives pods coming back with new IP addresses
# Environment: REDIS_MODE, POD_NAME (the pod's name, ordinal last), REDIS_PRIMARY_HOST
# (replicated), HEADLESS_DOMAIN (cluster: <headless service>.<namespace>.svc.cluster.local).
set -euo pipefail
args=()
ordinal=${POD_NAME##*-}
case ${REDIS_MODE:?REDIS_MODE is not set} in
  standalone) ;;
  replicated)
    if [[ $ordinal != 0 ]]; then
      args+=(--replicaof "${REDIS_PRIMARY_HOST:?REDIS_PRIMARY_HOST is not set}" 6379)
    fi
    ;;
  cluster)
    args+=(--cluster-announce-hostname "$POD_NAME.${HEADLESS_DOMAIN:?HEADLESS_DOMAIN is not set}" --cluster-preferred-endpoint-type hostname)
    ;;
  *)
    echo "redis-start.sh: unknown REDIS_MODE '$REDIS_MODE' (expected standalone, replicated or cluster)" >&2
    exit 2
    ;;
esac
exec redis-server /etc/redis/redis.conf "${args[@]}"
