import test from "ava";
import { readFileSync } from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack, type StackPlan } from "../../../cli/harness/runtime";
import { grafanaHost } from "../../../capabilities/aws/grafana";
import { getRunbook } from "../../../runbooks";
import { fireTimes, fromAwsCron, named, ofType, prop } from "./helpers";

/**
 * The AWS target builds from the stack's runbook (`context.runbook`, overrides applied), and
 * refuses, naming the fields, what AWS cannot do. Each case rewrites one committed stack file.
 */

const ROOT = path.resolve(__dirname, "..", "..", "..");
function stackText(stack: string, extra: Record<string, unknown>): string {
    const doc = YAML.parse(readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return YAML.stringify({ config: { ...doc.config, ...extra } });
}

const overridden = new Map<string, StackPlan>();
let refused: Error | undefined;
test.before(async () => {
    overridden.set(
        "bunty",
        await planStack("bunty-production", {
            stackFileText: stackText("bunty-production", {
                "runbook-platform:overrides": {
                    "logs.retentionDays": 10,
                    "services.backend.scaling.desired": 4,
                    "services.backend.scaling.max": 8,
                    "alerts.memory-usage.critical.threshold": 75,
                    "alerts.memory-usage.critical.for": "3m",
                    "backups.postgres.retentionDays": 45,
                    "backups.postgres.cron": "0 */12 * * *",
                },
            }),
        }),
    );
    overridden.set("formula-pm", await planStack("formula-pm-production", { stackFileText: stackText("formula-pm-production", { "runbook-platform:aws": { hostedZoneId: "Z0123456789ABC" } }) }));
    // Last: a refused program leaves the resources it registered before the AWS target unfinished.
    try {
        await planStack("bunty-production", { stackFileText: stackText("bunty-production", { "runbook-platform:overrides": { "backups.redis.cron": "0 */6 * * *" } }) });
    } catch (e) {
        refused = e as Error;
    }
});

test("overrides reach the AWS resources: log retention, scaling, alarm threshold and duration, backup schedule and retention", (t) => {
    const plan = overridden.get("bunty")!;
    const baseline = getRunbook("bunty");
    t.not(baseline.logs.retentionDays, 10, "the override changes something");
    for (const g of ofType(plan, "aws:cloudwatch/logGroup:LogGroup")) t.is(prop(g, "retentionInDays"), 14, "10 days rounds up to CloudWatch's 14");
    t.is(prop(named(plan, "aws:ecs/service:Service", "bunty-services-backend"), "desiredCount"), 4);
    t.is(prop(named(plan, "aws:appautoscaling/target:Target", "bunty-services-backend-scaling"), "maxCapacity"), 8);
    const memory = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => prop(a, "tags.runbook:alert") === "memory-usage" && prop(a, "tags.runbook:severity") === "critical");
    t.is(memory.length, baseline.services.length);
    for (const a of memory) t.like(a.props, { threshold: 75, period: 60, evaluationPeriods: 3 });
    const rule = prop<{ schedule: string; lifecycle: { deleteAfter: number } }[]>(named(plan, "aws:backup/plan:Plan", "bunty-backups-postgres-plan"), "rules")[0];
    t.deepEqual(fireTimes(fromAwsCron(rule.schedule), 20), fireTimes("0 */12 * * *", 20));
    t.is(rule.lifecycle.deleteAfter, 45);
    t.is(prop(named(plan, "aws:rds/instance:Instance", "bunty-postgres-primary"), "backupRetentionPeriod"), 35, "RDS keeps at most 35 days; AWS Backup keeps 45");
    const overdue = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => prop(a, "dimensions.BackupVaultName") === "bunty-production-postgres")!;
    t.is(prop<number>(overdue, "period") * prop<number>(overdue, "evaluationPeriods"), 1.5 * 12 * 3600, "overdue after 1.5 of the new 12-hour interval");
});

test("a Redis backup more frequent than daily is refused before any AWS resource, with the field named: ElastiCache snapshots once a day", (t) => {
    t.truthy(refused);
    // Refused at the config edge, naming the stack's override that caused it (before any resource).
    t.regex(refused!.message, /^stack bunty-production: invalid configuration\n  - runbook-platform:overrides\.backups\.redis\.cron: backups\[1\]\.cron = "0 \*\/6 \* \* \*": a managed daily snapshot can only follow a cron that fires once a day/);
});

test("with a hosted zone, the certificate is validated through Route 53 and each host aliases the load balancer", (t) => {
    const plan = overridden.get("formula-pm")!;
    const rb = getRunbook("formula-pm");
    const records = ofType(plan, "aws:route53/record:Record");
    // The services' hosts and Grafana's.
    const hosts = [...rb.services.map((s) => s.host!), grafanaHost(undefined, Object.fromEntries(rb.services.map((s) => [s.name, s.host!])))!];
    const validation = records.filter((r) => r.name.includes("-validation-"));
    t.is(validation.length, hosts.length);
    for (const r of validation) t.like(r.props, { zoneId: "Z0123456789ABC", type: "CNAME" });
    const aliases = records.filter((r) => r.name.endsWith("-alias") && !r.name.endsWith("-test-alias"));
    t.deepEqual(aliases.map((r) => prop(r, "name")).sort(), hosts.sort());
    const check = ofType(plan, "aws:acm/certificateValidation:CertificateValidation")[0];
    t.is(prop<string[]>(check, "validationRecordFqdns").length, validation.length);
});
