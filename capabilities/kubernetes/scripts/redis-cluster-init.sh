#!/usr/bin/env bash
# Forms the Redis cluster once: shard i's primary is pod i and its replica pod SHARDS+i, so a
# backup of pod i always holds shard i whichever of the pair is primary at the time. A cluster
# that already reports cluster_state:ok is left alone; a half-formed one fails the job loudly.
# Environment: REDIS_NODES (pod host names, in ordinal order), REDIS_SHARDS, REDISCLI_AUTH.
set -euo pipefail
read -r -a nodes <<<"${REDIS_NODES:?REDIS_NODES is not set}"
shards=${REDIS_SHARDS:?REDIS_SHARDS is not set}
((${#nodes[@]} == 2 * shards)) || { echo "expected $((2 * shards)) nodes, got ${#nodes[@]}" >&2; exit 2; }

ip_of() { getent hosts "$1" | awk '{ print $1; exit }'; }
for node in "${nodes[@]}"; do
  for ((try = 0; ; try++)); do
    [[ $(redis-cli -h "$node" ping 2>/dev/null) == PONG ]] && break
    ((try < 120)) || { echo "$node does not answer PING after 10 minutes" >&2; exit 1; }
    sleep 5
  done
done

state=$(redis-cli -h "${nodes[0]}" cluster info | tr -d '\r')
if grep -q '^cluster_state:ok' <<<"$state"; then
  echo "the cluster is already formed"
  exit 0
fi
if ! grep -q '^cluster_known_nodes:1$' <<<"$state"; then
  echo "the cluster is half-formed (${state//$'\n'/ }); fix it by hand" >&2
  exit 1
fi

primaries=()
for ((i = 0; i < shards; i++)); do primaries+=("$(ip_of "${nodes[i]}"):6379"); done
redis-cli --cluster create "${primaries[@]}" --cluster-yes
for ((i = 0; i < shards; i++)); do
  id=$(redis-cli -h "${nodes[i]}" cluster myid | tr -d '\r')
  redis-cli --cluster add-node "$(ip_of "${nodes[shards + i]}"):6379" "${primaries[i]}" --cluster-slave --cluster-master-id "$id"
done
redis-cli -h "${nodes[0]}" cluster info | grep '^cluster_state:ok'
