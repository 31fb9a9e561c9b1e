import { HEALTH_CHECK, HEALTH_CHECK_GRACE_SECONDS } from "../../capabilities/aws/containers";
import { durationSeconds } from "../../runbooks/units";
import { containerDefinitions, TASK_DEFINITION } from "../lib/ecs";
import { cite, finding, label, stackRule, type Finding } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord, num } from "../lib/values";
import { serviceDownBudget } from "../lib/probes";
import { serviceOf } from "../lib/workloads";

const SERVICE = "aws:ecs/service:Service";
const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
/** ECS's container health check where the definition leaves a field out (the ECS API reference). */
const ECS_DEFAULTS = { interval: 30, timeout: 5, retries: 3, startPeriod: 0 } as const;
/** Elastic Load Balancing's defaults for an ALB's HTTP target group. */
const ALB_DEFAULTS = { interval: 30, unhealthyThreshold: 2 } as const;
const ALERT = "service-down";
const PLATFORM = `the platform's container health check (capabilities/aws/containers.ts HEALTH_CHECK: every ${HEALTH_CHECK.interval}s, ${HEALTH_CHECK.timeout}s timeout, ${HEALTH_CHECK.retries} retries, ${HEALTH_CHECK.startPeriod}s start period, so ECS replaces a dead task within ${HEALTH_CHECK.interval * HEALTH_CHECK.retries + HEALTH_CHECK.timeout}s)`;

/** A CMD-SHELL check that reports healthy whatever the request answered: `… || true`, `… ; exit 0`. */
function alwaysHealthy(command: string[]): boolean {
    const text = command.slice(command[0] === "CMD-SHELL" || command[0] === "CMD" ? 1 : 0).join(" ");
    return /(\|\||;|&)\s*(true|:|exit\s+0|\/bin\/true)\s*$/.test(text) || /^\s*(true|:|exit\s+0|\/bin\/true)\s*$/.test(text);
}

/**
 * How soon a dead task stops getting traffic and is replaced (issue 13): the runbook service's
 * container health check replaces a dead task (interval × retries + timeout, the worst case) before
 * the runbook's ServiceDown level pages, its timeout and start period no longer than the platform's,
 * not one that passes whatever the request answered, on an essential container; the ECS service's health-check
 * grace no longer than the container's start period; and the load balancer's target group takes
 * a failing task out within the runbook's service-down duration (after which the outage pages).
 */
export const awsEcsHealthTiming = stackRule({
    name: "aws-ecs-health-timing",
    description: "Runbook services' ECS containers are essential and their health checks replace a dead task (interval × retries + timeout) within the runbook's ServiceDown duration, time out and start no slower than the platform's, and cannot pass regardless of the answer, their services' health-check grace is no longer than the start period, and their target groups drain a failing task within the runbook's service-down duration.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Keep HEALTH_CHECK and healthCommand (capabilities/aws/containers.ts) on the app container, healthCheckGracePeriodSeconds = HEALTH_CHECK_GRACE_SECONDS on its service, and TARGET_HEALTH on its target group.",
    notApplicable: (resources) => absentTarget(resources, "aws"),
    check: (resources, ctx) => {
        const rb = ctx.runbook;
        const out: Finding[] = [];
        const budget = serviceDownBudget(rb);
        for (const task of ofType(resources, TASK_DEFINITION)) {
            const containers = containerDefinitions(task.props);
            for (const c of containers) {
                const svc = serviceOf(rb, String(c.name ?? ""), containers.length === 1 ? String(task.props.family ?? "") : undefined, containers.length === 1 ? task.name : undefined);
                if (!svc) continue;
                // ECS judges a task by its essential containers: a non-essential app container may die or fail its check and the task stays RUNNING.
                if (c.essential === false) out.push(finding(`${label(task)} container "${c.name}": essential is false: ECS keeps the task running when ${svc.name} dies or fails its health check, so it is never replaced; allowed: essential (capabilities/aws/containers.ts) ${cite(svc.source)}`, { urn: task.urn, key: `services.${svc.name}.healthPath` }));
                if (!isRecord(c.healthCheck)) continue;
                const hc = c.healthCheck;
                const key = `services.${svc.name}.healthPath`;
                const at = `${label(task)} container "${c.name}" healthCheck`;
                const interval = num(hc.interval) ?? ECS_DEFAULTS.interval;
                const retries = num(hc.retries) ?? ECS_DEFAULTS.retries;
                const timeout = num(hc.timeout) ?? ECS_DEFAULTS.timeout;
                const start = num(hc.startPeriod) ?? ECS_DEFAULTS.startPeriod;
                // The worst case: the task dies right after a passing check; `retries` checks fail, one every interval, the last after its timeout.
                const worst = interval * retries + timeout;
                if (budget && worst > budget.seconds) out.push(finding(`${at}: interval ${interval}s × retries ${retries} + timeout ${timeout}s keeps a dead ${svc.name} task for up to ${worst}s before ECS replaces it, later than ${budget.seconds}s: ${budget.says}; allowed: interval × retries + timeout at most ${budget.seconds}s, e.g. ${PLATFORM}`, { urn: task.urn, key: budget.key }));
                if (timeout > HEALTH_CHECK.timeout) out.push(finding(`${at}: timeout ${timeout}s lets a hung ${svc.name} answer count as a slow one; allowed: at most ${HEALTH_CHECK.timeout}s, ${PLATFORM}`, { urn: task.urn, key }));
                if (start > HEALTH_CHECK.startPeriod) out.push(finding(`${at}: startPeriod ${start}s ignores a new ${svc.name} task's failures that long; allowed: at most ${HEALTH_CHECK.startPeriod}s, ${PLATFORM}`, { urn: task.urn, key }));
                if (alwaysHealthy(asArray<string>(hc.command).map(String))) out.push(finding(`${at}: command ${JSON.stringify(asArray(hc.command).join(" "))} reports healthy whatever ${svc.healthPath} answers, so ECS never replaces a dead ${svc.name} task; allowed: a check that fails with the request (capabilities/aws/containers.ts healthCommand) ${cite(svc.source)}`, { urn: task.urn, key }));
            }
        }
        for (const s of ofType(resources, SERVICE)) {
            const svc = serviceOf(rb, String(s.props.name ?? ""), s.name);
            const grace = num(s.props.healthCheckGracePeriodSeconds);
            if (!svc || grace === undefined || grace <= HEALTH_CHECK_GRACE_SECONDS) continue;
            out.push(finding(`${label(s)}: healthCheckGracePeriodSeconds ${grace} ignores the load balancer's failing checks of a new ${svc.name} task that long; allowed: at most ${HEALTH_CHECK_GRACE_SECONDS}s, the container's start period (capabilities/aws/containers.ts HEALTH_CHECK_GRACE_SECONDS)`, { urn: s.urn, key: `services.${svc.name}.healthPath` }));
        }
        const level = rb.alerts.find((a) => a.id === ALERT)?.levels.find((l) => l.severity === "critical") ?? rb.alerts.find((a) => a.id === ALERT)?.levels[0];
        if (level) {
            const most = durationSeconds(level.for);
            const from = level.defaulted?.for ? `(a platform default, not the runbook's: ${level.defaulted.for})` : cite(level.source);
            for (const tg of ofType(resources, TARGET_GROUP)) {
                const svc = serviceOf(rb, String(tg.props.name ?? ""), tg.name);
                if (!svc) continue;
                const hc = isRecord(tg.props.healthCheck) ? tg.props.healthCheck : {};
                const drain = (num(hc.interval) ?? ALB_DEFAULTS.interval) * (num(hc.unhealthyThreshold) ?? ALB_DEFAULTS.unhealthyThreshold);
                if (drain > most) {
                    out.push(finding(`${label(tg)} healthCheck: interval × unhealthyThreshold sends users to a dead ${svc.name} task for ${drain}s, longer than the ${level.for} after which ${ALERT} pages ${from}; allowed: at most ${most}s`, { urn: tg.urn, key: `alerts.${ALERT}.${level.severity}.for` }));
                }
            }
        }
        return out;
    },
});
