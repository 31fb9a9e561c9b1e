import type { Runbook } from "../../runbooks";
import { redisConf } from "../datastores";
import { HOSTS, INTERNAL_PORTS } from "./topology";

/**
 * Redis in a container: the runbook's redis.conf (the shared `redisConf`: maxmemory, policy,
 * snapshots) as an uploaded file; the password never enters a file of the image or the command
 * line: the start script writes it from `REDIS_PASSWORD` into a private include file.
 */

type Redis = NonNullable<Runbook["data"]["redis"]>;

export const REDIS_CONF_PATH = "/usr/local/etc/redis/redis.conf";
export const REDIS_START_PATH = "/opt/platform/redis-start.sh";
/** On tmpfs-like scratch space inside the container, mode 0600: gone with the container. */
export const REDIS_AUTH_PATH = "/tmp/redis-auth.conf";

export function localRedisConf(redis: Redis): string {
    return redisConf(redis);
}

export interface RedisStartOptions {
    /** `host port` of the primary this node follows; absent for the primary. */
    readonly replicaOf?: string;
    /** Defaults to REDIS_CONF_PATH. */
    readonly confPath?: string;
    /** Defaults to REDIS_AUTH_PATH. */
    readonly authPath?: string;
}

/**
 * The container's command (run with `sh`): writes `requirepass` (and `masterauth`, so a replica
 * can follow and a primary can be demoted) into a 0600 include file, then execs the server with
 * the rendered config. Generated passwords are alphanumeric; the script still refuses a password
 * with a quote or a line break, which would end the directive.
 */
export function redisStartScript(options: RedisStartOptions = {}): string {
    const conf = options.confPath ?? REDIS_CONF_PATH;
    const auth = options.authPath ?? REDIS_AUTH_PATH;
    return [
        "# Rendered by capabilities/docker/redis.ts.",
        "set -eu",
        ': "${REDIS_PASSWORD:?REDIS_PASSWORD is required}"',
        'case "$REDIS_PASSWORD" in *\\"*|*"',
        '"*) echo "REDIS_PASSWORD must not contain a double quote or a line break" >&2; exit 2 ;; esac',
        "umask 077",
        `printf 'requirepass "%s"\\nmasterauth "%s"\\n' "$REDIS_PASSWORD" "$REDIS_PASSWORD" > ${auth}`,
        ...(options.replicaOf ? [`printf 'replicaof %s\\n' '${options.replicaOf}' >> ${auth}`] : []),
        `exec redis-server ${conf} --include ${auth}`,
        "",
    ].join("\n");
}

/** A replica's `replicaof` argument: the primary's host and port on the network. */
export function redisPrimary(): string {
    return `${HOSTS.redis} ${INTERNAL_PORTS.redis}`;
}

/** Healthcheck: PONG from the server, authenticated through REDISCLI_AUTH so no password is on a command line. */
export function redisHealthcheckCommand(): string[] {
    return ["CMD-SHELL", 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -p ' + INTERNAL_PORTS.redis + " ping | grep -q PONG"];
}

export function redisUrl(password: string, host: string = HOSTS.redis): string {
    return `redis://:${encodeURIComponent(password)}@${host}:${INTERNAL_PORTS.redis}`;
}
