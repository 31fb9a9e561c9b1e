import { TASK_RUNNER_SOURCE, TASK_RUNNER_TIMEOUT_SECONDS } from "../../capabilities/aws/task-runner";
import { finding, label, stackRule, type Subject } from "../lib/policy";
import { absentTarget, ofTarget, ofType } from "../lib/targets";
import { isRecord, num } from "../lib/values";

const FUNCTION = "aws:lambda/function:Function";

/** The planned `index.js` of a function deployed from an inline archive, when the plan shows it. */
function sourceOf(fn: Subject): string | undefined {
    const assets = fn.props.code?.assets;
    const index = isRecord(assets) ? assets["index.js"] : undefined;
    return isRecord(index) && typeof index.text === "string" ? index.text : undefined;
}

/**
 * The one-off task runner (capabilities/aws/task-runner.ts) runs the stack's one-off ECS tasks on
 * deploy (PostgreSQL roles, DocumentDB users, Kafka topics) and waits for them: throttled to zero
 * it never runs, and with a timeout shorter than the platform's it is cut off while it waits, so
 * the roles, users and topics the services need are never made.
 */
export const awsLambdaTaskRunnerLimits = stackRule({
    name: "aws-lambda-task-runner-limits",
    description: `The one-off task runner Lambda (capabilities/aws/task-runner.ts) is not throttled to zero (reservedConcurrentExecutions 0) and keeps the platform's timeout (${TASK_RUNNER_TIMEOUT_SECONDS} s, Lambda's maximum), so it can run the stack's one-off tasks and wait for them.`,
    tier: "hardening",
    target: "aws",
    remediationSteps: "Keep the runner as components/targets/aws/one-off-tasks.ts creates it: no reservedConcurrentExecutions, timeout TASK_RUNNER_TIMEOUT_SECONDS.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(ofTarget(resources, "aws"), FUNCTION).some((f) => sourceOf(f) === TASK_RUNNER_SOURCE) ? undefined : "the stack runs no one-off task"),
    check: (resources) =>
        ofType(ofTarget(resources, "aws"), FUNCTION)
            .filter((f) => sourceOf(f) === TASK_RUNNER_SOURCE)
            .flatMap((fn) => {
                const out = [];
                if (num(fn.props.reservedConcurrentExecutions) === 0) out.push(finding(`${label(fn)} reservedConcurrentExecutions is 0: Lambda throttles every invocation, so no one-off task (roles, users, topics) ever runs; the platform reserves none`, { urn: fn.urn }));
                const timeout = num(fn.props.timeout);
                if (timeout !== undefined && timeout < TASK_RUNNER_TIMEOUT_SECONDS)
                    out.push(finding(`${label(fn)} timeout is ${timeout} s, below the platform's ${TASK_RUNNER_TIMEOUT_SECONDS} s (capabilities/aws/task-runner.ts): Lambda cuts the runner off while it waits for its one-off task`, { urn: fn.urn }));
                return out;
            }),
});
