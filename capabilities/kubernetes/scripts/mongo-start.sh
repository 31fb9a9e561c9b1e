#!/usr/bin/env bash
# Runs mongod in a pod of the MongoDB StatefulSet with the flags rendered from the runbook
# (mongodArgs: replica set, oplog size, auth, keyfile). Pod 0 also forms the replica set and
# creates the root user the first time, through the localhost exception (no user exists yet),
# then never again.
# Environment: POD_NAME, MONGO_REPLICA_SET, MONGO_MEMBERS (member host:port list, in ordinal
# order), MONGO_ROOT_USER, MONGO_ROOT_PASSWORD.
set -euo pipefail
mongod "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"' TERM INT

bootstrap() {
  local try
  for ((try = 0; try < 120; try++)); do
    mongosh --quiet --eval 'db.adminCommand({ ping: 1 }).ok' >/dev/null 2>&1 && break
    sleep 2
  done
  # Prints "done" when the root user already authenticates; otherwise initiates (once) and creates it.
  mongosh --quiet --nodb --eval '
    const rs = process.env.MONGO_REPLICA_SET, user = process.env.MONGO_ROOT_USER, pwd = process.env.MONGO_ROOT_PASSWORD;
    const c = new Mongo("mongodb://127.0.0.1:27017/?directConnection=true");
    const admin = c.getDB("admin");
    try { admin.auth(user, pwd); print("done"); quit(0); } catch (e) {}
    const status = admin.runCommand({ replSetGetStatus: 1 });
    if (status.code === 94) {
      const members = process.env.MONGO_MEMBERS.split(" ").map((host, i) => ({ _id: i, host }));
      const r = admin.runCommand({ replSetInitiate: { _id: rs, members } });
      if (!r.ok) throw new Error("replSetInitiate: " + r.errmsg);
    }
    for (let i = 0; i < 120 && !admin.runCommand({ hello: 1 }).isWritablePrimary; i++) sleep(1000);
    admin.createUser({ user, pwd, roles: [{ role: "root", db: "admin" }] });
    print("created");
  '
}

if [[ ${POD_NAME##*-} == 0 ]]; then
  bootstrap || echo "mongo-start.sh: replica set bootstrap failed; it is retried on the next start" >&2
fi
wait "$pid"
