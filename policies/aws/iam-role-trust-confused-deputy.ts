import { finding, label, stackRule, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
/**
 * Service principals whose documentation gives confused-deputy condition keys for the role they
 * assume (ECS task roles, VPC flow logs, RDS Enhanced Monitoring, S3 replication). Kept here, not
 * read from the program, so the program cannot shrink what its guard checks.
 */
const DOCUMENTED_SERVICES = ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com", "monitoring.rds.amazonaws.com", "s3.amazonaws.com"] as const;
const KEYS = ["aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"];

function parse(text: unknown): Record<string, any> | undefined {
    try {
        const doc = typeof text === "string" ? JSON.parse(text) : text;
        return isRecord(doc) ? doc : undefined;
    } catch {
        return undefined;
    }
}

/** Whether a statement's Condition names a confused-deputy key (in any operator). */
function conditioned(statement: Record<string, any>): boolean {
    return isRecord(statement.Condition) && Object.values(statement.Condition).some((op) => isRecord(op) && Object.keys(op).some((k) => KEYS.includes(k.toLowerCase())));
}

/** An ECS task execution role: the one the agent assumes, recognised by its managed policy attachment. */
function isExecutionRole(role: Subject, attachments: readonly Subject[]): boolean {
    return attachments.some((a) => String(a.props.policyArn ?? "").endsWith("/AmazonECSTaskExecutionRolePolicy") && ((a.dependencies ?? []).includes(role.urn) || a.props.role === role.props.name));
}

/**
 * Service-role trusts carry `aws:SourceAccount` / `aws:SourceArn` where the service documents them
 * (FSBP IAM, the IAM user guide's cross-service confused deputy prevention): otherwise the service
 * can be made to use the role on another account's behalf. ECS task execution roles are exempt:
 * ECS documents the keys for task roles only.
 */
export const awsIamRoleTrustConfusedDeputy = stackRule({
    name: "aws-iam-role-trust-confused-deputy",
    description: "IAM roles trusted by ECS tasks, VPC flow logs, RDS Enhanced Monitoring or S3 carry an aws:SourceAccount or aws:SourceArn condition on every Allow statement (ECS task execution roles excepted).",
    tier: "security",
    target: "aws",
    remediationSteps: 'Add Condition: { StringEquals: { "aws:SourceAccount": <account> }, ArnLike: { "aws:SourceArn": <the service\'s resources in this account> } } to the role\'s trust statement (capabilities/aws/trust.ts).',
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, ROLE).length ? undefined : "the stack has no IAM role"),
    check: (resources) => {
        const attachments = ofType(resources, ATTACHMENT);
        return ofType(resources, ROLE).flatMap((role) => {
            const doc = parse(role.props.assumeRolePolicy);
            if (!doc) return [finding(`${label(role)}: assumeRolePolicy is not a JSON policy document`, { urn: role.urn })];
            return asArray(doc.Statement)
                .filter(isRecord)
                .filter((s) => s.Effect === "Allow")
                .flatMap((s) => {
                    const services = asArray<string>(isRecord(s.Principal) ? s.Principal.Service : undefined).filter((x) => (DOCUMENTED_SERVICES as readonly string[]).includes(x));
                    if (services.length === 0 || conditioned(s)) return [];
                    if (services.every((x) => x === "ecs-tasks.amazonaws.com") && isExecutionRole(role, attachments)) return [];
                    return [finding(`${label(role)}: trusts ${services.join(", ")} without aws:SourceAccount or aws:SourceArn; the service could assume it on another account's behalf (confused deputy)`, { urn: role.urn })];
                });
        });
    },
});
