import type { StackPlan } from "../../cli/harness/runtime";
import { awsNames } from "../../capabilities/aws/names";
import { names } from "../../capabilities/kubernetes/names";
import type { Runbook } from "../../runbooks";
import { sample, type Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Review findings 10 (production), 13 and 15 (fix13, aws13) as switches: ECS services started
 * with no tasks or deployed below capacity, ECS containers logging nowhere or to a group the
 * stack does not keep, log groups without the stack's key or in the one-day class, p95 alarms
 * that ignore sparse samples, AWS Backup rules whose windows or time zone move or cancel the
 * runbook's backups, CloudNativePG writing its backups elsewhere. One edit of one subject each.
 */

type Planned = StackPlan["resources"][number];
const PER_SWITCH = 1;

const containers = (edit: (c: Props) => void) => (p: Props) => {
    const cs = JSON.parse(p.containerDefinitions) as Props[];
    cs.forEach(edit);
    p.containerDefinitions = JSON.stringify(cs);
};

export function aws13Mutations(rb: Runbook, plan: StackPlan): Mutation[] {
    const out: Mutation[] = [];
    const of = (type: string, match: (p: Props) => boolean = () => true) => plan.resources.filter((r) => r.type === type && match(r.props as Props));
    const add = (kind: string, policies: string[], targets: readonly Planned[], edit: (p: Props) => void, what: string) => {
        for (const r of sample(targets, PER_SWITCH, `${plan.stack}:${kind}`)) out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `AWS13:${kind}:${r.urn}`, edit: (pl) => editUrn(pl, r.urn, edit) });
    };

    // Finding 13: the runbook services' ECS services.
    const CAP = ["aws-ecs-service-capacity"];
    if (plan.target === "aws") {
        const n = awsNames(rb.app, plan.env as "production");
        const services = of("aws:ecs/service:Service", (p) => rb.services.some((s) => p.name === n.ecsService(s.name)));
        add("ecs-desired-zero", CAP, services, (p) => (p.desiredCount = 0), "desiredCount → 0");
        add("ecs-min-healthy", CAP, services, (p) => (p.deploymentMinimumHealthyPercent = 0), "deploymentMinimumHealthyPercent → 0");
        add("ecs-max-percent", CAP, services, (p) => (p.deploymentMaximumPercent = 100), "deploymentMaximumPercent → 100");
    }

    // Finding 10 (production): every container's logs in a group the stack keeps.
    const LOGS = ["aws-ecs-container-log-destination"];
    const tasks = of("aws:ecs/taskDefinition:TaskDefinition", (p) => typeof p.containerDefinitions === "string" && p.containerDefinitions.includes("awslogs"));
    add("ecs-log-removed", LOGS, tasks, containers((c) => delete c.logConfiguration), "every logConfiguration removed");
    add("ecs-log-unmanaged", LOGS, tasks, containers((c) => c.logConfiguration?.options && (c.logConfiguration.options["awslogs-group"] = "/unmanaged/app")), "awslogs-group → an unmanaged group");

    // Finding 15: log groups, p95 alarms, backup windows, CloudNativePG's destination.
    const groups = of("aws:cloudwatch/logGroup:LogGroup");
    add("loggroup-kms", ["aws-cloudwatch-loggroup-encryption"], groups, (p) => delete p.kmsKeyId, "kmsKeyId removed");
    add("loggroup-class", ["aws-cloudwatch-loggroup-retention"], groups, (p) => (p.logGroupClass = "DELIVERY"), "logGroupClass → DELIVERY");
    add("p95-sparse", ["aws-cloudwatch-alarm-metric-spec"], of("aws:cloudwatch/metricAlarm:MetricAlarm", (p) => typeof p.extendedStatistic === "string"), (p) => (p.evaluateLowSampleCountPercentiles = "ignore"), "evaluateLowSampleCountPercentiles → ignore");
    const WIN = ["aws-backup-plan-windows"];
    const plans = of("aws:backup/plan:Plan", (p) => Array.isArray(p.rules) && p.rules.length > 0);
    add("backup-completion", WIN, plans, (p) => p.rules.forEach((r: Props) => (r.completionWindow = Math.max(60, Number(r.completionWindow) - 60))), "completionWindow − 60 min");
    add("backup-start", WIN, plans, (p) => p.rules.forEach((r: Props) => delete r.startWindow), "startWindow unset (8 h)");
    add("backup-timezone", WIN, plans, (p) => p.rules.forEach((r: Props) => (r.scheduleExpressionTimezone = "America/Los_Angeles")), "scheduleExpressionTimezone → America/Los_Angeles");
    const clusters = of("kubernetes:postgresql.cnpg.io/v1:Cluster", (p) => p.metadata?.name === names(rb.app, String(p.metadata?.namespace ?? rb.app)).postgres && !!p.spec?.backup?.barmanObjectStore);
    add("cnpg-destination", ["k8s-cnpg-cluster-backup-destination"], clusters, (p) => (p.spec.backup.barmanObjectStore.destinationPath = "s3://another-bucket/cnpg"), "destinationPath → another bucket");
    return out;
}
