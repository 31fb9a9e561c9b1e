import { containerDefinitions, TASK_DEFINITION } from "../lib/ecs";
import { isUnknown } from "../lib/inputs";
import { finding, label, provenance, stackRule, type Finding } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { isRecord } from "../lib/values";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

/**
 * Every container of every ECS task definition of the stack sends its output with the awslogs
 * driver to a CloudWatch log group the stack itself creates, in the stack's region: the groups
 * aws-cloudwatch-loggroup-retention holds to the runbook's log retention. A container without a
 * logConfiguration, with another driver, or writing to a group the stack does not manage (created
 * on first write with no retention, or never created) keeps its logs nowhere the runbook can count on.
 */
export const awsEcsContainerLogDestination = stackRule({
    name: "aws-ecs-container-log-destination",
    description: "Every ECS container logs with the awslogs driver to one of the stack's own CloudWatch log groups (the ones held to the runbook's log retention), in the stack's region.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Give the container logConfiguration awslogs(group, region, prefix) (capabilities/aws/containers.ts) with the stack's log group for its task, as the components do.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, TASK_DEFINITION).length ? undefined : "the stack has no ECS task definition"),
    check: (resources, ctx) => {
        const groups = ofType(resources, LOG_GROUP);
        const managed = new Set(groups.map((g) => g.props.name).filter((n): n is string => typeof n === "string"));
        const regions = new Set(groups.map((g) => g.region).filter((r): r is string => !!r));
        const from = provenance(ctx.runbook.logs, "retentionDays");
        const keeps = `the stack's log groups (${[...managed].length} of them) are the ones kept ${ctx.runbook.logs.retentionDays} days, as ${from.who} says ${from.cite}`;
        const out: Finding[] = [];
        for (const td of ofType(resources, TASK_DEFINITION)) {
            if (isUnknown(td.props.containerDefinitions)) continue;
            for (const c of containerDefinitions(td.props)) {
                const where = `${label(td)} container "${String(c.name ?? "?")}"`;
                const lc = c.logConfiguration;
                const opts: Record<string, unknown> = isRecord(lc) && isRecord(lc.options) ? lc.options : {};
                const group = opts["awslogs-group"];
                const region = opts["awslogs-region"];
                const at = { urn: td.urn, key: "logs.retentionDays" };
                if (!isRecord(lc)) out.push(finding(`${where}: logConfiguration is unset, so its logs go nowhere; allowed: logDriver awslogs into one of the stack's log groups; ${keeps}`, at));
                else if (lc.logDriver !== "awslogs") out.push(finding(`${where}: logConfiguration.logDriver is ${JSON.stringify(lc.logDriver)}; allowed: "awslogs" into one of the stack's log groups; ${keeps}`, at));
                else if (typeof group !== "string" || !managed.has(group))
                    out.push(finding(`${where}: awslogs-group is ${JSON.stringify(group)}, a group the stack does not create (no retention the pack holds); allowed: ${[...managed].sort().map((g) => JSON.stringify(g)).join(", ")}; ${keeps}`, at));
                else if (typeof region !== "string" || (regions.size > 0 && !regions.has(region)) || (td.region !== undefined && region !== td.region))
                    out.push(finding(`${where}: awslogs-region is ${JSON.stringify(region)}; allowed: the stack's region ${[...regions, td.region].filter(Boolean)[0] ?? "(the task's)"}, where its log group ${JSON.stringify(group)} is; ${keeps}`, at));
            }
        }
        return out;
    },
});
