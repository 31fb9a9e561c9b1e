import { z } from "zod";
import { applyOverrides, overridableKeys, OverrideError, type AppliedOverride, type Exception } from "../runbooks/overrides";
import { getRunbook, type AppId, type Env, type Runbook } from "../runbooks";
import { DEFAULT_TARGET, TARGETS, type Target } from "../capabilities/targets";
import { awsProblems } from "../capabilities/aws/validate";
import { imagePinProblem } from "../capabilities/images";
import { parseQuotaException, QUOTA_EXCEPTION_PREFIX } from "../capabilities/quotas";

export { imagePinProblem, MOVING_TAGS } from "../capabilities/images";
export { allStacks, ConfigError, OPERATOR_SECRETS, OPTIONAL_OPERATOR_SECRETS, PAGED_ENVS, parseStackName, PROJECT, type OperatorSecret } from "../capabilities/stacks";
import { ConfigError, OPERATOR_SECRETS, OPTIONAL_OPERATOR_SECRETS, parseStackName, PROJECT } from "../capabilities/stacks";
import { grafanaHost } from "../capabilities/aws/grafana";
import { allowedAccountIds, backupCopyAccountProblems, backupCopyRegionProblems, duplicateHostProblems, grafanaCidrProblems, kubernetesProblems, parseValue } from "./settings-checks";

/**
 * Stack configuration: the one place config enters the program. `resolveStack` is pure (it takes
 * the flat config map Pulumi holds), so the offline plan, the tests and `pulumi up` all run the
 * same validation, and a bad value stops the program before any resource is registered.
 */


const imageSchema = z.string().superRefine((s, ctx) => {
    const problem = imagePinProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const hostSchema = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/, { message: "not a DNS host name (allowed: e.g. api.example.com)" });

export const settingsSchema = z
    .object({
        target: z.enum(TARGETS).optional(),
        /** Image per runbook service, pinned. */
        images: z.record(z.string(), imageSchema),
        /** Public host per service; defaults to the runbook's host (prefixed with the env outside production). */
        hosts: z.record(z.string(), hostSchema).optional(),
        /** Runbook numbers this stack changes, by dotted key (see runbooks/overrides.ts). */
        overrides: z.record(z.string(), z.union([z.number(), z.string()], { message: "expected a number (a threshold, retention or replica count) or a string (a duration like 5m, a cron)" })).optional(),
        /** Loosenings the stack is allowed, each with a reason a reviewer can judge. */
        exceptions: z
            .array(z.object({ key: z.string(), reason: z.string().min(20, { message: "a reason of at least 20 characters is required" }) }).strict())
            .optional(),
        /** Protect stateful resources from deletion; defaults to true in production. */
        protect: z.boolean().optional(),
        kubernetes: z
            .object({
                /** kubeconfig context to use; defaults to the kubeconfig's current context. */
                context: z.string().optional(),
                /** Namespace for the app; defaults to the app id. */
                namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: "not a namespace name (allowed: lowercase letters, digits, '-')" }).optional(),
                storageClass: z.string().optional(),
                ingressClass: z.string().optional(),
                /** Namespace the cluster's ingress controller runs in: the only other namespace the app's service ports admit; defaults to DEFAULT_INGRESS_NAMESPACE (capabilities/kubernetes/security.ts). */
                ingressNamespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: "not a namespace name (allowed: lowercase letters, digits, '-'; the ingress controller's namespace, e.g. ingress-nginx)" }).optional(),
                /** cert-manager ClusterIssuer for ingress certificates. */
                clusterIssuer: z.string().optional(),
            })
            .strict()
            .optional(),
        docker: z.object({ host: z.string().optional() }).strict().optional(),
        /** Alert delivery beyond pager and chat, for targets whose Alertmanager sends it (docker, kubernetes). */
        alerting: z
            .object({
                /** The mail relay for the runbook's alert e-mail address; its password is the secret `smtpPassword`. */
                smtp: z
                    .object({
                        smarthost: z.string().regex(/^[a-z0-9.-]+:\d{1,5}$/, { message: "not host:port (allowed: e.g. smtp.example.com:587)" }),
                        from: z.email({ message: "not an e-mail address (allowed: e.g. alertmanager@example.com)" }),
                        authUsername: z.string().min(1).optional(),
                    })
                    .strict(),
            })
            .strict()
            .optional(),
        aws: z
            .object({
                /** An existing Route 53 hosted zone for certificate validation and ALB aliases. */
                hostedZoneId: z.string().optional(),
                /** Grafana's public host; defaults to `grafana.<parent domain of the app's first public host>`. */
                grafanaHost: hostSchema.optional(),
                /** Source networks allowed to reach Grafana's host, on top of its Cognito sign-in; defaults to any address. */
                grafanaAllowedCidrs: z
                    .array(z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/, { message: "not an IPv4 CIDR (allowed: e.g. 203.0.113.0/24)" }))
                    .min(1, { message: "an empty allowlist would shut Grafana to everyone (allowed: 1-4 CIDRs, or leave the key out)" })
                    .max(4, { message: "a listener rule takes 5 condition values and Grafana's host is one (allowed: at most 4 CIDRs)" })
                    .optional(),
                /**
                 * A copy of every backup in a vault in another region and/or another account (in the stack's region, through
                 * `roleArn`, a role there the deploy assumes), locked in compliance mode; defaults to none.
                 */
                backupCopy: z
                    .object({
                        region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { message: "not an AWS region name (allowed: e.g. us-west-2)" }).optional(),
                        account: z.string().regex(/^\d{12}$/, { message: "not an AWS account id (allowed: 12 digits, e.g. 210987654321, as a quoted string)" }).optional(),
                        roleArn: z
                            .string()
                            .regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]+$/, { message: "not an IAM role ARN (allowed: e.g. arn:aws:iam::210987654321:role/backup-copy-deployer)" })
                            .optional(),
                    })
                    .strict()
                    .optional(),
            })
            .strict()
            .optional(),
    })
    .strict();
export type StackSettings = z.infer<typeof settingsSchema>;

/**
 * Settings not declared in Pulumi.yaml's `config:`, and why: Pulumi makes a declared project key
 * without a default required on every stack, and injects a declared default into every stack that
 * does not set the key. Everything else is declared there (test/firsthour/project-config.test.ts).
 */
export const UNDECLARED_CONFIG: Readonly<Record<string, string>> = {
    target: "its default depends on the environment (local: docker, staging: kubernetes, production: aws); a declared default would apply to every stack",
    protect: "its default depends on the environment (true in production); a declared default would apply to every stack",
    pagerdutyRoutingKey: "`secret: true` would make it required on every stack, local ones included, and a secret takes no default; the program requires it in staging and production and refuses it in plain text",
    slackWebhookUrl: "`secret: true` would make it required on every stack, local ones included, and a secret takes no default; the program requires it in staging and production and refuses it in plain text",
    deadMansSwitchUrl: "optional; `secret: true` would make it required on every stack and a secret takes no default; the program refuses it in plain text",
    smtpPassword: "optional; `secret: true` would make it required on every stack and a secret takes no default; the program refuses it in plain text",
};

export interface PlatformContext {
    readonly stack: string;
    readonly app: AppId;
    readonly env: Env;
    readonly target: Target;
    /** The runbook with this stack's overrides applied: what every component builds from. */
    readonly runbook: Runbook;
    /** The runbook as its team wrote it: what the policy pack holds the stack to. */
    readonly baseline: Runbook;
    readonly overrides: readonly AppliedOverride[];
    readonly exceptions: readonly Exception[];
    readonly settings: StackSettings;
    readonly region?: string;
    /** `aws:profile` and `aws:allowedAccountIds`, passed to the AWS provider the program creates. */
    readonly awsAccess?: { readonly profile?: string; readonly allowedAccountIds?: readonly string[] };
    readonly protect: boolean;
    /** Public host per service. */
    readonly hosts: Readonly<Record<string, string>>;
}




const ns = (key: string) => `${PROJECT}:${key}`;

/** Reads the value at a zod issue path back out of the raw config, for the error message. */
function valueAt(raw: Record<string, unknown>, path: PropertyKey[]): string {
    let v: unknown = raw;
    for (const p of path) v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
    if (v === undefined) return "(missing)";
    // A value with credentials in it (user:password@host) is named without them.
    return JSON.stringify(v).replace(/([\s"/])[^\s"/@:]+:[^\s"/@]+@/g, "$1<credentials>@");
}

/** The keys the schema accepts at a path, for "unknown key" messages. */
function allowedKeysAt(path: PropertyKey[]): string[] {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let schema: any = settingsSchema;
    for (const p of path) {
        schema = typeof p === "number" ? schema?.element : schema?.shape?.[p];
        while (schema?.unwrap) schema = schema.unwrap();
    }
    return Object.keys(schema?.shape ?? {});
}

/**
 * The operator secrets a stack holds in plain text: each must be a Pulumi secret (`secure:` in
 * the stack file), or the pager key, webhook or password sits readable in the repository.
 * `secretKeys` are the keys Pulumi holds as secrets (the engine's PULUMI_CONFIG_SECRET_KEYS,
 * the harness's `secure:` values). The value is never repeated in the message.
 */
export function plaintextSecretProblems(stack: string, config: Readonly<Record<string, string>>, secretKeys: readonly string[]): string[] {
    return [...OPERATOR_SECRETS, ...OPTIONAL_OPERATOR_SECRETS]
        .map(ns)
        .filter((key) => key in config && !secretKeys.includes(key))
        .map(
            (key) =>
                `${key} = (plain text, not shown): a credential must be a Pulumi secret, not plain text in the stack file; allowed: a secret, set with \`pulumi config set --secret ${key} <value> -s ${stack}\` (it replaces the plain value with an encrypted \`secure:\` one)`,
        );
}

/**
 * Config namespaces a stack file may use: this project's, the providers the program creates
 * resources with, and Pulumi's own (`pulumi:tags`). Anything else is a typo the program would
 * silently ignore (`runbook-platfrom:target`), so it is refused.
 */
export const CONFIG_NAMESPACES = [PROJECT, "aws", "kubernetes", "docker", "random", "pulumi"] as const;

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/**
 * Provider keys the program reads. It creates its providers explicitly (components/targets/*),
 * and an explicit provider does not read the stack's `aws:*`, `kubernetes:*` or `docker:*` config
 * by itself: a key not passed on would be ignored silently (a deploy to the wrong account or
 * cluster), so every other key in those namespaces is refused, naming where its setting lives.
 */
export const PROVIDER_KEYS: Readonly<Record<string, string>> = {
    "aws:region": "the region the AWS provider deploys to",
    "aws:profile": "the shared-credentials profile the AWS provider signs with",
    "aws:allowedAccountIds": "a list of the AWS account ids this stack may deploy to (the provider refuses any other)",
    "kubernetes:kubeconfig": "the kubeconfig the Kubernetes provider reads (a secret); the context is runbook-platform:kubernetes.context",
};
const PROVIDER_NAMESPACES = ["aws", "kubernetes", "docker", "random"] as const;
const PROVIDER_KEY_HOMES: Readonly<Record<string, string>> = {
    "kubernetes:context": `${PROJECT}:kubernetes.context`,
    "docker:host": `${PROJECT}:docker.host`,
};

/**
 * Packages whose default provider every stack disables (`pulumi:disable-default-providers`): the
 * program creates their providers itself (components/targets/*), and a resource that slipped onto a
 * default one would deploy with whatever credentials, region, cluster context or Docker host the
 * shell holds. The engine then refuses such a resource. `random` keeps its default provider: it
 * has no credentials or settings to get wrong, and moving the generated passwords to another
 * provider would be a provider change on every one of them in every deployed stack.
 */
export const DISABLED_DEFAULT_PROVIDERS = ["aws", "docker", "kubernetes"] as const;
export const DISABLE_DEFAULT_PROVIDERS_KEY = "pulumi:disable-default-providers";

/** `pulumi:disable-default-providers`, when set: a list naming every package of DISABLED_DEFAULT_PROVIDERS and not `random` or `*` (the passwords use random's default provider). */
export function defaultProviderProblems(config: Readonly<Record<string, string>>): string[] {
    const raw = config[DISABLE_DEFAULT_PROVIDERS_KEY];
    if (raw === undefined) return [];
    const list = parseValue(raw);
    const allowed = `allowed: a list of package names holding ${DISABLED_DEFAULT_PROVIDERS.join(", ")}, e.g. ${JSON.stringify(DISABLED_DEFAULT_PROVIDERS)}`;
    if (!Array.isArray(list) || !list.every((p) => typeof p === "string")) return [`${DISABLE_DEFAULT_PROVIDERS_KEY} = ${raw}: not a list of package names; ${allowed}`];
    const names = list.map((p: string) => p.trim());
    const problems: string[] = [];
    const missing = DISABLED_DEFAULT_PROVIDERS.filter((p) => !names.includes(p));
    if (missing.length) problems.push(`${DISABLE_DEFAULT_PROVIDERS_KEY} = ${JSON.stringify(list)}: leaves the default provider of ${missing.join(", ")} on, so a resource without the program's provider would deploy with the shell's credentials or context; ${allowed}`);
    const refused = names.filter((p) => p === "*" || p === "random");
    if (refused.length) problems.push(`${DISABLE_DEFAULT_PROVIDERS_KEY} = ${JSON.stringify(list)}: ${refused.join(", ")} would disable random's default provider, which the generated passwords use (the program gives random no provider of its own); ${allowed}`);
    return problems;
}

/** Keys of the provider namespaces the program would not read, each with where its setting lives. */
export function providerKeyProblems(config: Readonly<Record<string, string>>): string[] {
    const problems: string[] = [];
    for (const key of Object.keys(config)) {
        const space = key.slice(0, Math.max(0, key.indexOf(":")));
        if (!(PROVIDER_NAMESPACES as readonly string[]).includes(space) || key in PROVIDER_KEYS) continue;
        const home = PROVIDER_KEY_HOMES[key];
        problems.push(
            `${key}: the program creates its providers itself and does not read this key${home ? `; set ${home} instead` : ""} (allowed provider keys: ${Object.keys(PROVIDER_KEYS).join(", ")})`,
        );
    }
    const ids = config["aws:allowedAccountIds"];
    if (ids !== undefined) {
        const list = parseValue(ids);
        if (!Array.isArray(list) || list.length === 0 || !list.every((id) => typeof id === "string" && /^[0-9]{12}$/.test(id))) {
            problems.push(`aws:allowedAccountIds = ${JSON.stringify(ids)}: allowed: a list of 12-digit AWS account ids as strings, e.g. ["123456789012"]`);
        }
    }
    return problems;
}

/** Keys whose namespace nothing reads, each with the nearest namespace when it is a likely typo. */
export function namespaceProblems(config: Readonly<Record<string, string>>): string[] {
    const problems: string[] = [];
    for (const key of Object.keys(config)) {
        const colon = key.indexOf(":");
        const space = colon < 0 ? "" : key.slice(0, colon);
        if ((CONFIG_NAMESPACES as readonly string[]).includes(space)) continue;
        const nearest = [...CONFIG_NAMESPACES].sort((a, b) => editDistance(space, a) - editDistance(space, b))[0];
        const close = editDistance(space, nearest) <= Math.max(2, Math.floor(nearest.length / 4));
        const rest = colon < 0 ? key : key.slice(colon + 1);
        problems.push(
            `${key}: unknown namespace "${space}", nothing reads it${close ? `; did you mean ${nearest}:${rest}?` : ""} (allowed namespaces: ${CONFIG_NAMESPACES.join(", ")})`,
        );
    }
    return problems;
}

/**
 * The overrides map in either form the config can hold: dotted keys (`alerts.x.warning.threshold:
 * 3`), or nested maps, which is what `pulumi config set --path 'runbook-platform:overrides.alerts…'`
 * writes. Both become dotted keys; a number given in both forms is refused.
 */
function flattenOverrides(value: unknown, problems: string[]): unknown {
    if (!value || typeof value !== "object" || Array.isArray(value)) return value;
    const flat: Record<string, unknown> = {};
    const walk = (node: Record<string, unknown>, prefix: string) => {
        for (const [k, v] of Object.entries(node)) {
            const key = prefix ? `${prefix}.${k}` : k;
            if (v && typeof v === "object" && !Array.isArray(v)) walk(v as Record<string, unknown>, key);
            else if (key in flat) problems.push(`${ns(`overrides.${key}`)}: given twice, as a dotted key and as nested maps; allowed: one of the two`);
            else flat[key] = v;
        }
    };
    walk(value as Record<string, unknown>, "");
    return flat;
}

/** A number written as a string (`"0.5"`, from a quoted YAML value or `pulumi config set`) is that number. */
const NUMERIC = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$/;

/**
 * Thresholds after the overrides, checked against their unit and direction the way the runbook
 * schema checks the runbook's own: never negative, a percentage within 0 to 100, and the levels
 * of an alert in order (for an `above` alert critical >= warning >= info; reversed for `below`).
 * Each problem names the overridden key and the range it may take.
 */
/**
 * Replica bounds after overrides: each number is checked against the runbook alone, so an
 * override can still leave min above max (ECS and the HPA would refuse it) or desired outside
 * them. Names the keys the stack set.
 */
function scalingProblems(effective: Runbook, applied: readonly AppliedOverride[]): string[] {
    const problems: string[] = [];
    for (const svc of effective.services) {
        const { min, desired, max } = svc.scaling;
        if (min <= desired && desired <= max) continue;
        const set = applied.filter((o) => o.key.startsWith(`services.${svc.name}.scaling.`)).map((o) => ns(`overrides.${o.key}`));
        problems.push(
            `${set.length ? set.join(", ") : ns(`overrides.services.${svc.name}.scaling`)}: leave ${svc.name} with min ${min}, desired ${desired}, max ${max}; allowed: min <= desired <= max (raise max with an exception where the runbook's is too low)`,
        );
    }
    return problems;
}

function thresholdProblems(baseline: Runbook, effective: Runbook, applied: readonly AppliedOverride[]): string[] {
    const problems: string[] = [];
    const rank = { info: 0, warning: 1, critical: 2 } as const;
    for (const o of applied) {
        const m = /^alerts\.(.+)\.(critical|warning|info)\.threshold$/.exec(o.key);
        if (!m) continue;
        const alert = effective.alerts.find((a) => a.id === m[1])!;
        const level = alert.levels.find((l) => l.severity === m[2])!;
        const value = level.threshold;
        const above = alert.direction === "above";
        // The range the level may take: its unit's, its neighbours' (as this stack sets them),
        // and, unless an exception allows loosening, the runbook's own level.
        let lo = 0;
        let hi = alert.unit === "percent" ? 100 : Infinity;
        const bounds: string[] = [alert.unit === "percent" ? "a percentage (0 to 100)" : "not negative"];
        for (const other of alert.levels.filter((l) => l !== level)) {
            // above: a severer level sits at or above this one, a milder one at or below; below: the reverse.
            const severer = rank[other.severity] > rank[level.severity];
            if (severer === above) {
                hi = Math.min(hi, other.threshold);
                bounds.push(`no higher than its ${other.severity} level ${other.threshold}`);
            } else {
                lo = Math.max(lo, other.threshold);
                bounds.push(`no lower than its ${other.severity} level ${other.threshold}`);
            }
        }
        if (!o.exception) {
            const runbook = baseline.alerts.find((a) => a.id === alert.id)!.levels.find((l) => l.severity === level.severity)!.threshold;
            if (above) hi = Math.min(hi, runbook);
            else lo = Math.max(lo, runbook);
        }
        if (value < lo || value > hi) {
            const range = hi === Infinity ? `a number >= ${lo}` : lo === hi ? `${lo}` : `a number from ${lo} to ${hi}`;
            problems.push(
                `${ns(`overrides.${o.key}`)} = ${value}: the ${alert.id} alert fires ${alert.direction} its threshold, in ${alert.unit.replace("_", " ")}; the level must be ${bounds.join(", ")}; allowed: ${range}`,
            );
        }
    }
    return problems;
}

/**
 * Validates a stack's config (the flat `project:key` → string map Pulumi keeps) against the
 * schema and the runbook, and resolves everything the components need. With `secretKeys` (the
 * keys Pulumi holds as secrets), an operator credential in plain text is refused too.
 */
export function resolveStack(stack: string, config: Readonly<Record<string, string>>, secretKeys?: readonly string[]): PlatformContext {
    const { app, env } = parseStackName(stack);
    const baseline = getRunbook(app);
    // Listed with every other problem, so one run shows all of them.
    const plaintext = secretKeys ? plaintextSecretProblems(stack, config, secretKeys) : [];
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
        if (k.startsWith(`${PROJECT}:`)) raw[k.slice(PROJECT.length + 1)] = parseValue(v);
    }
    for (const secret of [...OPERATOR_SECRETS, ...OPTIONAL_OPERATOR_SECRETS]) delete raw[secret];
    // An empty map or list sets nothing: it is what Pulumi.yaml's declared defaults inject.
    for (const [key, value] of Object.entries(raw)) {
        const empty = Array.isArray(value) ? value.length === 0 : !!value && typeof value === "object" && Object.keys(value).length === 0;
        if (empty && key in settingsSchema.shape && key !== "images") delete raw[key];
    }
    const early = [...plaintext, ...namespaceProblems(config), ...providerKeyProblems(config), ...defaultProviderProblems(config)];
    if ("overrides" in raw) raw.overrides = flattenOverrides(raw.overrides, early);

    const parsed = settingsSchema.safeParse(raw);
    if (!parsed.success) {
        throw new ConfigError(stack, [
            ...early,
            ...parsed.error.issues.map((i) => {
                if (i.code === "unrecognized_keys") {
                    const where = i.path.length ? `${ns(i.path.join("."))}.` : `${PROJECT}:`;
                    return `${i.keys.map((k) => `${where}${k}`).join(", ")}: unknown key; allowed: ${allowedKeysAt(i.path).join(", ")}`;
                }
                return `${ns(i.path.join("."))} = ${valueAt(raw, i.path)}: ${i.message}`;
            }),
        ]);
    }
    const settings = parsed.data;
    const problems: string[] = [...early];

    const services = baseline.services.map((s) => s.name);
    for (const svc of services) {
        if (!settings.images[svc]) problems.push(`${ns(`images.${svc}`)} = (missing): the runbook runs service "${svc}"; allowed: a pinned image reference`);
    }
    for (const name of Object.keys(settings.images)) {
        if (!services.includes(name)) problems.push(`${ns(`images.${name}`)} = ${JSON.stringify(settings.images[name])}: no such service in the ${app} runbook; allowed: ${services.join(", ")}`);
    }
    for (const name of Object.keys(settings.hosts ?? {})) {
        if (!services.includes(name)) problems.push(`${ns(`hosts.${name}`)}: no such service in the ${app} runbook; allowed: ${services.join(", ")}`);
    }

    const target = settings.target ?? DEFAULT_TARGET[env];
    const region = config["aws:region"];
    if (target === "aws") {
        if (!region) problems.push(`aws:region = (missing): the aws target needs a region; the runbook's is ${baseline.aws.region}`);
        else if (region !== baseline.aws.region && !settings.exceptions?.some((e) => e.key === "aws.region")) {
            problems.push(`aws:region = "${region}": the runbook runs in ${baseline.aws.region}; allowed: ${baseline.aws.region}, or an exception for key aws.region`);
        }
    }
    if (target === "kubernetes" && !settings.kubernetes?.context) {
        problems.push(
            `${ns("kubernetes.context")} = (missing): a Kubernetes stack names its cluster's kubeconfig context; the operators, CRDs and chart releases are cluster-wide, so two apps' stacks on one context would take over each other's (docs/kubernetes.md); allowed: the context of this app's ${env} cluster`,
        );
    }
    if (target !== "kubernetes" && settings.kubernetes) problems.push(`${ns("kubernetes")}: set, but this stack's target is ${target}; allowed only with target kubernetes`);
    if (target !== "docker" && settings.docker) problems.push(`${ns("docker")}: set, but this stack's target is ${target}; allowed only with target docker`);
    if (target !== "aws" && settings.aws) problems.push(`${ns("aws")}: set, but this stack's target is ${target}; allowed only with target aws`);
    if (target === "aws") {
        const why = "the aws target delivers through SNS (the runbook's e-mail as a subscription, a CloudWatch alarm on the Watchdog's heartbeat)";
        if (settings.alerting) problems.push(`${ns("alerting")}: set, but ${why}; allowed only with target docker or kubernetes`);
        for (const secret of OPTIONAL_OPERATOR_SECRETS) if (ns(secret) in config) problems.push(`${ns(secret)}: set, but ${why}; allowed only with target docker or kubernetes`);
    }
    const smtp = settings.alerting?.smtp;
    if (smtp && !baseline.incident.channels.email) problems.push(`${ns("alerting.smtp")}: set, but the ${app} runbook names no alert e-mail address; allowed only where incident.channels.email is set`);
    if (ns("smtpPassword") in config && !smtp?.authUsername) problems.push(`${ns("smtpPassword")}: set without ${ns("alerting.smtp.authUsername")}; allowed: both, or neither`);
    // Production state is protected, with no exception: the pack's protect findings are mandatory and take none (README "Stack configuration").
    if (env === "production" && settings.protect === false) {
        const declared = settings.exceptions?.some((e) => e.key === "protect") ? " (an exception for key protect does not lift this)" : "";
        problems.push(`${ns("protect")} = false: production's databases, volumes and backups must be protected from deletion${declared}; allowed: true, or leave the key out`);
    }
    problems.push(...kubernetesProblems(app, env, settings.kubernetes));
    if (target === "aws") problems.push(...grafanaCidrProblems(settings.aws?.grafanaAllowedCidrs));

    const slots = overridableKeys(baseline);
    const overrides = Object.entries(settings.overrides ?? {}).map(([key, value]) => {
        const kind = slots.get(key)?.kind;
        const numeric = (kind === "threshold" || kind === "min-int") && typeof value === "string" && NUMERIC.test(value);
        return { key, value: numeric ? Number(value) : value };
    });
    // Raised cloud quotas are read by the pack's quota policy, not applied to the runbook.
    for (const e of settings.exceptions ?? []) {
        const raised = parseQuotaException(e.key);
        if (raised && "problem" in raised) problems.push(`${ns("exceptions")}: ${raised.problem}`);
    }
    const exceptions = (settings.exceptions ?? []).filter((e) => e.key !== "aws.region" && e.key !== "protect" && !e.key.startsWith(QUOTA_EXCEPTION_PREFIX));
    let effective = baseline;
    let applied: AppliedOverride[] = [];
    try {
        ({ runbook: effective, applied } = applyOverrides(baseline, overrides, exceptions));
    } catch (e) {
        if (!(e instanceof OverrideError)) throw e;
        problems.push(`${ns(`${e.list}.${e.key}`)} = ${JSON.stringify(e.value)}: ${e.allowed}`);
    }
    problems.push(...thresholdProblems(baseline, effective, applied));
    problems.push(...scalingProblems(effective, applied));
    if (target === "aws" && applied.length) {
        // What AWS cannot run, found at the edge when this stack's overrides caused it, naming them.
        const before = new Set(awsProblems(baseline));
        for (const p of awsProblems(effective).filter((p) => !before.has(p))) {
            problems.push(`${applied.map((o) => ns(`overrides.${o.key}`)).join(", ")}: ${p}`);
        }
    }
    const hosts: Record<string, string> = {};
    for (const svc of baseline.services) {
        const host = settings.hosts?.[svc.name] ?? (svc.host && (env === "production" ? svc.host : `${env}.${svc.host}`));
        if (host) hosts[svc.name] = host;
    }
    const grafana = target === "aws" ? { host: grafanaHost(settings.aws?.grafanaHost, hosts), configured: !!settings.aws?.grafanaHost } : { configured: false };
    problems.push(...duplicateHostProblems(hosts, settings.hosts ?? {}, grafana));
    problems.push(...backupCopyRegionProblems(settings.aws?.backupCopy?.region, region));
    problems.push(...backupCopyAccountProblems(settings.aws?.backupCopy, config));
    if (problems.length) throw new ConfigError(stack, problems);

    return {
        stack,
        app,
        env,
        target,
        // Each service's host is the one this stack serves it on: probes, certificates and routes agree.
        runbook: { ...effective, services: effective.services.map((s) => (hosts[s.name] ? { ...s, host: hosts[s.name] } : s)) },
        baseline,
        overrides: applied,
        exceptions: settings.exceptions ?? [],
        settings,
        region: target === "aws" ? region : undefined,
        awsAccess:
            target === "aws"
                ? {
                      ...(config["aws:profile"] ? { profile: config["aws:profile"] } : {}),
                      ...(config["aws:allowedAccountIds"] ? { allowedAccountIds: allowedAccountIds(config) } : {}),
                  }
                : undefined,
        protect: settings.protect ?? env === "production",
        hosts,
    };
}
