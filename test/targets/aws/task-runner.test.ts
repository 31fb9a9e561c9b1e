import test from "ava";
import vm from "node:vm";
import { planStack } from "../../../cli/harness/runtime";
import { credentialsTrigger, TASK_RUNNER_MARGIN_MS, TASK_RUNNER_POLL_MS, TASK_RUNNER_SOURCE, taskRunInput } from "../../../capabilities/aws/task-runner";

/**
 * The one-off task runner's Lambda handler (issue 15), the very source the function is deployed
 * with, run against a stubbed `@aws-sdk/client-ecs`: commands are recorded, DescribeTasks answers
 * from a script of task states, time advances only through the stubbed sleep.
 */

class Command {
    constructor(public readonly input: any) {}
}
class RunTaskCommand extends Command {}
class DescribeTasksCommand extends Command {}

type Answer = (cmd: Command) => any;

function load(answers: Answer[]) {
    const sent: Command[] = [];
    let clock = 0;
    const ecs = {
        send: async (cmd: Command) => {
            sent.push(cmd);
            const next = answers.shift();
            if (!next) throw new Error(`no answer scripted for ${cmd.constructor.name}`);
            return next(cmd);
        },
    };
    const module = { exports: {} as any };
    const sdk = { ECSClient: class {}, RunTaskCommand, DescribeTasksCommand };
    vm.runInNewContext(TASK_RUNNER_SOURCE, { require: (id: string) => (id === "@aws-sdk/client-ecs" ? sdk : assertNever(id)), exports: module.exports, module, console: { log: () => undefined }, setTimeout, Date, JSON });
    const handler = module.exports.makeHandler(ecs, async (ms: number) => void (clock += ms), () => clock);
    return { handler, sent, elapsed: () => clock };
}

function assertNever(id: string): never {
    throw new Error(`the function requires ${id}; only the runtime's @aws-sdk/client-ecs exists there`);
}

const event = { cluster: "arn:aws:ecs:us-east-1:1:cluster/shop", taskDefinition: "arn:aws:ecs:us-east-1:1:task-definition/shop-postgres-roles:3", subnets: ["subnet-a"], securityGroups: ["sg-1"], startedBy: "postgres-roles" };
const context = (ms = 900_000) => ({ getRemainingTimeInMillis: () => ms });
const TASK = "arn:aws:ecs:us-east-1:1:task/shop/abc";
const started: Answer = () => ({ tasks: [{ taskArn: TASK }], failures: [] });
const status = (lastStatus: string, containers: any[] = [], stoppedReason?: string): Answer => () => ({ tasks: [{ taskArn: TASK, lastStatus, containers, stoppedReason }], failures: [] });

test("runs the task definition on Fargate in the private subnets, waits for it to stop, and succeeds when every container exited 0", async (t) => {
    const r = load([started, status("PROVISIONING"), status("RUNNING"), status("STOPPED", [{ name: "rds-ca-bundle", exitCode: 0 }, { name: "postgres-roles", exitCode: 0 }])]);
    const out = await r.handler(event, context());
    t.is(out.taskArn, TASK);
    const run = r.sent[0];
    t.true(run instanceof RunTaskCommand);
    t.deepEqual(run.input, {
        cluster: event.cluster,
        taskDefinition: event.taskDefinition,
        launchType: "FARGATE",
        count: 1,
        startedBy: "postgres-roles",
        networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" } },
    });
    t.true(r.sent.slice(1).every((c) => c instanceof DescribeTasksCommand && c.input.tasks[0] === TASK && c.input.cluster === event.cluster));
    t.is(r.elapsed(), 2 * TASK_RUNNER_POLL_MS, "polled until STOPPED");
});

test("fails, naming the containers and ECS's reason, when a container exits non-zero or never ran", async (t) => {
    const r = load([started, status("STOPPED", [{ name: "rds-ca-bundle", exitCode: 0 }, { name: "postgres-roles", exitCode: 3, reason: undefined }], "Essential container in task exited")]);
    await t.throwsAsync(r.handler(event, context()), { message: /postgres-roles: task .* stopped \(Essential container in task exited\); containers not exiting 0: \[\{"name":"postgres-roles","exitCode":3\}\]/ });
    const never = load([started, status("STOPPED", [{ name: "postgres-roles", reason: "CannotPullContainerError" }], "Task failed to start")]);
    await t.throwsAsync(never.handler(event, context()), { message: /Task failed to start.*CannotPullContainerError/ });
});

test("fails when ECS cannot place the task, and before Lambda's deadline when it never stops", async (t) => {
    const refused = load([() => ({ tasks: [], failures: [{ reason: "RESOURCE:ENI" }] })]);
    await t.throwsAsync(refused.handler(event, context()), { message: /ecs:RunTask failed: .*RESOURCE:ENI/ });
    const budget = TASK_RUNNER_MARGIN_MS + 3 * TASK_RUNNER_POLL_MS;
    const stuck = load([started, ...Array.from({ length: 10 }, () => status("RUNNING"))]);
    await t.throwsAsync(stuck.handler(event, context(budget)), { message: /still RUNNING at the function's deadline/ });
    t.true(stuck.elapsed() <= budget - TASK_RUNNER_MARGIN_MS, "gives up with the margin left");
    const partial = load([]);
    const { startedBy: _s, ...incomplete } = event;
    await t.throwsAsync(partial.handler(incomplete, context()), { message: /the invocation has no startedBy/ });
    t.is(partial.sent.length, 0, "nothing started for an incomplete invocation");
});

test("the invocation's input and triggers: refused without a network, a bad startedBy; a credentials digest reveals nothing and changes with any password", (t) => {
    t.deepEqual(JSON.parse(taskRunInput(event)), event);
    t.throws(() => taskRunInput({ ...event, subnets: [] }), { message: /postgres-roles: subnets and security groups are required/ });
    t.throws(() => taskRunInput({ ...event, startedBy: "roles task" }), { message: /startedBy = "roles task"/ });
    const a = credentialsTrigger("app-pw", "monitor-pw");
    t.regex(a, /^[0-9a-f]{64}$/);
    t.false(a.includes("app-pw"));
    t.not(credentialsTrigger("app-pw", "monitor-pw2"), a);
    t.is(credentialsTrigger("app-pw", "monitor-pw"), a);
});

test("the plan: every one-off task definition is invoked after its database, and the function may run, pass and describe only those", async (t) => {
    const plan = await planStack("personal-finance-hub-production");
    const of = (type: string) => plan.resources.filter((r) => r.type === type);
    const oneOffDefs = of("aws:ecs/taskDefinition:TaskDefinition").filter((r) => /-(postgres-roles|documentdb-users|kafka-topics)$/.test(String(r.props.family)));
    t.is(oneOffDefs.length, 3, "the roles, users and topics tasks");
    const invocations = of("aws:lambda/invocation:Invocation");
    t.deepEqual(invocations.map((i) => JSON.parse(String(i.props.input)).startedBy).sort(), ["documentdb-users", "kafka-topics", "postgres-roles"]);
    for (const i of invocations) t.is(JSON.parse(String(i.props.input)).taskDefinition, (i.props.triggers as any).taskDefinition, `${i.name}: re-run when the task definition changes`);
    const withCredentials = invocations.filter((i) => (i.props.triggers as any).credentials).map((i) => i.name.replace(/^.*one-off-tasks-/, ""));
    t.deepEqual(withCredentials.sort(), ["documentdb-users", "postgres-roles"]);
    const policy = of("aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("one-off-tasks-role"))!;
    const statements: any[] = JSON.parse(String(policy.props.policy)).Statement;
    const byAction = (a: string) => statements.find((s) => s.Action.includes(a));
    t.deepEqual([...byAction("ecs:RunTask").Resource].sort(), invocations.map((i) => (i.props.triggers as any).taskDefinition).sort(), "RunTask on exactly the invoked task definitions");
    t.truthy(byAction("ecs:RunTask").Condition.ArnEquals["ecs:cluster"]);
    t.false(statements.some((s) => [].concat(s.Resource).some((r: unknown) => r === "*" || r === null)), "no wildcard or empty resource");
    const passed: string[] = byAction("iam:PassRole").Resource;
    const taskRoles = oneOffDefs.flatMap((d) => [d.props.executionRoleArn, d.props.taskRoleArn]).filter((r): r is string => typeof r === "string");
    t.deepEqual([...passed].sort(), [...new Set(taskRoles)].sort(), "PassRole on exactly those tasks' roles");
    for (const i of invocations) {
        const deps: string[] = (i.options as any).dependsOn ?? [];
        t.true(deps.some((u: string) => u.endsWith("one-off-tasks-role") && u.includes("rolePolicy")), `${i.name} waits for the function's policy`);
        const store = { "postgres-roles": "platform:aws:Postgres", "documentdb-users": "platform:aws:DocumentDb", "kafka-topics": "platform:aws:Kafka" }[JSON.parse(String(i.props.input)).startedBy as string]!;
        t.true(deps.some((u: string) => u.includes(store)), `${i.name} waits for ${store}`);
    }
});
