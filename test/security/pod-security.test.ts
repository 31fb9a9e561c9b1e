import test from "ava";
import { planStack } from "../../cli/harness/runtime";
import { APP_IDS, type AppId } from "../../runbooks";
import { landsIn, releaseInput, render, type K8sObject } from "../providers/helm";
import { objectId, podSecurityFindings, type PssFinding } from "./pod-security";

/**
 * `@monokle/validation`'s Pod Security Standards, every rule (restricted included) as an error,
 * over every Kubernetes object the staging stacks create: the program's own objects from the plan
 * and what each Helm release renders offline (`helm template` of the vendored chart with the
 * plan's values, as test/providers/charts.test.ts does). Pods that operators create at run time
 * (CloudNativePG's instances, Strimzi's brokers) are not in either and are not checked here.
 * Zero findings, or an exception below with its reason; a stale exception fails.
 */

const RELEASE = "kubernetes:helm.sh/v3:Release";

export interface PssException {
    /** `Kind/namespace/name`. */
    readonly object: RegExp;
    readonly rules: readonly string[];
    readonly path?: RegExp;
    /** A condition the object must still meet for the exception to hold (checked per finding). */
    readonly holds?: (o: K8sObject, path: string) => boolean;
    readonly reason: string;
}

const podSpecAt = (o: K8sObject, path: string): any => {
    const prefix = path.match(/^(spec(?:\.jobTemplate\.spec)?(?:\.template\.spec)?)\./)?.[1];
    return prefix?.split(".").reduce((x: any, k) => x?.[k], o);
};
const containerAt = (o: K8sObject, path: string): any => {
    const m = path.match(/\.(containers|initContainers)\.(\d+)\./);
    return m ? podSpecAt(o, path)?.[m[1]]?.[Number(m[2])] : undefined;
};

export const PSS_EXCEPTIONS: readonly PssException[] = [
    {
        object: /.*/,
        rules: ["PSS203"],
        path: /\.(containers|initContainers)\.\d+\.securityContext\.runAsNonRoot$/,
        holds: (o, path) => podSpecAt(o, path)?.securityContext?.runAsNonRoot === true && containerAt(o, path)?.securityContext?.runAsNonRoot !== false && containerAt(o, path)?.securityContext?.runAsUser !== 0,
        reason:
            "monokle's PSS203 asks for runAsNonRoot on each container; the standard's restricted profile (kubernetes.io, Pod Security Standards, \"Running as Non-root\") is met by the pod's spec.securityContext.runAsNonRoot: true, which this pod sets and no container overrides. The charts (Loki, Grafana, kube-state-metrics, the Prometheus operator and its admission jobs, KEDA, CloudNativePG) set it there",
    },
    {
        object: /^DaemonSet\/[^/]+-monitoring\/kps-prometheus-node-exporter$/,
        rules: ["PSS102", "PSS105", "PSS201"],
        reason: "node-exporter reports the node's own CPU, memory, disk and network: it reads /proc, /sys and / of the host (read-only hostPath) in the host's PID and network namespaces. It runs non-root with every capability dropped and a read-only root, in the monitoring namespace, which Pod Security Admission admits as privileged for it (capabilities/kubernetes/security.ts namespaceLabels)",
    },
    {
        object: /^DaemonSet\/[^/]+-monitoring\/promtail$/,
        rules: ["PSS105", "PSS201", "PSS203", "PSS204"],
        reason: "Promtail tails the node's container logs (/var/log/pods, hostPath, readable by root only) and keeps its read positions on the node; the chart runs it as UID 0 for that. It keeps no capability, no privilege escalation and a read-only root (test/providers/workload-rules.ts lists the same exception)",
    },
];

interface Source {
    readonly app: AppId;
    readonly from: string;
    readonly objects: K8sObject[];
}

const sources: Source[] = [];
test.before(async () => {
    for (const app of APP_IDS) {
        const plan = await planStack(`${app}-staging`);
        const own = plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== RELEASE).map((r) => r.props as unknown as K8sObject);
        sources.push({ app, from: "the program", objects: own });
        for (const r of plan.resources.filter((x) => x.type === RELEASE)) {
            const rel = releaseInput(r);
            // Helm fills in the release's namespace where a chart's template leaves it out.
            sources.push({ app, from: `${rel.chart} ${rel.version}`, objects: render(rel).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: landsIn(o, rel) } })) });
        }
    }
});

const excused = (f: PssFinding, o: K8sObject) => PSS_EXCEPTIONS.find((e) => e.object.test(f.object) && e.rules.includes(f.rule) && (!e.path || e.path.test(f.path)) && (!e.holds || e.holds(o, f.path)));

/** A chart's `helm test` pod is not installed by the release. */
const isTestHook = (o: K8sObject) => /test/.test(o.metadata.annotations?.["helm.sh/hook"] ?? "");

test("pod security standards (restricted): every staging object passes monokle, or is excepted with a reason", async (t) => {
    const used = new Set<PssException>();
    const unexcused: string[] = [];
    let rules: string[] = [];
    for (const s of sources) {
        const objects = s.objects.filter((o) => !isTestHook(o));
        const r = await podSecurityFindings(objects);
        rules = r.rules;
        for (const f of r.findings) {
            const e = excused(f, objects.find((o) => objectId(o) === f.object)!);
            if (e) used.add(e);
            else unexcused.push(`${s.app}-staging (${s.from}): ${f.object} ${f.rule} ${f.path}`);
        }
    }
    t.true(rules.length >= 17, `monokle ran ${rules.length} PSS rules`);
    t.deepEqual(unexcused, []);
    for (const e of PSS_EXCEPTIONS) t.true(used.has(e), `stale exception: ${e.object} ${e.rules.join(",")} excuses nothing`);
});

test("pod security standards: a loosened app Deployment is found, and no exception excuses it", async (t) => {
    const own = sources.find((s) => s.from === "the program")!;
    const app = own.objects.find((o) => o.kind === "Deployment" && o.spec?.template?.metadata?.labels?.["app.kubernetes.io/component"] === "app")!;
    t.truthy(app, "the program renders an app Deployment");
    const loose = structuredClone(app);
    const pod = loose.spec.template.spec;
    pod.securityContext = { ...pod.securityContext, runAsNonRoot: false, runAsUser: 0 };
    pod.containers[0].securityContext = { ...pod.containers[0].securityContext, runAsNonRoot: false, allowPrivilegeEscalation: true, capabilities: { add: ["NET_ADMIN"] } };
    const { findings } = await podSecurityFindings([loose]);
    const rules = new Set(findings.filter((f) => !excused(f, loose)).map((f) => f.rule));
    for (const rule of ["PSS202", "PSS203", "PSS204", "PSS206"]) t.true(rules.has(rule), `${rule} finds ${objectId(app)} loosened`);
});
