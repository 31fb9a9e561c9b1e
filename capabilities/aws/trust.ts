/**
 * Confused-deputy conditions on service-role trust policies: the service may assume the role only
 * on behalf of this account (`aws:SourceAccount`) and, where its documentation names one, only for
 * its resources in this account and region (`aws:SourceArn`). Only services documented to send the
 * keys when they assume a role are listed: a condition on a key the service does not send denies
 * every assumption (the role stops working with no error at deploy time).
 *
 * Not listed, on purpose: `lambda.amazonaws.com` and `backup.amazonaws.com` (their role trust
 * documentation has no such keys), `ecs.amazonaws.com` (the blue/green infrastructure role, the
 * same), and ECS task *execution* roles (assumed by the ECS agent; ECS documents the keys for task
 * roles only): those trusts stay unconditioned and `taskExecutionRole` asks for no condition.
 */

export interface TrustScope {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
}

/** `aws:SourceArn` patterns per service principal, or null where only `aws:SourceAccount` is documented. */
export const CONFUSED_DEPUTY_SOURCES: Readonly<Record<string, ((s: TrustScope) => string) | null>> = {
    // Amazon ECS task IAM role documentation.
    "ecs-tasks.amazonaws.com": (s) => `arn:${s.partition}:ecs:${s.region}:${s.accountId}:*`,
    // VPC flow logs, IAM role for publishing to CloudWatch Logs.
    "vpc-flow-logs.amazonaws.com": (s) => `arn:${s.partition}:ec2:${s.region}:${s.accountId}:vpc-flow-log/*`,
    // RDS Enhanced Monitoring, "Protecting against the confused deputy problem".
    "monitoring.rds.amazonaws.com": (s) => `arn:${s.partition}:rds:${s.region}:${s.accountId}:db:*`,
    // S3 replication role; the source bucket is the replication configuration's, so the account alone.
    "s3.amazonaws.com": null,
    // EventBridge Scheduler, "Set up the execution role": the schedule groups of this account and region.
    "scheduler.amazonaws.com": (s) => `arn:${s.partition}:scheduler:${s.region}:${s.accountId}:schedule-group/*`,
};

/** The trust policy of a role `service` assumes; conditioned when `conditioned` and the service is in CONFUSED_DEPUTY_SOURCES. */
export function trustPolicy(service: string, scope: TrustScope, conditioned: boolean): Record<string, unknown> {
    const statement: Record<string, unknown> = { Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" };
    if (conditioned && service in CONFUSED_DEPUTY_SOURCES) {
        const arn = CONFUSED_DEPUTY_SOURCES[service];
        statement.Condition = { StringEquals: { "aws:SourceAccount": scope.accountId }, ...(arn ? { ArnLike: { "aws:SourceArn": arn(scope) } } : {}) };
    }
    return { Version: "2012-10-17", Statement: [statement] };
}
