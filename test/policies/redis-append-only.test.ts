import test from "ava";
import { redisConf } from "../../capabilities/datastores";
import { getRunbook, parseRunbook, type Runbook } from "../../runbooks";
import type { Finding } from "../../policies/lib/policy";
import { platformRedisConfAppendOnly } from "../../policies/platform/redis-conf-append-only";

/**
 * platform-redis-conf-append-only: where the runbook requires Redis AOF, every redis.conf of a
 * Redis the stack runs itself (a Docker upload, a Kubernetes ConfigMap) has `appendonly yes` and
 * the runbook's `appendfsync`. The five runbooks require none, so the fixtures take formula-pm with
 * the requirement added; the compliant redis.conf is the one the program renders.
 */

const SOURCE = { seed: "001_50b6c55037a0b11e.txt", section: "Architecture", quote: "stated" };
const NAME = "platform-redis-conf-append-only";

function requiring(fsync: "everysec" | "always"): Runbook {
    const rb = structuredClone(getRunbook("formula-pm")) as Runbook;
    (rb.data.redis as Record<string, unknown>).appendOnly = { fsync, source: SOURCE };
    return parseRunbook(JSON.parse(JSON.stringify(rb)));
}

const rb = requiring("everysec");
const conf = redisConf(rb.data.redis!);
const docker = (text: string) => ({ type: "docker:index/container:Container", name: "formula-pm-redis", urn: "urn:docker", opts: { protect: false }, props: { uploads: [{ file: "/usr/local/etc/redis/redis.conf", contentBase64: Buffer.from(text).toString("base64") }] } });
const configMap = (text: string) => ({ type: "kubernetes:core/v1:ConfigMap", name: "formula-pm-redis-config", urn: "urn:k8s", opts: { protect: false }, props: { data: { "redis.conf": text } } });
const ctx = (runbook: Runbook) => ({ stack: "formula-pm-local", app: "formula-pm" as const, env: "local" as const, runbook, exceptions: [], plaintextCredentials: [], config: {} });
// The policy's own module (test/policies/pack.test.ts holds that the pack registers every policy file).
const rule = platformRedisConfAppendOnly;

/** The rule's findings for hand-built resources under a runbook that is not the registered one. */
function check(name: typeof NAME, resources: Record<string, unknown>[], runbook = rb): string[] {
    if (rule.name !== name) throw new Error(`${name} is not this file's policy`);
    return rule.check(resources as never, ctx(runbook) as never).map((f: Finding) => f.message);
}

test("compliant: the rendered redis.conf, uploaded to Docker or in a Kubernetes ConfigMap", (t) => {
    t.deepEqual(check("platform-redis-conf-append-only", [docker(conf)]), []);
    t.deepEqual(check("platform-redis-conf-append-only", [configMap(conf)]), []);
});

test("one-field breaks: appendfsync, appendonly, the runbook's stricter fsync, no redis.conf", (t) => {
    t.true(check("platform-redis-conf-append-only", [docker(conf.replace("appendfsync everysec", "appendfsync no"))]).some((m) => /appendfsync is no; the runbook requires append-only persistence, fsync everysec/.test(m)));
    t.true(check("platform-redis-conf-append-only", [configMap(conf.replace("appendonly yes", "appendonly no"))]).some((m) => /appendonly is no/.test(m)));
    t.true(check("platform-redis-conf-append-only", [docker(conf)], requiring("always")).some((m) => /appendfsync is everysec; .*fsync always/.test(m)));
    t.true(check("platform-redis-conf-append-only", [{ type: "docker:index/container:Container", name: "x", urn: "urn:x", opts: { protect: false }, props: {} }]).some((m) => /no redis.conf/.test(m)));
});

test("not applicable where the runbook requires no AOF, or where no Redis runs in the stack's own containers (ElastiCache)", (t) => {
    if (!rule.notApplicable) return t.fail("a stack rule with notApplicable");
    t.regex(rule.notApplicable([docker(conf)] as never, ctx(getRunbook("formula-pm")) as never) ?? "", /requires no Redis append-only persistence/);
    t.regex(rule.notApplicable([{ type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "g", urn: "urn:g", opts: { protect: false }, props: {} }] as never, ctx(rb) as never) ?? "", /ElastiCache has no AOF/);
    t.is(rule.notApplicable([docker(conf)] as never, ctx(rb) as never), undefined);
});
