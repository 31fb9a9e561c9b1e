import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import type { PlannedResource } from "../../cli/harness/runtime";

/**
 * Renders the stacks' Helm releases offline: the helm binary .ci/helm.sh installs, the chart
 * sources vendored under test/fixtures/charts/<chart>-<version>/ (test/fixtures/charts/README.md),
 * the release's exact values from the plan.
 */

export const CHARTS_DIR = path.join(__dirname, "..", "fixtures", "charts");

/** The oldest Kubernetes docs/kubernetes.md supports: charts gate templates on it. */
export const KUBE_VERSION = "1.27.0";
/** A current Kubernetes, to catch templates gated the other way (removed API versions). */
export const KUBE_VERSION_CURRENT = "1.33.0";

/**
 * API groups the cluster serves beyond the built-in ones once the stack's releases are in:
 * kube-prometheus-stack installs the Prometheus operator's CRDs, which the other charts test for
 * before rendering their ServiceMonitors and PodMonitors.
 */
export const EXTRA_API_VERSIONS = [
    "monitoring.coreos.com/v1",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "monitoring.coreos.com/v1/PodMonitor",
    "monitoring.coreos.com/v1/PrometheusRule",
    "monitoring.coreos.com/v1/Probe",
];

/** Where .ci/helm.sh puts the binary (keep in step with it). */
export function helmPath(): string {
    const dir = process.env.RUNBOOK_HELM_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "runbook-platform", "helm-v4.1.4");
    const bin = path.join(dir, "helm");
    if (!fs.existsSync(bin)) throw new Error(`no helm binary at ${bin}: run \`bash .ci/helm.sh\` (part of .ci/setup)`);
    return bin;
}

export interface ReleaseInput {
    readonly name: string;
    readonly chart: string;
    readonly version: string;
    readonly namespace: string;
    readonly values: Record<string, unknown>;
}

/** The release as the plan has it (`kubernetes:helm.sh/v3:Release`), secrets unwrapped. */
export function releaseInput(r: PlannedResource): ReleaseInput {
    const p = r.props as Record<string, unknown>;
    for (const k of ["name", "chart", "version", "namespace"]) {
        if (typeof p[k] !== "string" || p[k] === "") throw new Error(`${r.name}: the Release has no ${k} in the plan`);
    }
    return { name: p.name as string, chart: p.chart as string, version: p.version as string, namespace: p.namespace as string, values: (p.values ?? {}) as Record<string, unknown> };
}

export function chartDir(chart: string, version: string): string {
    const dir = path.join(CHARTS_DIR, `${chart}-${version}`);
    if (!fs.existsSync(path.join(dir, "Chart.yaml"))) {
        throw new Error(`chart ${chart} ${version} is not vendored at ${dir}: add it to test/fixtures/charts/sources.tsv and run test/fixtures/charts/refresh.sh`);
    }
    return dir;
}

export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: any;
    [k: string]: unknown;
}

/** `helm template` of a release: its objects, in order. Throws helm's own error when the chart refuses the values. */
export function render(rel: ReleaseInput, kubeVersion = KUBE_VERSION): K8sObject[] {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "helm-values-"));
    try {
        const valuesFile = path.join(tmp, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(rel.values));
        const args = ["template", rel.name, chartDir(rel.chart, rel.version), "--namespace", rel.namespace, "--values", valuesFile, "--kube-version", kubeVersion];
        for (const api of EXTRA_API_VERSIONS) args.push("--api-versions", api);
        let out: string;
        try {
            out = execFileSync(helmPath(), args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HELM_CACHE_HOME: tmp, HELM_CONFIG_HOME: tmp, HELM_DATA_HOME: tmp } });
        } catch (e) {
            const err = e as { stderr?: string; message: string };
            throw new Error(`helm template ${rel.name} (${rel.chart} ${rel.version}) failed: ${err.stderr || err.message}`);
        }
        return YAML.parseAllDocuments(out)
            .map((d) => d.toJS() as K8sObject | null)
            .filter((o): o is K8sObject => !!o && typeof o === "object" && typeof o.kind === "string");
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** Cluster-scoped kinds: they have no namespace to check. */
export const CLUSTER_SCOPED = new Set([
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
    "PriorityClass",
    "StorageClass",
    "PersistentVolume",
    "IngressClass",
    "RuntimeClass",
    "PodSecurityPolicy",
]);

/** The namespace an object lands in: its own, else the release's (Helm's `--namespace`). */
export function landsIn(o: K8sObject, rel: ReleaseInput): string | undefined {
    if (CLUSTER_SCOPED.has(o.kind)) return undefined;
    return o.metadata.namespace ?? rel.namespace;
}

/** Pod templates of a rendered workload, with where they are. */
export function podSpecs(o: K8sObject): any[] {
    switch (o.kind) {
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "Job":
        case "ReplicaSet":
            return [o.spec?.template?.spec].filter(Boolean);
        case "CronJob":
            return [o.spec?.jobTemplate?.spec?.template?.spec].filter(Boolean);
        case "Pod":
            return [o.spec].filter(Boolean);
        default:
            return [];
    }
}
