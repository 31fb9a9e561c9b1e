import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CronExpressionParser } from "cron-parser";
import YAML from "yaml";
import type { PlannedResource, StackPlan } from "../../../cli/harness/runtime";
import { APP_IDS, type AppId } from "../../../runbooks";

export const APPS: readonly AppId[] = APP_IDS;
export const STACKS = APPS.map((app) => `${app}-staging`);

/** The namespace the stack file gives the app (what `settings.kubernetes.namespace` holds), read from the file itself. */
export function stackNamespace(app: AppId): string {
    const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "stacks", `Pulumi.${app}-staging.yaml`), "utf8")) as { config: Record<string, any> };
    return doc.config["runbook-platform:kubernetes"]?.namespace ?? app;
}

export const byType = (plan: StackPlan, type: string): PlannedResource[] => plan.resources.filter((r) => r.type === type);

export const K = {
    namespace: "kubernetes:core/v1:Namespace",
    configMap: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    service: "kubernetes:core/v1:Service",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    cronJob: "kubernetes:batch/v1:CronJob",
    job: "kubernetes:batch/v1:Job",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    release: "kubernetes:helm.sh/v3:Release",
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
    probe: "kubernetes:monitoring.coreos.com/v1:Probe",
    cnpgCluster: "kubernetes:postgresql.cnpg.io/v1:Cluster",
    scheduledBackup: "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
    kafka: "kubernetes:kafka.strimzi.io/v1beta2:Kafka",
    nodePool: "kubernetes:kafka.strimzi.io/v1beta2:KafkaNodePool",
    topic: "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic",
    kafkaUser: "kubernetes:kafka.strimzi.io/v1beta2:KafkaUser",
    triggerAuthentication: "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
    scaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
    certificate: "kubernetes:cert-manager.io/v1:Certificate",
    provider: "pulumi:providers:kubernetes",
    password: "random:index/randomPassword:RandomPassword",
} as const;

/** Kubernetes objects: everything of the kubernetes provider but Helm releases (which are not API objects). */
export function k8sObjects(plan: StackPlan): PlannedResource[] {
    return plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== K.release);
}

/** The pod spec of a workload of any kind. */
export function podSpecOf(r: PlannedResource): Record<string, any> | undefined {
    const p = r.props as Record<string, any>;
    if (r.type === K.cronJob) return p.spec?.jobTemplate?.spec?.template?.spec;
    if (r.type === K.deployment || r.type === K.statefulSet || r.type === K.job) return p.spec?.template?.spec;
    return undefined;
}

export function podLabelsOf(r: PlannedResource): Record<string, string> {
    const p = r.props as Record<string, any>;
    return (r.type === K.cronJob ? p.spec?.jobTemplate?.spec?.template?.metadata?.labels : p.spec?.template?.metadata?.labels) ?? {};
}

export const nameOf = (r: PlannedResource): string => (r.props as any).metadata?.name;
export const nsOf = (r: PlannedResource): string | undefined => (r.props as any).metadata?.namespace;

/**
 * The kubernetes-models class of an apiVersion/kind (ESM-only packages: loaded with import()),
 * or undefined for kinds no package models (KEDA's ScaledObject).
 */
export async function modelFor(apiVersion: string, kind: string): Promise<(new (data: unknown) => { validate(): void }) | undefined> {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const thirdParty: Record<string, string> = {
        "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
        "kafka.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
        "postgresql.cnpg.io": "@kubernetes-models/cloudnative-pg",
    };
    const core = ["", "apps", "batch", "autoscaling", "policy", "networking.k8s.io"];
    let spec: string | undefined;
    if (core.includes(group)) spec = `kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`;
    else if (thirdParty[group]) spec = `${thirdParty[group]}/${group}/${version}/${kind}`;
    if (!spec) return undefined;
    const mod = (await import(spec)) as Record<string, new (data: unknown) => { validate(): void }>;
    const cls = mod[kind];
    if (!cls) throw new Error(`${spec} exports no ${kind}`);
    return cls;
}

/** The next `count` fire times of a cron expression (five fields, or six with seconds first), UTC. */
export function fireTimes(expr: string, count = 50, from = "2026-01-01T00:00:00Z"): string[] {
    const it = CronExpressionParser.parse(expr, { tz: "UTC", currentDate: new Date(from) });
    return Array.from({ length: count }, () => it.next().toISOString() ?? "");
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `k8s-${prefix}-`));
}

/** Runs a tool; returns its status and output instead of throwing. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): { status: number; out: string } {
    try {
        const out = execFileSync(cmd, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], env: opts.env ?? process.env, input: opts.input });
        return { status: 0, out };
    } catch (e) {
        const err = e as { status?: number; stdout?: string; stderr?: string };
        return { status: err.status ?? 1, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
    }
}

/** Exact semver: what a pinned chart version looks like. */
export const EXACT_SEMVER = /^\d+\.\d+\.\d+$/;
