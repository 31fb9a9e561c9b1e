import { createHash } from "crypto";

/**
 * Running the platform's one-off ECS tasks (the PostgreSQL roles, the DocumentDB users, the Kafka
 * topics and ACLs) on every deploy that changes them, instead of by an operator. `pulumi up`
 * invokes a small Lambda function (`aws.lambda.Invocation`) with the task definition; the function
 * calls ecs:RunTask, waits for the task to stop and fails unless every container exited 0, so the
 * update fails with the task's reason. The invocation is replaced, and the task runs again, when
 * its triggers change: the task definition's ARN (a new revision) or a digest of the credentials it
 * writes.
 */

/** Node.js with the AWS SDK v3 built in (`@aws-sdk/client-ecs`), as the forwarders use. */
export const TASK_RUNNER_RUNTIME = "nodejs22.x";
export const TASK_RUNNER_HANDLER = "index.handler";
/** Lambda's limit; a Fargate task starts in one to two minutes and these tasks run for seconds. */
export const TASK_RUNNER_TIMEOUT_SECONDS = 900;
/** How often the function asks ECS whether the task has stopped. */
export const TASK_RUNNER_POLL_MS = 5000;
/** Time kept back from Lambda's deadline to report a timeout itself rather than be cut off. */
export const TASK_RUNNER_MARGIN_MS = 20000;

/** What an invocation asks for: the task definition to run, where, and what to call it in ECS. */
export interface TaskRunRequest {
    readonly cluster: string;
    readonly taskDefinition: string;
    readonly subnets: readonly string[];
    readonly securityGroups: readonly string[];
    /** ECS's `startedBy`: which one-off task this is (at most 36 characters). */
    readonly startedBy: string;
}

/** The invocation's input; fails early on a request ECS would refuse. */
export function taskRunInput(r: TaskRunRequest): string {
    if (!r.subnets.length || !r.securityGroups.length) throw new Error(`one-off task ${r.startedBy}: subnets and security groups are required (awsvpc)`);
    if (!/^[A-Za-z0-9_-]{1,36}$/.test(r.startedBy)) throw new Error(`one-off task startedBy = ${JSON.stringify(r.startedBy)}: ECS allows letters, digits, - and _, at most 36`);
    return JSON.stringify(r);
}

/** A digest of the credentials a task writes, for the invocation's triggers (reveals none of them). */
export function credentialsTrigger(...secrets: string[]): string {
    return createHash("sha256").update(secrets.join("\n")).digest("hex");
}

/**
 * The function's source (CommonJS, the SDK from the runtime). `makeHandler(ecs, sleep, now)` is
 * exported for tests, which run this very text against a stubbed ECS client.
 */
export const TASK_RUNNER_SOURCE = `"use strict";
// Rendered by capabilities/aws/task-runner.ts.
const { ECSClient, RunTaskCommand, DescribeTasksCommand } = require("@aws-sdk/client-ecs");

const POLL_MS = ${TASK_RUNNER_POLL_MS};
const MARGIN_MS = ${TASK_RUNNER_MARGIN_MS};

function makeHandler(ecs, sleep, now) {
  return async (event, context) => {
    for (const k of ["cluster", "taskDefinition", "subnets", "securityGroups", "startedBy"]) {
      if (event[k] === undefined) throw new Error("the invocation has no " + k);
    }
    const deadline = now() + context.getRemainingTimeInMillis() - MARGIN_MS;
    const run = await ecs.send(new RunTaskCommand({
      cluster: event.cluster,
      taskDefinition: event.taskDefinition,
      launchType: "FARGATE",
      count: 1,
      startedBy: event.startedBy,
      networkConfiguration: { awsvpcConfiguration: { subnets: event.subnets, securityGroups: event.securityGroups, assignPublicIp: "DISABLED" } },
    }));
    if (run.failures && run.failures.length) throw new Error("ecs:RunTask failed: " + JSON.stringify(run.failures));
    const arn = run.tasks && run.tasks[0] && run.tasks[0].taskArn;
    if (!arn) throw new Error("ecs:RunTask started no task");
    console.log("started " + arn);
    for (;;) {
      const d = await ecs.send(new DescribeTasksCommand({ cluster: event.cluster, tasks: [arn] }));
      if (d.failures && d.failures.length) throw new Error("ecs:DescribeTasks failed: " + JSON.stringify(d.failures));
      const task = d.tasks && d.tasks[0];
      if (task && task.lastStatus === "STOPPED") {
        const containers = (task.containers || []).map((c) => ({ name: c.name, exitCode: c.exitCode, reason: c.reason }));
        const failed = containers.filter((c) => c.exitCode !== 0);
        if (failed.length) {
          throw new Error(event.startedBy + ": task " + arn + " stopped (" + (task.stoppedReason || "no reason") + "); containers not exiting 0: " + JSON.stringify(failed));
        }
        console.log(event.startedBy + ": every container exited 0");
        return { taskArn: arn, containers };
      }
      if (now() + POLL_MS > deadline) throw new Error(event.startedBy + ": task " + arn + " still " + (task ? task.lastStatus : "unknown") + " at the function's deadline; it keeps running, see its logs");
      await sleep(POLL_MS);
    }
  };
}

exports.makeHandler = makeHandler;
exports.handler = makeHandler(new ECSClient({}), (ms) => new Promise((r) => setTimeout(r, ms)), Date.now);
`;
