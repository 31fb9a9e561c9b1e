import { finding, label, resourceRule } from "../lib/policy";
import { asArray, isRecord } from "../lib/values";

/**
 * A failed deployment rolls itself back: a rolling ECS service keeps its deployment circuit
 * breaker on with rollback, and a service watched by CloudWatch alarms during deployments
 * (the blue/green services, on the runbook's critical alarms) keeps those alarms enabled with
 * rollback. Switching either off leaves a broken release serving until someone notices.
 */
export const awsEcsServiceDeploymentRollback = resourceRule({
    name: "aws-ecs-service-deployment-rollback",
    description: "ECS services roll back failed deployments: the circuit breaker (enable + rollback) on rolling services, deployment alarms (enable + rollback) on blue/green ones.",
    tier: "runbook",
    target: "aws",
    types: ["aws:ecs/service:Service"],
    remediationSteps: "Set deploymentCircuitBreaker { enable: true, rollback: true } on rolling services and alarms { alarmNames: [the runbook's critical alarms], enable: true, rollback: true } on blue/green services.",
    check: (s) => {
        const p = s.props;
        const controller = String(p.deploymentController?.type ?? "ECS");
        if (controller !== "ECS") return [];
        const out = [];
        const blueGreen = p.deploymentConfiguration?.strategy === "BLUE_GREEN";
        const alarms = isRecord(p.alarms) ? p.alarms : undefined;
        if (blueGreen) {
            if (!alarms) out.push(finding(`${label(s)}: blue/green deployment without deployment alarms; set alarms { alarmNames: the runbook's critical alarms, enable: true, rollback: true } so a bad colour rolls back`));
            else if (asArray(alarms.alarmNames).length === 0) out.push(finding(`${label(s)}: deployment alarms name no alarm; nothing can roll a bad colour back`));
        } else {
            const cb = p.deploymentCircuitBreaker;
            if (!isRecord(cb) || cb.enable !== true || cb.rollback !== true) {
                out.push(finding(`${label(s)}: deploymentCircuitBreaker is ${JSON.stringify(cb ?? "not set")}; a rolling service needs { enable: true, rollback: true } so a failing deployment rolls back`));
            }
        }
        if (alarms && (alarms.enable !== true || alarms.rollback !== true)) {
            out.push(finding(`${label(s)}: deployment alarms have enable ${JSON.stringify(alarms.enable)}, rollback ${JSON.stringify(alarms.rollback)}; both must be true or the alarms watch the release without rolling it back`));
        }
        return out;
    },
});
