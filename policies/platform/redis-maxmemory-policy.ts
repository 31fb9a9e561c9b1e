import { cite, finding, label, stackRule, type Finding } from "../lib/policy";
import { redisConfs } from "../lib/redis";
import { ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const PARAMETER_GROUP = "aws:elasticache/parameterGroup:ParameterGroup";

/**
 * Redis evicts as the runbook says (`data.redis.maxmemoryPolicy`) on every target that sets it:
 * each redis.conf of a Redis the stack runs itself (Docker, Kubernetes) and each ElastiCache
 * parameter group. `noeviction` in place of an LRU policy turns a full cache into refused writes;
 * a missing setting falls back to the engine's default, not the runbook's. A redis.conf also keeps
 * the runbook's `maxmemory` (`data.redis.maxmemoryMB`; on ElastiCache the node type sets it, held
 * by aws-data-instance-size-floor).
 */
export const platformRedisMaxmemoryPolicy = stackRule({
    name: "platform-redis-maxmemory-policy",
    description: "Every redis.conf and ElastiCache parameter group of the stack sets the runbook's Redis maxmemory-policy, and every redis.conf the runbook's maxmemory.",
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
        const why = `allowed: ${want}, the runbook's data.redis.maxmemoryPolicy ${cite(redis.source)}`;
        const key = "data.redis.maxmemoryPolicy";
        const out: Finding[] = [];
        const memory = `${redis.maxmemoryMB}mb`;
        for (const c of redisConfs(resources)) {
            const have = c.directives.get("maxmemory-policy");
            if (have !== want) out.push(finding(`${label(c.subject)} (${c.path}): maxmemory-policy is ${have ?? "unset"}; ${why}`, { urn: c.subject.urn, key }));
            const size = c.directives.get("maxmemory");
            if (size?.toLowerCase() !== memory) {
                out.push(finding(`${label(c.subject)} (${c.path}): maxmemory is ${size ?? "unset (no limit: the container is killed instead of evicting)"}; allowed: ${memory}, the runbook's data.redis.maxmemoryMB ${cite(redis.source)}`, { urn: c.subject.urn, key: "data.redis.maxmemoryMB" }));
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
