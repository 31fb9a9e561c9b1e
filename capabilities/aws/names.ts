import { createHash } from "crypto";
import type { AppId, Env } from "../../runbooks";

/**
 * Physical names on AWS. Most resources are auto-named by Pulumi; these are the ones something
 * else refers to by name (log groups created before their writer, alarm dimensions, bucket names
 * the runbook uses) or whose service caps the length.
 */

/** `base` cut to `max` characters with a stable hash of the whole, so two long names never collide. */
export function fitName(base: string, max: number): string {
    if (base.length <= max) return base;
    const hash = createHash("sha256").update(base).digest("hex").slice(0, 6);
    return `${base.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** AWS Backup restore testing names: letters, digits and underscores, at most 50. */
export function underscoreName(base: string, max = 50): string {
    return fitName(base, max).replace(/[^A-Za-z0-9_]/g, "_");
}

/** S3's limit on a bucket name. */
export const BUCKET_NAME_MAX = 63;

/**
 * `<base>-<account>-<region>`, the base shortened (with its hash) so the whole fits 63 characters:
 * a global name no other account can take first (squatting) or already hold (create failures).
 */
export function uniqueBucketName(base: string, accountId: string, region: string): string {
    if (!/^\d{12}$/.test(accountId)) throw new Error(`bucket ${base}: account id "${accountId}" is not an AWS account id (allowed: 12 digits)`);
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`bucket ${base}: region "${region}" is not an AWS region name (allowed: e.g. us-east-1)`);
    const suffix = `-${accountId}-${region}`;
    return `${fitName(base, BUCKET_NAME_MAX - suffix.length)}${suffix}`;
}

export interface AwsNames {
    readonly prefix: string;
    readonly cluster: string;
    readonly postgres: string;
    readonly postgresReplica: (index: number) => string;
    readonly redis: string;
    readonly documentdb: string;
    readonly documentdbInstance: (index: number) => string;
    readonly kafka: string;
    /** Amazon MQ broker names: at most 50 characters. */
    readonly rabbitmq: string;
    readonly loadBalancer: string;
    /** The load balancer at `index` (0: `loadBalancer`) when services are spread over several (capabilities/aws/load-balancer-shards.ts). */
    readonly loadBalancerShard: (index: number) => string;
    readonly targetGroup: (service: string, color?: string) => string;
    readonly ecsService: (service: string) => string;
    readonly taskFamily: (service: string) => string;
    /** A backup's vault, by its plan name (`postgres`, `postgres-weekly`). */
    readonly vault: (backup: string) => string;
    /** S3 names are global: the runbook's bucket name, then the account and region (`<name>-<account>-<region>`), so no one else can hold it first. */
    readonly bucket: (runbookName: string, accountId: string, region: string) => string;
    readonly serviceDiscoveryNamespace: string;
    readonly logGroup: (part: string) => string;
    readonly restoreTesting: string;
}

export function awsNames(app: AppId, env: Env): AwsNames {
    const prefix = `${app}-${env}`;
    return {
        prefix,
        cluster: prefix,
        postgres: fitName(`${prefix}-postgres`, 63),
        postgresReplica: (i) => fitName(`${prefix}-postgres-replica-${i + 1}`, 63),
        // ElastiCache caps replication group ids at 40 characters.
        redis: fitName(`${prefix}-redis`, 40),
        documentdb: fitName(`${prefix}-docdb`, 63),
        documentdbInstance: (i) => fitName(`${prefix}-docdb-${i + 1}`, 63),
        kafka: fitName(`${prefix}-kafka`, 64),
        rabbitmq: fitName(`${prefix}-rabbitmq`, 50),
        // Load balancers and target groups: at most 32 characters.
        loadBalancer: fitName(prefix, 32),
        loadBalancerShard: (index) => (index === 0 ? fitName(prefix, 32) : fitName(`${prefix}-lb${index + 1}`, 32)),
        targetGroup: (service, color) => fitName([prefix, service, color].filter(Boolean).join("-"), 32),
        ecsService: (service) => service,
        taskFamily: (service) => `${prefix}-${service}`,
        vault: (backup) => `${prefix}-${backup}`,
        // The runbook names the buckets (other environments add theirs); the account and region make the name ours alone.
        bucket: (name, accountId, region) => uniqueBucketName(env === "production" ? name : `${name}-${env}`, accountId, region),
        serviceDiscoveryNamespace: `${app}.${env}.internal`,
        logGroup: (part) => `/${app}/${env}/${part}`,
        restoreTesting: underscoreName(prefix),
    };
}

/**
 * The account id in an AWS provider's first assumed role ARN (`assumeRoles[0].roleArn`), given as
 * the provider's input or as the JSON text the engine hands provider inputs over as; undefined
 * when the provider assumes no role.
 */
export function assumedRoleAccount(assumeRoles: unknown): string | undefined {
    let roles = assumeRoles;
    if (typeof roles === "string") {
        try {
            roles = JSON.parse(roles);
        } catch {
            return undefined;
        }
    }
    const arn = Array.isArray(roles) ? (roles[0] as { roleArn?: unknown } | undefined)?.roleArn : undefined;
    return typeof arn === "string" ? /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1] : undefined;
}
