import { z } from "zod";

/**
 * `data.redis.appendOnly`: the runbook requires Redis to log every write to an append-only file
 * (`appendonly yes`) and says how often it is synced to disk (`appendfsync`). Docker and
 * Kubernetes run Redis themselves and write both directives into redis.conf. ElastiCache for
 * Redis 7 has no AOF ("AOF isn't supported on Redis versions 2.8.22 and later"; AWS recommends
 * read replicas in other Availability Zones with Multi-AZ instead, ElastiCache User Guide,
 * "Append only files (AOF) in ElastiCache"): there the equivalent is a replica in another AZ with
 * automatic failover plus daily snapshots, and a runbook asking for `always` is refused (no
 * replica is synced on every write). Absent: the platform's Redis keeps `appendonly yes` with
 * Redis' own default sync (every second), as it always has.
 */

export const APPENDFSYNC = ["everysec", "always"] as const;
export type AppendFsync = (typeof APPENDFSYNC)[number];

export function appendOnlySchema<S extends z.ZodTypeAny>(source: S) {
    return z
        .object({
            /** `everysec`: at most a second of writes lost on a crash; `always`: none, every write waits for the disk. */
            fsync: z.enum(APPENDFSYNC),
            source,
        })
        .strict();
}
