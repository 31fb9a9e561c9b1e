import { finding, label, provenance, stackRule, type Finding } from "../lib/policy";
import { redisConfs } from "../lib/redis";
import { redisEffective } from "../lib/redis-effective";
import { ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const PARAMETER_GROUP = "aws:elasticache/parameterGroup:ParameterGroup";

/**
 * Redis evicts as the runbook says (`data.redis.maxmemoryPolicy`) on every target that sets it:
 * each redis.conf of a Redis the stack runs itself (Docker, Kubernetes) and each ElastiCache
 * parameter group. `noeviction` in place of an LRU policy turns a full cache into refused writes;
 * a missing setting falls back to the engine's default, not the runbook's. A redis.conf also keeps
 * the runbook's `maxmemory` (`data.redis.maxmemoryMB`; on ElastiCache the node type sets it, held
 * by aws-data-instance-size-floor). What counts is the effective configuration: the file, then the
 * options of the redis-server command line that loads it (lib/redis-effective.ts), which override it.
 * Where the runbook states no number the message says so: the platform default and its reason.
 */
export const platformRedisMaxmemoryPolicy = stackRule({
    name: "platform-redis-maxmemory-policy",
    description: "Every Redis the stack runs itself (redis.conf plus the redis-server command line that overrides it) and every ElastiCache parameter group has the runbook's Redis maxmemory-policy, and every self-run Redis the runbook's maxmemory.",
    tier: "runbook",
    target: "any",
    remediationSteps: "Render redis.conf from the runbook (capabilities/datastores.ts redisConf) and the ElastiCache parameter group from it (capabilities/aws/elasticache.ts); to change the policy, change the runbook's data.redis.maxmemoryPolicy.",
    notApplicable: (resources, ctx) => {
        if (!ctx.runbook.data.redis) return `the ${ctx.app} runbook runs no Redis`;
        return redisConfs(resources).length || ofType(resources, PARAMETER_GROUP).length ? undefined : "the stack sets no Redis maxmemory-policy (no redis.conf, no ElastiCache parameter group)";
    },
    check: (resources, ctx) => {
        const redis = ctx.runbook.data.redis;
        if (!redis) return [];
        const want = redis.maxmemoryPolicy;
        const policyFrom = provenance(redis, "maxmemoryPolicy");
        const sizeFrom = provenance(redis, "maxmemoryMB");
        const why = `allowed: ${want} (data.redis.maxmemoryPolicy), from ${policyFrom.who} ${policyFrom.cite}`;
        const key = "data.redis.maxmemoryPolicy";
        const out: Finding[] = [];
        const memory = `${redis.maxmemoryMB}mb`;
        for (const c of redisEffective(resources)) {
            const at = (k: string) => `${label(c.subject)} (${c.path}): maxmemory${k} is`;
            const by = (k: string) => (c.setBy.get(k)?.startsWith("redis.conf") === false ? ` (set by ${c.setBy.get(k)}, which overrides redis.conf)` : "");
            const have = c.directives.get("maxmemory-policy");
            if (have !== want) out.push(finding(`${at("-policy")} ${have ?? "unset"}${by("maxmemory-policy")}; ${why}`, { urn: c.subject.urn, key }));
            const size = c.directives.get("maxmemory");
            if (size?.toLowerCase() !== memory) {
                out.push(
                    finding(`${at("")} ${size ?? "unset (no limit: the container is killed instead of evicting)"}${by("maxmemory")}; allowed: ${memory} (data.redis.maxmemoryMB), from ${sizeFrom.who} ${sizeFrom.cite}`, {
                        urn: c.subject.urn,
                        key: "data.redis.maxmemoryMB",
                    }),
                );
            }
        }
        for (const g of ofType(resources, PARAMETER_GROUP)) {
            const params = asArray(g.props.parameters).filter(isRecord).filter((p) => p.name === "maxmemory-policy");
            const have = params.map((p) => String(p.value));
            if (have.length === 0 || have.some((v) => v !== want)) {
                out.push(finding(`${label(g)}: parameter maxmemory-policy is ${have.length ? have.join(", ") : "unset (ElastiCache's default, volatile-lru)"}; ${why}`, { urn: g.urn, key }));
            }
        }
        return out;
    },
});
