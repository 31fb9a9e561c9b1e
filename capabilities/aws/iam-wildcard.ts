/**
 * IAM actions that accept only `Resource: "*"`: the AWS Service Authorization Reference lists no
 * resource type for them (its "Resource types" column is empty), so a named ARN would grant
 * nothing. Every other action is granted on the resources it acts on, and the security tier's
 * `aws-iam-policy-resource-scoped` holds it. An action is added here only with the reference page
 * that shows it has no resource type.
 */

const SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference";

/** Action → the Service Authorization Reference page that lists it without a resource type. */
export const WILDCARD_ONLY_ACTIONS: Readonly<Record<string, string>> = {
    // Amazon CloudWatch: metric reads are not resources; DescribeAlarms and DescribeAlarmHistory take `alarm` and are scoped.
    "cloudwatch:GetMetricData": `${SAR}/list_amazoncloudwatch.html`,
    "cloudwatch:ListMetrics": `${SAR}/list_amazoncloudwatch.html`,
    "cloudwatch:DescribeAlarmsForMetric": `${SAR}/list_amazoncloudwatch.html`,
    // Publishing a metric names no resource either; the `cloudwatch:namespace` condition key scopes it (the scheduled backup tasks' grant uses it).
    "cloudwatch:PutMetricData": `${SAR}/list_amazoncloudwatch.html`,
    // Amazon CloudWatch Logs: listing groups and reading or stopping a query by its id name no log group.
    "logs:DescribeLogGroups": `${SAR}/list_amazoncloudwatchlogs.html`,
    "logs:GetQueryResults": `${SAR}/list_amazoncloudwatchlogs.html`,
    "logs:StopQuery": `${SAR}/list_amazoncloudwatchlogs.html`,
    // Amazon EC2: Describe* calls are account-wide.
    "ec2:DescribeRegions": `${SAR}/list_amazonec2.html`,
    // Resource Groups Tagging API: GetResources searches the account.
    "tag:GetResources": `${SAR}/list_awsresourcegroupstaggingapi.html`,
    // Session Manager message gateway (ECS Exec's channels): no resource types at all.
    "ssmmessages:CreateControlChannel": `${SAR}/list_amazonsessionmanagermessagegatewayservice.html`,
    "ssmmessages:CreateDataChannel": `${SAR}/list_amazonsessionmanagermessagegatewayservice.html`,
    "ssmmessages:OpenControlChannel": `${SAR}/list_amazonsessionmanagermessagegatewayservice.html`,
    "ssmmessages:OpenDataChannel": `${SAR}/list_amazonsessionmanagermessagegatewayservice.html`,
    // Amazon ECR: the registry login token is not a repository.
    "ecr:GetAuthorizationToken": `${SAR}/list_amazonelasticcontainerregistry.html`,
};

/** Whether `action` (as written in a policy, any case) may be granted on "*". A wildcard action never may: it covers actions that take resources. */
export function wildcardOnly(action: string): boolean {
    const [service, name] = action.split(":");
    if (!service || !name || action.includes("*") || action.includes("?")) return false;
    return Object.keys(WILDCARD_ONLY_ACTIONS).some((a) => a.toLowerCase() === action.toLowerCase());
}
