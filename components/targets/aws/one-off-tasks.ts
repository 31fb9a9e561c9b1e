import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEAD_LETTER_RETENTION_SECONDS } from "../../../capabilities/aws/chat";
import {
    credentialsTrigger,
    TASK_RUNNER_HANDLER,
    TASK_RUNNER_RUNTIME,
    TASK_RUNNER_SOURCE,
    TASK_RUNNER_TIMEOUT_SECONDS,
    taskRunInput,
} from "../../../capabilities/aws/task-runner";
import { child, logGroup, rolePolicy, serviceRole, type AwsScope } from "./scope";

/** One one-off task to run on deploy. */
export interface OneOffTask {
    /** Part of the Pulumi names and ECS's `startedBy`: the data service's task, e.g. `postgres-roles`, `documentdb-users`, `kafka-topics`. */
    readonly part: string;
    readonly taskDefinition: aws.ecs.TaskDefinition;
    /** The credentials the task writes: a new value runs it again. Defaults to none. */
    readonly credentials?: pulumi.Input<string>[];
    /** What must exist before it runs: the database's instances, the SCRAM association. */
    readonly after: pulumi.Resource[];
}

export interface AwsOneOffTasksArgs extends AwsScope {
    /** The ECS cluster the tasks run in. */
    readonly cluster: aws.ecs.Cluster;
    /** Private subnets the tasks run in (no public IPs). */
    readonly privateSubnetIds: pulumi.Input<string>[];
    /** The app tasks' security group, which the data services admit. */
    readonly securityGroupId: pulumi.Input<string>;
    /** The data key: it encrypts the runner's log group. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The topic the runner's Errors alarm notifies. */
    readonly alarmTopicArn: pulumi.Input<string>;
    /** The tasks to run on deploy, in order: the data services' (AwsDataOutputs.oneOffTasks) and the Kafka topics task. */
    readonly tasks: readonly OneOffTask[];
}

/**
 * Runs the platform's one-off tasks on deploy (capabilities/aws/task-runner.ts): one Lambda
 * function allowed to run exactly these task definitions in this cluster, pass exactly their roles
 * and read their tasks' state, and one `aws.lambda.Invocation` per task, replaced (so run again)
 * when the task definition or its credentials change. A task that does not exit 0 fails the update.
 */
export class AwsOneOffTasks extends pulumi.ComponentResource {
    public readonly runner: aws.lambda.Function;
    public readonly invocations: Record<string, aws.lambda.Invocation>;

    constructor(name: string, args: AwsOneOffTasksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:OneOffTasks", name, {}, opts);
        const functionName = `${args.names.prefix}-one-off-tasks`;
        const logs = logGroup(this, args, `${name}-logs`, `/aws/lambda/${functionName}`, args.kmsKeyArn);
        // Pulumi invokes it synchronously, so a failure reaches the update; the queue and the alarm are for an invocation made any other way.
        const deadLetters = new aws.sqs.Queue(
            `${name}-dead-letters`,
            { name: `${args.names.prefix}-one-off-tasks-dead-letters`, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, sqsManagedSseEnabled: true },
            child(this, args),
        );
        const role = serviceRole(this, args, `${name}-role`, "lambda.amazonaws.com", ["service-role/AWSLambdaBasicExecutionRole"], "Runs the platform's one-off ECS tasks on deploy");
        const taskArns = args.tasks.map((t) => t.taskDefinition.arn);
        const passRoles = args.tasks.flatMap((t) => [t.taskDefinition.executionRoleArn, t.taskDefinition.taskRoleArn]).filter((r): r is pulumi.Output<string> => r !== undefined);
        const clusterTasks = pulumi.interpolate`arn:${args.partition}:ecs:${args.region}:${args.accountId}:task/${args.cluster.name}/*`;
        const policy = rolePolicy(
            this,
            args,
            `${name}-role`,
            role,
            pulumi
                .all([taskArns, pulumi.all(passRoles), args.cluster.arn, clusterTasks, deadLetters.arn])
                .apply(([tasks, roles, cluster, clusterTaskArns, queue]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            { Effect: "Allow", Action: ["ecs:RunTask"], Resource: tasks, Condition: { ArnEquals: { "ecs:cluster": cluster } } },
                            { Effect: "Allow", Action: ["ecs:DescribeTasks"], Resource: [clusterTaskArns], Condition: { ArnEquals: { "ecs:cluster": cluster } } },
                            // A task without a task role (the Kafka topics task) passes only its execution role.
                            { Effect: "Allow", Action: ["iam:PassRole"], Resource: [...new Set(roles.filter((r) => !!r))], Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } },
                            { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: queue },
                        ],
                    }),
                ),
        );
        this.runner = new aws.lambda.Function(
            `${name}-runner`,
            {
                name: functionName,
                runtime: TASK_RUNNER_RUNTIME,
                handler: TASK_RUNNER_HANDLER,
                role: role.arn,
                timeout: TASK_RUNNER_TIMEOUT_SECONDS,
                code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(TASK_RUNNER_SOURCE) }),
                loggingConfig: { logFormat: "Text", logGroup: logs.name },
                deadLetterConfig: { targetArn: deadLetters.arn },
            },
            child(this, args),
        );
        new aws.cloudwatch.MetricAlarm(
            `${name}-errors`,
            {
                name: `${args.names.prefix}-one-off-tasks-errors`,
                alarmDescription: `A one-off task of ${args.app} (PostgreSQL roles, DocumentDB users, Kafka topics) failed: the update that ran it failed too; read the function's and the task's logs.`,
                namespace: "AWS/Lambda",
                metricName: "Errors",
                dimensions: { FunctionName: this.runner.name },
                statistic: "Sum",
                period: 60,
                evaluationPeriods: 1,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
                treatMissingData: "notBreaching",
                alarmActions: [args.alarmTopicArn],
                tags: { "runbook:kind": "platform" },
            },
            child(this, args),
        );
        this.invocations = {};
        for (const t of args.tasks) {
            const input = pulumi
                .all([args.cluster.arn, t.taskDefinition.arn, pulumi.all(args.privateSubnetIds), args.securityGroupId])
                .apply(([cluster, taskDefinition, subnets, sg]) => taskRunInput({ cluster, taskDefinition, subnets, securityGroups: [sg], startedBy: t.part }));
            const triggers: Record<string, pulumi.Input<string>> = { taskDefinition: t.taskDefinition.arn };
            if (t.credentials?.length) triggers.credentials = pulumi.unsecret(pulumi.all(t.credentials).apply((c) => credentialsTrigger(...c)));
            this.invocations[t.part] = new aws.lambda.Invocation(
                `${name}-${t.part}`,
                {
                    functionName: this.runner.name,
                    input,
                    // The credentials' trigger is a SHA-256 of generated passwords: plain in state and previews, revealing none of them.
                    triggers,
                },
                // After the policy that lets the function run this revision.
                child(this, args, { dependsOn: [...t.after, this.runner, policy] }),
            );
        }
        this.registerOutputs({ runner: this.runner.name });
    }
}
