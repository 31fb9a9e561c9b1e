import { isUnknown } from "../lib/inputs";
import { finding, label, stackRule, type Finding } from "../lib/policy";
import { assumableBy, stackResourceOf } from "../lib/stack-refs";
import { absentTarget, ofType } from "../lib/targets";
import { isRecord } from "../lib/values";

const SCHEDULE = "aws:scheduler/schedule:Schedule";
const ROLE = "aws:iam/role:Role";
const CLUSTER = "aws:ecs/cluster:Cluster";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
/** EventBridge Scheduler's universal targets that call CloudWatch (the maintenance mute; aws-alerting-pipeline-intact judges which calls). */
const CLOUDWATCH_CALL = /^arn:aws[\w-]*:scheduler:::aws-sdk:cloudwatch:([A-Za-z]+)$/;
const ALLOWED = "allowed: an ENABLED schedule, run with a role of this stack that scheduler.amazonaws.com assumes, starting a task definition of the stack on its ECS cluster (components/targets/aws/backups.ts) or calling CloudWatch for the maintenance mute (components/targets/aws/monitoring.ts), with no flexible window, no future start date and no end date";

/**
 * The stack's EventBridge Scheduler schedules do what the platform planned them for (issue 13):
 * the backups and restore checks EventBridge starts as ECS tasks (RabbitMQ's definitions and any
 * other backup AWS Backup cannot take), and the maintenance-window mute of the alarms. A schedule
 * switched DISABLED (other than the mute's start, which only silences less), run with a role from
 * outside the stack (the pack cannot read what it may do, and no one here grants it), aimed at a
 * cluster or task definition that is not the stack's or at any other target, delayed by a flexible
 * window, held back by a future start date or ended by an end date backs up, checks or restores nothing while looking in place.
 */
export const awsSchedulerScheduleEffective = stackRule({
    name: "aws-scheduler-schedule-effective",
    description: "Every EventBridge Scheduler schedule of the stack is ENABLED (the maintenance mute's start excepted), runs with a role of the stack the scheduler may assume, targets a task definition of the stack on its ECS cluster or a CloudWatch call of the maintenance mute, and has no flexible window, future start date or end date.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Keep the schedules components/targets/aws/backups.ts (AwsBackupTasks) and monitoring.ts (muteInMaintenance) create: state ENABLED, target.roleArn their scheduler role, flexibleTimeWindow OFF.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, SCHEDULE).length ? undefined : "the stack has no EventBridge Scheduler schedule"),
    check: (resources) =>
        ofType(resources, SCHEDULE).flatMap((s): Finding[] => {
            const out: Finding[] = [];
            const target = isRecord(s.props.target) ? s.props.target : {};
            const call = typeof target.arn === "string" ? CLOUDWATCH_CALL.exec(target.arn)?.[1] : undefined;
            const at = `${label(s)} (${String(s.props.name ?? s.name)})`;
            const what = call ? `calls CloudWatch ${call}` : isRecord(target.ecsParameters) ? "starts an ECS task" : `targets ${JSON.stringify(isUnknown(target.arn) ? "(unknown)" : (target.arn ?? null))}`;
            if (s.props.state === "DISABLED" && call !== "disableAlarmActions") out.push(finding(`${at} ${what} but its state is DISABLED: it never runs; ${ALLOWED}`, { urn: s.urn }));
            const role = stackResourceOf(resources, s, target.roleArn, ROLE);
            if (!role) out.push(finding(`${at}: target.roleArn ${JSON.stringify(isUnknown(target.roleArn) ? "(unknown)" : (target.roleArn ?? null))} is not a role of this stack: what it may do is granted and reviewed nowhere here, and the schedule may fail every run; ${ALLOWED}`, { urn: s.urn }));
            else if (!assumableBy(role, "scheduler.amazonaws.com")) out.push(finding(`${at}: target.roleArn names ${label(role)}, which scheduler.amazonaws.com may not assume: every run fails; ${ALLOWED}`, { urn: s.urn }));
            if (!call) {
                const ecs = isRecord(target.ecsParameters) ? target.ecsParameters : undefined;
                if (!ecs) out.push(finding(`${at} ${what}: neither a task of the stack nor the maintenance mute's CloudWatch call; ${ALLOWED}`, { urn: s.urn }));
                else {
                    if (!stackResourceOf(resources, s, target.arn, CLUSTER)) out.push(finding(`${at}: target.arn ${JSON.stringify(isUnknown(target.arn) ? "(unknown)" : target.arn)} is not this stack's ECS cluster: the task runs elsewhere or not at all; ${ALLOWED}`, { urn: s.urn }));
                    if (!stackResourceOf(resources, s, ecs.taskDefinitionArn, TASK_DEFINITION, ["family"])) {
                        out.push(finding(`${at}: ecsParameters.taskDefinitionArn ${JSON.stringify(isUnknown(ecs.taskDefinitionArn) ? "(unknown)" : (ecs.taskDefinitionArn ?? null))} is not a task definition of this stack: it runs a task no policy has read; ${ALLOWED}`, { urn: s.urn }));
                    }
                    if (ecs.taskCount !== undefined && !isUnknown(ecs.taskCount) && !(Number(ecs.taskCount) >= 1)) out.push(finding(`${at}: ecsParameters.taskCount is ${JSON.stringify(ecs.taskCount)}: it starts no task; ${ALLOWED}`, { urn: s.urn }));
                }
            }
            const window = isRecord(s.props.flexibleTimeWindow) ? s.props.flexibleTimeWindow : {};
            if (window.mode === "FLEXIBLE") out.push(finding(`${at}: flexibleTimeWindow is FLEXIBLE (up to ${window.maximumWindowInMinutes ?? "?"} min): each run may start that much later than its cron; ${ALLOWED}`, { urn: s.urn }));
            const start = typeof s.props.startDate === "string" ? Date.parse(s.props.startDate) : NaN;
            if (start > Date.now()) out.push(finding(`${at}: startDate ${s.props.startDate} is in the future: the schedule does not run until then; ${ALLOWED}`, { urn: s.urn }));
            if (typeof s.props.endDate === "string" && s.props.endDate) out.push(finding(`${at}: endDate ${s.props.endDate}: the schedule stops running then; ${ALLOWED}`, { urn: s.urn }));
            return out;
        }),
});
