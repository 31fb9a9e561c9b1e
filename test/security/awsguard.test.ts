import test from "ava";
import { planStack, type PlannedResource, type StackPlan } from "../../cli/harness/runtime";
import { runPolicies, type PolicyOutcome } from "../../policies/offline";
import { APP_IDS } from "../../runbooks";
import { asAwsGuardSees, awsGuardPack } from "./awsguard";

/**
 * `@pulumi/awsguard`, Pulumi's own AWS best-practice pack, over every production plan: each rule
 * mandatory, zero findings. A rule that cannot run offline or that no production stack gives a
 * resource to is listed below with the reason; the test fails when that list goes stale.
 */

/** Rules that read the live account through the AWS SDK (an offline plan has no account and no created resource). */
const NEEDS_LIVE_ACCOUNT: Readonly<Record<string, string>> = {
    "acm-certificate-expiration": "asks ACM for each issued certificate's expiry (DescribeCertificate); ACM renews the DNS-validated certificates the stacks request, and a preview of a created certificate is checked there",
    "access-keys-rotated": "lists the IAM user's access keys (ListAccessKeys); the stacks create no IAM user or access key",
    "mfa-enabled-for-iam-console-access": "lists the IAM user's MFA devices (ListMFADevices); the stacks create no IAM user or login profile",
};

/** Rules for services the platform does not use, so no production plan has a resource they check. */
const NO_SUCH_RESOURCE: Readonly<Record<string, string>> = {
    "apigateway-stage-cached": "no API Gateway: the services sit behind an ALB",
    "apigateway-method-cached-and-encrypted": "no API Gateway",
    "apigateway-endpoint-type": "no API Gateway",
    "ec2-instance-detailed-monitoring-enabled": "no EC2 instances: the services run on ECS Fargate",
    "ec2-instance-no-public-ip": "no EC2 instances (Fargate)",
    "ec2-volume-inuse": "no EC2 instances or EBS volumes (Fargate)",
    "encrypted-volumes": "no EC2 instances or EBS volumes (Fargate)",
    "redshift-cluster-configuration": "no Redshift",
    "redshift-cluster-maintenance-settings": "no Redshift",
    "redshift-cluster-public-access": "no Redshift",
    "dynamodb-table-encryption-enabled": "no DynamoDB",
    "elasticsearch-encrypted-at-rest": "no Elasticsearch (gravitypm's ELK logs go to CloudWatch Logs)",
    "elasticsearch-in-vpc-only": "no Elasticsearch",
    "efs-encrypted": "no EFS: Grafana's files come from S3, task storage is Fargate's ephemeral storage",
};

const EXCLUDED = { ...NEEDS_LIVE_ACCOUNT };

/** Findings accepted on one kind of resource, each with its reason; a stale one fails. */
interface Excepted {
    readonly policy: string;
    /** What the excepted resource is, in words (for the stale message). */
    readonly what: string;
    /** Whether a flagged resource is one this exception is for. */
    readonly applies: (r: PlannedResource) => boolean;
    readonly reason: string;
}
const EXCEPTED: readonly Excepted[] = [
    {
        policy: "s3-bucket-logging-enabled",
        what: "the stack's access-log bucket",
        applies: (r) => (r.parent ?? "").includes("platform:aws:AccessLogs::"),
        reason: "the bucket that receives every other bucket's S3 server access logs does not log its own access: each log delivery would be logged in turn, without end (AWS: do not make a bucket its own logging target)",
    },
    {
        policy: "rds-instance-multi-az-enabled",
        what: "a PostgreSQL read replica",
        applies: (r) => typeof (r.props as { replicateSourceDb?: unknown }).replicateSourceDb === "string",
        reason: "the runbook's read replicas serve reads (personal-finance-hub: \"PostgreSQL primary + read replicas\"); the primary they copy is Multi-AZ (policies/aws/rds-instance-multi-az.ts holds it), and a failed replica is replaced from it without data loss",
    },
];

const plans: StackPlan[] = [];
const used = new Set<Excepted>();
const outcomes = new Map<string, PolicyOutcome[]>();
test.before(async () => {
    const pack = awsGuardPack({ all: "mandatory" });
    const policies = pack.policies.filter((p) => !(p.name in EXCLUDED));
    for (const app of APP_IDS) {
        const plan = await planStack(`${app}-production`);
        plans.push(plan);
        const report = await runPolicies(asAwsGuardSees(plan), { policies: policies as any, config: pack.initialConfig, exceptions: [], packLevel: "mandatory" });
        const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
        const excused = (urn: string | undefined, policy: string) => EXCEPTED.find((e) => e.policy === policy && !!urn && byUrn.has(urn) && e.applies(byUrn.get(urn)!));
        outcomes.set(
            plan.stack,
            report.outcomes.map((o) => ({
                ...o,
                violations: o.violations.filter((v) => {
                    const e = excused(v.urn, o.name);
                    if (e) used.add(e);
                    return !e;
                }),
            })),
        );
    }
});

test("awsguard: every production stack has zero findings, every rule mandatory", (t) => {
    for (const [stack, os] of outcomes) {
        for (const o of os) {
            t.is(o.level, "mandatory", `${stack}: ${o.name}`);
            t.deepEqual(
                o.violations.map((v) => `${v.resourceName}: ${v.message}`),
                [],
                `${stack}: ${o.name}`,
            );
        }
    }
});

test("awsguard: every excepted finding still occurs", (t) => {
    for (const e of EXCEPTED) t.true(used.has(e), `${e.policy} on ${e.what} excuses nothing: remove it`);
});

test("awsguard: each rule either checks a production resource or is listed with its reason", (t) => {
    const pack = awsGuardPack({ all: "mandatory" });
    const names = pack.policies.map((p) => p.name);
    for (const listed of [...Object.keys(NEEDS_LIVE_ACCOUNT), ...Object.keys(NO_SUCH_RESOURCE)]) t.true(names.includes(listed), `${listed} is no longer an awsguard rule: remove it from the list`);
    const checked = new Set([...outcomes.values()].flatMap((os) => os.filter((o) => o.checked > 0).map((o) => o.name)));
    for (const name of names) {
        if (name in NEEDS_LIVE_ACCOUNT) continue;
        if (name in NO_SUCH_RESOURCE) t.false(checked.has(name), `${name} now checks a production resource: remove it from NO_SUCH_RESOURCE`);
        else t.true(checked.has(name), `${name} checked no production resource: list it with the reason`);
    }
});

test("awsguard: the adapter feeds the rules what they read (a bucket without access logs, an ALB without them, are found)", async (t) => {
    const pack = awsGuardPack({ all: "mandatory" });
    const policies = pack.policies.filter((p) => ["s3-bucket-logging-enabled", "elb-logging-enabled", "alb-http-to-https-redirection"].includes(p.name));
    const plan = plans[0];
    const broken: StackPlan = {
        ...plan,
        resources: plan.resources
            .filter((r) => r.type !== "aws:s3/bucketLogging:BucketLogging")
            .map((r) => (r.type === "aws:lb/loadBalancer:LoadBalancer" ? { ...r, props: { ...r.props, accessLogs: { bucket: "x", enabled: false } } } : r.type === "aws:lb/listener:Listener" && (r.props as any).protocol === "HTTP" ? { ...r, props: { ...r.props, defaultActions: [{ type: "forward", targetGroupArn: "arn" }] } } : r)),
    };
    const report = await runPolicies(asAwsGuardSees(broken), { policies: policies as any, config: pack.initialConfig, exceptions: [] });
    for (const name of ["s3-bucket-logging-enabled", "elb-logging-enabled", "alb-http-to-https-redirection"]) {
        t.true(report.outcomes.find((o) => o.name === name)!.violations.length > 0, `${plan.stack}: ${name} finds the broken copy`);
    }
});
