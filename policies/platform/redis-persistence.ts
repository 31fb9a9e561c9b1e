import { redisDirectives } from "../../capabilities/datastores";
import { finding, label, provenance, stackRule, type Finding } from "../lib/policy";
import { redisConfs } from "../lib/redis";
import { redisEffective } from "../lib/redis-effective";

/**
 * A Redis the stack runs itself persists as generated (capabilities/datastores.ts redisDirectives):
 * every save point the runbook (or the platform default) gives is in effect, the RDB and AOF files
 * go to the data directory the volume is mounted on, and the AOF is on. Read from the effective
 * configuration (lib/redis-effective.ts): removing the `save` lines, `dir /tmp` in the file, or
 * `--save ""` / `--dir` / `--appendonly no` on the redis-server command line all leave a Redis that
 * loses its data on a restart. A save point at least as frequent as one asked for covers it (more
 * snapshots are a tightening).
 */
export const platformRedisPersistence = stackRule({
    name: "platform-redis-persistence",
    description: "Every Redis the stack runs itself (redis.conf plus the redis-server command line) keeps the generated save points (or more frequent ones), appendonly yes and dir on the data volume.",
    tier: "runbook",
    target: "any",
    remediationSteps: "Render redis.conf from the runbook (capabilities/datastores.ts redisConf) and start redis-server on it without --save, --dir or --appendonly options; to change the save points, change the runbook's data.redis.save.",
    notApplicable: (resources, ctx) => {
        if (!ctx.runbook.data.redis) return `the ${ctx.app} runbook runs no Redis`;
        return redisConfs(resources).length ? undefined : "the stack runs no Redis itself (no redis.conf; ElastiCache snapshots are aws-elasticache-replicationgroup-snapshot-retention's)";
    },
    check: (resources, ctx) => {
        const redis = ctx.runbook.data.redis;
        if (!redis) return [];
        const generated = redisDirectives(redis);
        const wantSave = generated.filter(([k]) => k === "save").map(([, v]) => v.split(" ").map(Number) as [number, number]);
        const wantDir = generated.find(([k]) => k === "dir")?.[1];
        const wantAof = generated.find(([k]) => k === "appendonly")?.[1];
        const from = provenance(redis, "save");
        const out: Finding[] = [];
        for (const c of redisEffective(resources)) {
            const at = `${label(c.subject)} (${c.path})`;
            const by = (k: string) => (c.setBy.has(k) ? ` (last set by ${c.setBy.get(k)})` : "");
            const missing = wantSave.filter(([s, n]) => !c.save.some(([hs, hn]) => hs <= s && hn <= n));
            if (missing.length) {
                out.push(
                    finding(
                        `${at}: save points in effect ${c.save.length ? c.save.map((p) => `"${p.join(" ")}"`).join(", ") : "none (RDB snapshots off)"}${by("save")} do not cover ${missing.map((p) => `"${p.join(" ")}"`).join(", ")}; allowed: save ${wantSave.map((p) => p.join(" ")).join(", ")} or more frequent (data.redis.save), from ${from.who} ${from.cite}`,
                        { urn: c.subject.urn, key: "data.redis.save" },
                    ),
                );
            }
            const dir = c.directives.get("dir");
            if (wantDir !== undefined && dir !== wantDir) {
                out.push(finding(`${at}: dir is ${dir ?? "unset (the server's working directory)"}${by("dir")}; allowed: ${wantDir}, where the platform mounts the data volume (capabilities/datastores.ts redisDirectives): elsewhere the RDB and AOF files go with the container`, { urn: c.subject.urn, key: "data.redis.save" }));
            }
            const aof = c.directives.get("appendonly") ?? "no";
            if (wantAof !== undefined && aof !== wantAof) {
                out.push(finding(`${at}: appendonly is ${aof}${by("appendonly")}; allowed: ${wantAof}, as the platform renders every redis.conf (capabilities/datastores.ts redisDirectives): without the AOF a restart loses every write since the last snapshot`, { urn: c.subject.urn, key: "data.redis.save" }));
            }
        }
        return out;
    },
});
