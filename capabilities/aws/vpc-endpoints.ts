import { WILDCARD_ONLY_ACTIONS } from "./iam-wildcard";

/**
 * The AWS APIs the platform's workloads in the VPC call, each reached through an interface VPC
 * endpoint in the private subnets (private DNS on), so those calls leave neither through the NAT
 * gateways nor to the internet. Only Fargate tasks run in the VPC: the Lambda functions (alert
 * forwarders, the one-off task runner) are not attached to it, so what they call needs no endpoint.
 *
 * Listed from the roles' policies and what the tasks run (components/targets/aws/*.ts):
 * - the Fargate agent of every task (platform 1.4 and later) uses the task's network interface for
 *   the `awslogs` driver and for the secrets a task definition names;
 * - the collector writes to Amazon Managed Prometheus with SigV4 by its task role;
 * - Grafana queries AMP, CloudWatch metrics and alarms, Logs Insights, and lists regions for its
 *   CloudWatch data source; ECS Exec into it (only where it is not published) uses ssmmessages;
 * - the backup tasks publish their result metric to CloudWatch.
 *
 * Not given an endpoint, because nothing in the VPC calls them: STS (the task roles' credentials
 * come from the ECS agent's credentials endpoint, not AssumeRole), KMS (S3 and Secrets Manager
 * call KMS themselves for SSE-KMS objects and secrets), ECS (`ecs`, `ecs-agent`, `ecs-telemetry`:
 * the Fargate agent's control-plane traffic does not use the task's interface; the one-off task
 * runner that calls RunTask is a Lambda function outside the VPC), ECR (images come from Docker
 * Hub), Lambda and AWS Backup (called by AWS services and the deploy, not by tasks). S3 has the
 * gateway endpoint (`S3_GATEWAY_SERVICE`).
 */

export interface ApiEndpoint {
    /** The endpoint service's last name part: `com.amazonaws.<region>.<service>`. */
    readonly service: string;
    /** The IAM service prefix of the actions called through it. */
    readonly iamPrefix: string;
    /** Who calls it, from where (the reason the endpoint exists). */
    readonly callers: string;
    /** Only when ECS Exec is on for a service of the stack. */
    readonly onlyWithExec?: true;
}

export const API_ENDPOINTS: readonly ApiEndpoint[] = [
    { service: "logs", iamPrefix: "logs", callers: "every task's awslogs driver (the Fargate agent on the task's interface); Grafana's Logs Insights queries" },
    { service: "secretsmanager", iamPrefix: "secretsmanager", callers: "the Fargate agent reading the secrets every task definition names" },
    { service: "monitoring", iamPrefix: "cloudwatch", callers: "Grafana's CloudWatch data source (metrics, alarms); the backup tasks' result metric" },
    { service: "aps-workspaces", iamPrefix: "aps", callers: "the collector's remote write and Grafana's queries to Amazon Managed Prometheus" },
    { service: "ec2", iamPrefix: "ec2", callers: "Grafana's CloudWatch data source listing regions (ec2:DescribeRegions)" },
    { service: "ssmmessages", iamPrefix: "ssmmessages", callers: "ECS Exec into Grafana, enabled where Grafana is not published", onlyWithExec: true },
];

/** S3's gateway endpoint: backups, the app's buckets, Grafana's and the collector's configuration objects. */
export const S3_GATEWAY_SERVICE = "s3";

/** The interface endpoints a stack needs: every API endpoint, ssmmessages only where a service has ECS Exec on. */
export function apiEndpointsFor(opts: { readonly execute: boolean }): ApiEndpoint[] {
    return API_ENDPOINTS.filter((e) => !e.onlyWithExec || opts.execute);
}

/** `com.amazonaws.<region>.<service>`. */
export function endpointServiceName(region: string, service: string): string {
    return `com.amazonaws.${region}.${service}`;
}

/** The actions of `iamPrefix` that take no resource (capabilities/aws/iam-wildcard.ts): `aws:ResourceAccount` is absent from their requests. */
export function resourcelessActions(iamPrefix: string): string[] {
    return Object.keys(WILDCARD_ONLY_ACTIONS)
        .filter((a) => a.split(":")[0] === iamPrefix)
        .sort();
}

/** The condition keys that confine an endpoint to one account, data-perimeter style. */
export const PRINCIPAL_ACCOUNT_KEY = "aws:PrincipalAccount";
export const RESOURCE_ACCOUNT_KEY = "aws:ResourceAccount";

/**
 * An endpoint policy limited to this account: any action, by this account's principals, on this
 * account's resources (`aws:PrincipalAccount` and `aws:ResourceAccount`); and, for the actions the
 * platform calls that take no resource (their requests carry no `aws:ResourceAccount`), those
 * actions by name, by this account's principals. A stolen credential of another account cannot
 * use the endpoint, and ours cannot move data to another account's resources through it.
 */
export function endpointPolicy(accountId: string, iamPrefix: string): string {
    const resourceless = resourcelessActions(iamPrefix);
    const statements: Record<string, unknown>[] = [
        {
            Sid: "ThisAccountsPrincipalsOnThisAccountsResources",
            Effect: "Allow",
            Principal: "*",
            Action: "*",
            Resource: "*",
            Condition: { StringEquals: { [PRINCIPAL_ACCOUNT_KEY]: accountId, [RESOURCE_ACCOUNT_KEY]: accountId } },
        },
        ...(resourceless.length
            ? [{ Sid: "ThisAccountsPrincipalsOnActionsWithoutResource", Effect: "Allow", Principal: "*", Action: resourceless, Resource: "*", Condition: { StringEquals: { [PRINCIPAL_ACCOUNT_KEY]: accountId } } }]
            : []),
    ];
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
