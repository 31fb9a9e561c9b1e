import { Region } from "@pulumi/aws/types/enums";
import { APP_IDS, type AppId, type Env } from "../runbooks/schema";
import { PROJECT } from "../capabilities/stacks";
import { names } from "../capabilities/kubernetes/names";
import { DEFAULT_INGRESS_NAMESPACE } from "../capabilities/kubernetes/security";

/**
 * Checks of single stack settings against what the platform and the clouds accept, beyond the
 * schema's shapes (stacks/settings.ts calls each; split out of it to keep it readable). Each
 * returns the problems as `<key> = <value>: <why>; allowed: <what>` lines for the ConfigError,
 * which names the stack.
 */

const ns = (key: string) => `${PROJECT}:${key}`;

/** A config value as the flat map holds it: JSON when it parses, else the text itself. */
export function parseValue(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

/** `aws:allowedAccountIds` as a list of ids; empty when absent or not a list (providerKeyProblems reports that shape). */
export function allowedAccountIds(config: Readonly<Record<string, string>>): string[] {
    const raw = config["aws:allowedAccountIds"];
    const list = raw === undefined ? undefined : parseValue(raw);
    return Array.isArray(list) ? list.map(String) : [];
}

/**
 * The deploy-time half: the account the deploy's credentials are in (aws.getCallerIdentity),
 * known only once the program runs (components/targets/aws/backup-copy-check.ts).
 */
export function ownAccountCopyProblem(copyAccount: string, ownAccount: string): string | undefined {
    return copyAccount === ownAccount ? ownBackupCopyAccountProblem(copyAccount, "the account the deploy's credentials are in, aws.getCallerIdentity") : undefined;
}

/** The error text for a copy account that is the stack's own. */
function ownBackupCopyAccountProblem(account: string, where: string): string {
    return `${ns("aws.backupCopy.account")} = ${JSON.stringify(account)}: the stack's own account (${where}); allowed: another account, so a compromised account leaves a copy`;
}

/** `aws.backupCopy`'s account and role, which go together: the role is in the account, the account is not the stack's own, a copy names a region or an account. */
export function backupCopyAccountProblems(copy: { region?: string; account?: string; roleArn?: string } | undefined, config: Readonly<Record<string, string>>): string[] {
    if (!copy) return [];
    const { account, roleArn } = copy;
    if (!copy.region && !account && !roleArn) return [`${ns("aws.backupCopy")} = {}: names no copy; allowed: region (another region), account with roleArn (another account), or both`];
    if (account && !roleArn) return [`${ns("aws.backupCopy.roleArn")} = (missing): aws.backupCopy.account ${account} is set; allowed: the ARN of a role in account ${account} the deploy can assume`];
    if (roleArn && !account) return [`${ns("aws.backupCopy.account")} = (missing): aws.backupCopy.roleArn is set; allowed: the 12-digit id of the account the role is in`];
    if (!account || !roleArn) return [];
    const problems: string[] = [];
    const roleAccount = roleArn.split(":")[4];
    if (roleAccount !== account) problems.push(`${ns("aws.backupCopy.roleArn")} = ${JSON.stringify(roleArn)}: a role in account ${roleAccount}, not in aws.backupCopy.account ${account}; allowed: a role in account ${account}`);
    if (allowedAccountIds(config).includes(account)) problems.push(ownBackupCopyAccountProblem(account, "aws:allowedAccountIds"));
    return problems;
}

/**
 * The AWS partition a region is in, by its name's prefix (the partitions' region naming,
 * https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
 * Longest prefix first.
 */
const PARTITION_PREFIXES: readonly (readonly [string, string])[] = [
    ["us-isob-", "aws-iso-b"],
    ["us-isof-", "aws-iso-f"],
    ["eu-isoe-", "aws-iso-e"],
    ["us-iso-", "aws-iso"],
    ["us-gov-", "aws-us-gov"],
    ["eusc-", "aws-eusc"],
    ["cn-", "aws-cn"],
];
export function partitionOf(region: string): string {
    return PARTITION_PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";
}

/** The regions AWS has: the AWS provider's own list (@pulumi/aws's `Region` enum), read offline. */
export const AWS_REGIONS: readonly string[] = Object.values(Region);

/** `aws.backupCopy.region`: a region AWS has, in the stack region's partition (a copy cannot cross partitions), not the stack's own. */
export function backupCopyRegionProblems(copyRegion: string | undefined, stackRegion: string | undefined): string[] {
    if (!copyRegion) return [];
    const key = `${ns("aws.backupCopy.region")} = ${JSON.stringify(copyRegion)}`;
    const partition = stackRegion ? partitionOf(stackRegion) : "aws";
    const sameRegion = AWS_REGIONS.filter((r) => partitionOf(r) === partition && r !== stackRegion);
    if (!AWS_REGIONS.includes(copyRegion)) return [`${key}: no such AWS region (the AWS provider's region list); allowed: ${sameRegion.join(", ")}`];
    if (copyRegion === stackRegion) return [`${key}: the stack's own region (aws:region); allowed: another region, so a regional outage or a compromised region leaves a copy`];
    if (partitionOf(copyRegion) !== partition) return [`${key}: a region of partition ${partitionOf(copyRegion)}, and the stack's ${stackRegion} is in ${partition}; AWS Backup copies within a partition; allowed: ${sameRegion.join(", ")}`];
    return [];
}

/**
 * The widest source network `aws.grafanaAllowedCidrs` takes: a /8. The allowlist narrows who
 * reaches Grafana's sign-in on top of Cognito; a wider block (a /0 is every address) allows
 * more than 16 million addresses, which is no narrowing, and leaving the key out already means
 * any address, said plainly.
 */
export const GRAFANA_CIDR_WIDEST_PREFIX = 8;

export function grafanaCidrProblems(cidrs: readonly string[] | undefined): string[] {
    const problems: string[] = [];
    for (const [i, cidr] of (cidrs ?? []).entries()) {
        const [address, bits] = cidr.split("/");
        const prefix = Number(bits);
        const key = `${ns(`aws.grafanaAllowedCidrs.${i}`)} = ${JSON.stringify(cidr)}`;
        if (prefix < GRAFANA_CIDR_WIDEST_PREFIX) {
            problems.push(`${key}: a /${prefix} allows ${2 ** (32 - prefix)} addresses, which narrows nothing (${prefix === 0 ? "a /0 is every address" : "more than a /8"}); allowed: networks of /${GRAFANA_CIDR_WIDEST_PREFIX} or narrower (e.g. 203.0.113.0/24), or leave the key out for any address`);
            continue;
        }
        const value = address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
        const hostBits = value % 2 ** (32 - prefix);
        if (hostBits !== 0) {
            const network = value - hostBits;
            const dotted = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join(".");
            problems.push(`${key}: host bits set below the /${prefix} prefix (the network is ${dotted}/${prefix}); allowed: the network address, ${dotted}/${prefix}`);
        }
    }
    return problems;
}

/** Namespaces the cluster itself uses: the platform's resources there would mix with the cluster's own, and its NetworkPolicies would fence them. */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

/**
 * `kubernetes.*`: a namespace of the app's own (not the cluster's, and neither it nor its
 * `-monitoring`/`-operators` companions another app's by default), a context not named after another app's stack, and
 * no empty class names (Kubernetes reads `storageClassName: ""` as "no class": claims wait for a
 * hand-made volume; an empty ingress class or issuer routes and signs nothing).
 */
export function kubernetesProblems(
    app: AppId,
    env: Env,
    k8s: { context?: string; namespace?: string; storageClass?: string; ingressClass?: string; ingressNamespace?: string; clusterIssuer?: string } | undefined,
): string[] {
    if (!k8s) return [];
    const problems: string[] = [];
    const others = APP_IDS.filter((a) => a !== app);
    const namespace = k8s.namespace;
    if (namespace !== undefined) {
        const key = `${ns("kubernetes.namespace")} = ${JSON.stringify(namespace)}`;
        // A stack's namespaces: the app's, `<ns>-monitoring` and `<ns>-operators` (capabilities/kubernetes/names.ts); another app's are theirs by default.
        const spaces = (n: ReturnType<typeof names>) => [n.namespace, n.monitoring, n.operators];
        const mine = spaces(names(app, namespace));
        const owner = others.find((a) => spaces(names(a, a)).some((theirs) => mine.includes(theirs)));
        if ((SYSTEM_NAMESPACES as readonly string[]).includes(namespace) || namespace.startsWith("kube-")) {
            problems.push(`${key}: a namespace of the cluster itself (${SYSTEM_NAMESPACES.join(", ")}, kube-*); allowed: a namespace of this app's own, e.g. ${app} (the default)`);
        } else if (owner) {
            problems.push(`${key}: it or its -monitoring/-operators namespace is app ${owner}'s (${spaces(names(owner, owner)).join(", ")}); two apps in one namespace take over each other's resources (docs/kubernetes.md); allowed: a namespace of this app's own, e.g. ${app} (the default)`);
        }
    }
    if (k8s.ingressNamespace !== undefined) {
        // The service ports admit the ingress controller's namespace; naming one of the stack's own would admit nothing new and leave the controller out.
        const own = names(app, namespace ?? app);
        const mine = [own.namespace, own.monitoring, own.operators];
        if (mine.includes(k8s.ingressNamespace)) {
            problems.push(
                `${ns("kubernetes.ingressNamespace")} = ${JSON.stringify(k8s.ingressNamespace)}: one of this stack's own namespaces (${mine.join(", ")}), so the ingress controller (which runs in a namespace of its own) would be shut out of the app's service ports; allowed: the namespace the cluster's ingress controller runs in, or leave the key out for ${DEFAULT_INGRESS_NAMESPACE}`,
            );
        }
    }
    const otherStack = others.map((a) => `${a}-${env}`).find((s) => k8s.context === s);
    if (otherStack) problems.push(`${ns("kubernetes.context")} = ${JSON.stringify(k8s.context)}: the context of stack ${otherStack}; two apps' stacks on one context take over each other's operators and CRDs (docs/kubernetes.md); allowed: the context of this app's ${env} cluster`);
    const empty: Record<string, string> = {
        storageClass: "Kubernetes reads an empty storageClassName as no class, so the volume claims wait for a volume made by hand; allowed: a StorageClass of the cluster, or leave the key out for the cluster's default class",
        ingressClass: "an ingress with an empty class is served by no controller; allowed: the cluster's IngressClass name, or leave the key out",
        clusterIssuer: "certificates with an empty issuer are never signed; allowed: a cert-manager ClusterIssuer name, or leave the key out",
    };
    for (const [field, why] of Object.entries(empty)) {
        const value = k8s[field as keyof typeof k8s];
        if (value !== undefined && value.trim() === "") problems.push(`${ns(`kubernetes.${field}`)} = ${JSON.stringify(value)}: ${why}`);
    }
    return problems;
}

/** Hosts published twice: two services on one host, or Grafana's on a service's; each names the keys and the host. */
export function duplicateHostProblems(hosts: Readonly<Record<string, string>>, configured: Readonly<Record<string, string>>, grafana: { host?: string; configured: boolean }): string[] {
    const problems: string[] = [];
    const keyOf = (service: string) => (service in configured ? ns(`hosts.${service}`) : `${ns(`hosts.${service}`)} (the runbook's default)`);
    const byHost = new Map<string, string[]>();
    for (const [service, host] of Object.entries(hosts)) byHost.set(host, [...(byHost.get(host) ?? []), service]);
    for (const [host, services] of byHost) {
        if (services.length > 1) problems.push(`${services.map(keyOf).join(", ")} = ${JSON.stringify(host)}: services ${services.join(" and ")} on one host, and a host routes to one service; allowed: a host of each service's own`);
    }
    const taken = grafana.host ? Object.entries(hosts).find(([, h]) => h === grafana.host) : undefined;
    if (taken) {
        const key = grafana.configured ? ns("aws.grafanaHost") : `${ns("aws.grafanaHost")} (default, grafana. before ${keyOf(Object.keys(hosts)[0])}'s parent domain)`;
        problems.push(`${key} = ${JSON.stringify(grafana.host)}: service ${taken[0]} is served on this host; allowed: a host of its own`);
    }
    return problems;
}
