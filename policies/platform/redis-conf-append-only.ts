import { cite, finding, label, stackRule, type Finding } from "../lib/policy";
import { absentTarget } from "../lib/targets";
import { redisConfs } from "../lib/redis";

/**
 * Where the runbook requires append-only persistence (`data.redis.appendOnly`), every redis.conf
 * the stack hands a Redis it runs itself (a Docker upload, a Kubernetes ConfigMap) turns the AOF on
 * and syncs it as the runbook says. ElastiCache has no AOF and no redis.conf: there the program
 * states the equivalent or refuses (capabilities/aws/redis-durability.ts), and the failover and
 * snapshot policies hold it.
 */

export const platformRedisConfAppendOnly = stackRule({
    name: "platform-redis-conf-append-only",
    description: "Where the runbook requires Redis append-only persistence, every redis.conf of a Redis the stack runs itself (Docker, Kubernetes) has appendonly yes and the runbook's appendfsync.",
    tier: "runbook",
    target: "any",
    remediationSteps: "Render redis.conf from the runbook (capabilities/datastores.ts redisConf): appendonly yes, appendfsync as data.redis.appendOnly.fsync.",
    notApplicable: (resources, ctx) => {
        if (!ctx.runbook.data.redis?.appendOnly) return `the ${ctx.app} runbook requires no Redis append-only persistence`;
        if (absentTarget(resources, "docker") && absentTarget(resources, "kubernetes")) return "no Redis the stack runs itself (ElastiCache has no AOF: capabilities/aws/redis-durability.ts states its equivalent)";
        return undefined;
    },
    check: (resources, ctx) => {
        const aof = ctx.runbook.data.redis?.appendOnly;
        if (!aof) return [];
        const why = `the runbook requires append-only persistence, fsync ${aof.fsync} ${cite(aof.source)}`;
        const key = "data.redis.appendOnly";
        const confs = redisConfs(resources);
        if (confs.length === 0) return [finding(`the stack runs Redis with no redis.conf the pack can read; ${why}`, { key })];
        const out: Finding[] = [];
        for (const c of confs) {
            const at = `${label(c.subject)} (${c.path})`;
            const appendonly = c.directives.get("appendonly") ?? "no";
            // Redis syncs the AOF every second unless appendfsync says otherwise.
            const fsync = c.directives.get("appendfsync") ?? "everysec";
            if (appendonly !== "yes") out.push(finding(`${at}: appendonly is ${appendonly}; ${why}`, { urn: c.subject.urn, key }));
            if (fsync !== aof.fsync) out.push(finding(`${at}: appendfsync is ${fsync}; ${why}`, { urn: c.subject.urn, key }));
        }
        return out;
    },
});
