import { WILDCARD_ONLY_ACTIONS, wildcardOnly } from "../../capabilities/aws/iam-wildcard";
import { finding, label, resourceRule } from "../lib/policy";
import { isUnknown } from "../lib/inputs";
import { asArray, isRecord } from "../lib/values";

const IDENTITY_POLICIES = ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"];
const ROLE = "aws:iam/role:Role";

/** The policy documents a resource carries: its `policy`, or a role's inline policies. Unknown or unparsable ones are skipped (nothing to read yet). */
function documents(type: string, props: Record<string, any>): { where: string; doc: Record<string, any> }[] {
    const raw = type === ROLE ? asArray(props.inlinePolicies).filter(isRecord).map((p) => ({ where: `inline policy "${p.name ?? "?"}"`, policy: p.policy })) : [{ where: "policy", policy: props.policy }];
    return raw.flatMap(({ where, policy }) => {
        if (policy === undefined || isUnknown(policy)) return [];
        try {
            const doc = typeof policy === "string" ? JSON.parse(policy) : policy;
            return isRecord(doc) ? [{ where, doc }] : [];
        } catch {
            return [];
        }
    });
}

/**
 * Least privilege by resource (cdk-nag AwsSolutions-IAM5, checkov CKV_AWS_355): an identity
 * policy allows `Resource: "*"` only for actions that take no resource, as the AWS Service
 * Authorization Reference lists them (`WILDCARD_ONLY_ACTIONS`, capabilities/aws/iam-wildcard.ts,
 * each with its reference page). A wildcard action on "*" is a finding too: it covers actions that
 * do take resources. Resource policies (KMS key, bucket, vault policies) are not identity policies:
 * their "*" is the resource itself.
 */
export const awsIamPolicyResourceScoped = resourceRule({
    name: "aws-iam-policy-resource-scoped",
    description: 'IAM identity policies allow Resource "*" only for actions the AWS Service Authorization Reference lists with no resource type.',
    tier: "security",
    target: "aws",
    types: [...IDENTITY_POLICIES, ROLE],
    remediationSteps: `Name the resources (ARNs, or ARN patterns with the stack's prefix) the action acts on; "*" is kept only for ${Object.keys(WILDCARD_ONLY_ACTIONS).length} actions without a resource type (capabilities/aws/iam-wildcard.ts).`,
    check: (s) =>
        documents(s.type, s.props).flatMap(({ where, doc }) =>
            asArray(doc.Statement)
                .filter(isRecord)
                .filter((st) => (st.Effect ?? "Allow") === "Allow")
                .flatMap((st, i) => {
                    const resources = asArray<unknown>(st.Resource);
                    if (!resources.includes("*") && st.NotResource === undefined) return [];
                    const loose = asArray<unknown>(st.Action ?? st.NotAction).filter((a) => st.NotAction !== undefined || typeof a !== "string" || !wildcardOnly(a));
                    if (loose.length === 0) return [];
                    const grant = st.NotResource !== undefined ? "NotResource (every other resource)" : 'Resource "*"';
                    const what = st.NotAction !== undefined ? "NotAction (every other action)" : loose.map(String).join(", ");
                    return [finding(`${label(s)} ${where}, statement ${st.Sid ? `"${st.Sid}"` : i + 1}: ${grant} for ${what}; these actions take resources: name them (only the Service Authorization Reference's actions without a resource type may use "*")`)];
                }),
        ),
});
