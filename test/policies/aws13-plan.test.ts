import test from "ava";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { awsNames } from "../../capabilities/aws/names";
import { getRunbook } from "../../runbooks";
import { runPolicies } from "../../policies/offline";
import { ECS_ROLLING } from "../../policies/lib/ecs-deployment";
import { editUrn, type Props } from "./plan-edits";
import { policyNamed } from "./helpers";

/**
 * The aws13 policies over one planned production stack (bunty, from the plan cache): the plan as
 * the program builds it passes; a p95 alarm told to ignore sparse samples, a container logging to
 * another region, and the deployment percents the policy holds are read from the plan itself.
 */

const STACK = "bunty-production";
const POLICIES = ["aws-ecs-service-capacity", "aws-ecs-container-log-destination", "aws-cloudwatch-loggroup-encryption", "aws-cloudwatch-loggroup-retention", "aws-backup-plan-windows", "aws-cloudwatch-alarm-metric-spec"];
type Planned = StackPlan["resources"][number];

let base: StackPlan;
test.before(async () => {
    base = await planStack(STACK);
});
const messages = async (plan: StackPlan, only = POLICIES) => (await runPolicies(plan, { policies: only.map(policyNamed) })).violations.map((v) => `${v.policy}: ${v.message}`);
const first = (type: string, pick: (p: Props) => boolean): Planned => {
    const r = base.resources.find((x) => x.type === type && pick(x.props as Props));
    if (!r) throw new Error(`${STACK}: no ${type} as asked`);
    return r;
};

test("the planned stack passes, and its runbook services deploy with the percents the policy holds (no constant drifts from the program)", async (t) => {
    t.deepEqual(await messages(base), []);
    const n = awsNames("bunty", "production");
    const services = getRunbook("bunty").services.map((s) => first("aws:ecs/service:Service", (p) => p.name === n.ecsService(s.name)).props as Props);
    t.true(services.length > 0);
    for (const p of services) {
        t.is(p.deploymentMinimumHealthyPercent, ECS_ROLLING.minimumHealthyPercent.value);
        t.is(p.deploymentMaximumPercent, ECS_ROLLING.maximumPercent.value);
    }
});

test("a p95 alarm that ignores sparse samples is a finding; evaluate passes", async (t) => {
    const alarm = first("aws:cloudwatch/metricAlarm:MetricAlarm", (p) => typeof p.extendedStatistic === "string");
    const ignore = await messages(editUrn(base, alarm.urn, (p) => (p.evaluateLowSampleCountPercentiles = "ignore")), ["aws-cloudwatch-alarm-metric-spec"]);
    t.true(ignore.some((m) => /evaluateLowSampleCountPercentiles is "ignore", the platform's alarm has unset or "evaluate"/.test(m)), ignore.join("\n"));
    t.deepEqual(await messages(editUrn(base, alarm.urn, (p) => (p.evaluateLowSampleCountPercentiles = "evaluate")), ["aws-cloudwatch-alarm-metric-spec"]), []);
});

test("a container logging into the right group name in another region is a finding", async (t) => {
    const td = first("aws:ecs/taskDefinition:TaskDefinition", (p) => /collector/.test(String(p.family)));
    const moved = editUrn(base, td.urn, (p) => {
        const cs = JSON.parse(p.containerDefinitions);
        cs[0].logConfiguration.options["awslogs-region"] = "eu-west-1";
        p.containerDefinitions = JSON.stringify(cs);
    });
    const found = await messages(moved, ["aws-ecs-container-log-destination"]);
    t.true(found.some((m) => /awslogs-region is "eu-west-1"; allowed: the stack's region/.test(m)), found.join("\n"));
});
