import type { StackPlan } from "../../cli/harness/runtime";
import { LABEL } from "../../capabilities/kubernetes/names";
import type { Runbook } from "../../runbooks";
import type { Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Kubernetes guards object by object (issue 13, loop 13): a NetworkPolicy default-deny narrowed or
 * turned to the other direction, a data service opened to another namespace, an address block or
 * the app's every pod (an edited policy, or one more policy); a KEDA ScaledObject whose trigger
 * reads another cluster, measures the total, leaves a stuck partition out, authenticates with
 * nothing or as someone else, idles below its minimum, polls hourly, is paused for scale-out, or
 * has no room to scale; a liveness or startup probe slower than the runbook's ServiceDown level or
 * the platform's start grace, or asking another port or host. Each is one edit of one subject of
 * the baseline plan. `loop13Tightenings` are edits that only tighten: the pack must not report them.
 */

type Planned = StackPlan["resources"][number];
type Edit = (plan: StackPlan) => StackPlan | undefined;

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const KEDA = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const AUTH = "kubernetes:keda.sh/v1alpha1:TriggerAuthentication";
const COVER = ["k8s-networkpolicy-coverage"];
const EGRESS = ["k8s-networkpolicy-coverage", "k8s-networkpolicy-default-deny-egress"];
const TRIGGERS = ["k8s-keda-scaledobject-triggers"];
const EFFECTIVE = ["k8s-autoscaler-effective"];
const PROBES = ["k8s-workload-probes-resources"];


/** One more resource, a copy of `like` under another name, edited. */
function addLike(plan: StackPlan, like: Planned, name: string, edit: (props: Props) => void): StackPlan {
    const r = structuredClone(like);
    const urn = like.urn.replace(/::[^:]+$/, `::${name}`);
    const added = { ...r, urn, name, props: r.props as Props, inputs: structuredClone(r.props) as Props };
    edit(added.props);
    edit(added.inputs);
    return { ...plan, resources: [...plan.resources, added] };
}

const named = (suffix: string) => (r: Planned) => r.type === NP && String((r.props as Props).metadata?.name ?? "").endsWith(suffix);
const appContainer = (p: Props) => p.spec.template.spec.containers[0] as Props;

export function k8sObjectMutations(rb: Runbook, plan: StackPlan): Mutation[] {
    if (plan.target !== "kubernetes") return [];
    const out: Mutation[] = [];
    const one = (match: (r: Planned) => boolean) => plan.resources.find(match);
    const addWhole = (kind: string, policies: string[], r: Planned | undefined, edit: Edit, what: string) => {
        if (r) out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `K:${kind}:${r.urn}`, edit });
    };
    const add = (kind: string, policies: string[], r: Planned | undefined, edit: (p: Props) => void, what: string) => addWhole(kind, policies, r, (pl) => editUrn(pl, r!.urn, edit), what);

    // 1. NetworkPolicies: the default deny narrowed or turned, data services opened.
    const denyIn = one(named("-default-deny-ingress"));
    const denyOut = one(named("-default-deny-egress"));
    const notRedis = { matchExpressions: [{ key: LABEL.dataService, operator: "NotIn", values: ["redis"] }] };
    add("np-deny-ingress-narrowed", COVER, denyIn, (p) => (p.spec = { ...p.spec, podSelector: notRedis }), "podSelector → every pod but redis's");
    add("np-deny-egress-narrowed", EGRESS, denyOut, (p) => (p.spec = { ...p.spec, podSelector: notRedis }), "podSelector → every pod but redis's");
    add("np-deny-ingress-types", COVER, denyIn, (p) => (p.spec = { ...p.spec, policyTypes: ["Egress"] }), "policyTypes → [Egress]");
    add("np-deny-egress-types", EGRESS, denyOut, (p) => (p.spec = { ...p.spec, policyTypes: ["Ingress"] }), "policyTypes → [Ingress]");
    const dataPolicies = plan.resources.filter((r) => r.type === NP && /-data-[a-z]+$/.test(String((r.props as Props).metadata?.name)));
    const data = dataPolicies.find((r) => /-data-postgres$/.test(String((r.props as Props).metadata?.name))) ?? dataPolicies[0];
    add("np-data-other-namespace", COVER, data, (p) => p.spec.ingress[0].from.push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } } }), "admits namespace default");
    add("np-data-ip-block", COVER, data, (p) => p.spec.ingress[0].from.push({ ipBlock: { cidr: "10.0.0.0/8" } }), "admits 10.0.0.0/8");
    add("np-data-app-pods", COVER, data, (p) => p.spec.ingress[0].from.push({ podSelector: { matchLabels: { [LABEL.partOf]: rb.app } } }), `admits every pod part-of ${rb.app}`);
    if (data) {
        const selector = (data.props as Props).spec.podSelector;
        addWhole("np-extra-data-port", COVER, data, (pl) => addLike(pl, data, `${data.name}-debug`, (p) => {
            p.metadata = { ...p.metadata, name: `${p.metadata.name}-debug` };
            p.spec = { podSelector: selector, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": `${rb.app}-tools` } } }], ports: [{ protocol: "TCP", port: 5432 }] }] };
        }), "+ a policy opening its pods to namespace <app>-tools on 5432");
        addWhole("np-extra-all-pods", COVER, data, (pl) => addLike(pl, data, `${data.name}-all`, (p) => {
            p.metadata = { ...p.metadata, name: `${p.metadata.name}-all` };
            p.spec = { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { [LABEL.partOf]: rb.app } } }], ports: [{ protocol: "TCP", port: 6379 }] }] };
        }), "+ a policy opening every pod to the app's pods on 6379");
    }

    const service = one((r) => r.type === NP && rb.services.some((x) => String((r.props as Props).metadata?.name ?? "").endsWith(`-service-${x.name}`)));
    add("np-service-other-port", COVER, service, (p) => p.spec.ingress.push({ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } } }], ports: [{ protocol: "TCP", port: 22 }] }), "admits namespace default on port 22");

    // 2. KEDA ScaledObjects and their authentication.
    const so = one((r) => r.type === KEDA);
    const trigger = (edit: (t: Props) => void) => (p: Props) => {
        p.spec = structuredClone(p.spec);
        edit(p.spec.triggers[0]);
    };
    add("keda-metric-type", TRIGGERS, so, trigger((t) => (t.metricType = "Value")), "trigger metricType → Value");
    add("keda-persistent-lag", TRIGGERS, so, trigger((t) => (t.metadata.excludePersistentLag = "true")), "trigger excludePersistentLag → true");
    add("keda-bootstrap", TRIGGERS, so, trigger((t) => (t.metadata.bootstrapServers = "kafka.example.com:9092")), "trigger bootstrapServers → another cluster");
    add("keda-no-auth", TRIGGERS, so, trigger((t) => delete t.authenticationRef), "trigger authenticationRef removed");
    add("keda-lag", [...TRIGGERS, ...EFFECTIVE], so, trigger((t) => (t.metadata.lagThreshold = String(Number(t.metadata.lagThreshold) * 10))), "trigger lagThreshold × 10");
    add("keda-idle", TRIGGERS, so, (p) => (p.spec = { ...p.spec, idleReplicaCount: 0 }), "idleReplicaCount → 0");
    add("keda-fallback", TRIGGERS, so, (p) => (p.spec = { ...p.spec, fallback: { failureThreshold: 3, replicas: 1 } }), "fallback → 1 replica while a trigger fails");
    add("keda-polling", TRIGGERS, so, (p) => (p.spec = { ...p.spec, pollingInterval: 3600 }), "pollingInterval → 3600");
    add("keda-modifiers", TRIGGERS, so, (p) => (p.spec = { ...p.spec, advanced: { ...p.spec.advanced, scalingModifiers: { formula: "0", target: "1" } } }), "scalingModifiers formula 0");
    add("keda-paused-scale-out", EFFECTIVE, so, (p) => (p.metadata = { ...p.metadata, annotations: { ...p.metadata?.annotations, "autoscaling.keda.sh/paused-scale-out": "true" } }), "annotated paused-scale-out");
    add("keda-min-max", ["k8s-hpa-room-to-scale", "k8s-autoscaler-effective"], so, (p) => (p.spec = { ...p.spec, minReplicaCount: p.spec.maxReplicaCount }), "minReplicaCount = maxReplicaCount");
    const auth = one((r) => r.type === AUTH);
    add("keda-auth-secret", TRIGGERS, auth, (p) => (p.spec = { secretTargetRef: p.spec.secretTargetRef.map((x: Props) => ({ ...x, name: "someone-elses-credentials" })) }), "secretTargetRef → a Secret not of the stack");
    addWhole("keda-auth-deleted", TRIGGERS, auth, (pl) => ({ ...pl, resources: pl.resources.filter((r) => r.urn !== auth!.urn) }), "deleted");

    // 3. Probes of a runbook service's Deployment.
    const apps = new Set(rb.services.map((s) => s.name));
    const dep = one((r) => r.type === "kubernetes:apps/v1:Deployment" && apps.has((r.props as Props).spec?.template?.spec?.containers?.[0]?.name) && appContainer(r.props as Props).livenessProbe !== undefined);
    const probe = (which: string, edit: (pr: Props) => void) => (p: Props) => {
        p.spec = structuredClone(p.spec);
        const c = appContainer(p);
        c[which] = { ...c[which] };
        edit(c[which]);
    };
    add("liveness-slow", PROBES, dep, probe("livenessProbe", (pr) => Object.assign(pr, { periodSeconds: 60, failureThreshold: 10 })), "livenessProbe 60 s × 10");
    add("liveness-timeout", PROBES, dep, probe("livenessProbe", (pr) => (pr.timeoutSeconds = 120)), "livenessProbe timeoutSeconds → 120");
    add("liveness-delay", PROBES, dep, probe("livenessProbe", (pr) => (pr.initialDelaySeconds = 600)), "livenessProbe initialDelaySeconds → 600");
    add("liveness-port", PROBES, dep, probe("livenessProbe", (pr) => (pr.httpGet = { ...pr.httpGet, port: 9999 })), "livenessProbe port → 9999");
    add("liveness-host", PROBES, dep, probe("livenessProbe", (pr) => (pr.httpGet = { ...pr.httpGet, host: "example.com" })), "livenessProbe host → example.com");
    add("liveness-path", PROBES, dep, probe("livenessProbe", (pr) => (pr.httpGet = { ...pr.httpGet, path: "/" })), "livenessProbe path → /");
    add("startup-long", PROBES, dep, (p) => {
        p.spec = structuredClone(p.spec);
        const c = appContainer(p);
        c.startupProbe = { httpGet: c.livenessProbe.httpGet, periodSeconds: 60, failureThreshold: 30 };
    }, "startupProbe 60 s × 30");
    // A data service's liveness against its own down level (redis_down, mongodb_down).
    const store = one((r) => r.type === "kubernetes:apps/v1:StatefulSet" && rb.alerts.some((a) => a.signal === `${(r.props as Props).spec?.template?.metadata?.labels?.[LABEL.dataService]}_down`));
    add("data-liveness-slow", PROBES, store, probe("livenessProbe", (pr) => Object.assign(pr, { periodSeconds: 60, failureThreshold: 10 })), "livenessProbe 60 s × 10");
    return out;
}

/** Edits that only tighten the same objects: the pack must report nothing new. */
export function k8sObjectTightenings(plan: StackPlan): { id: string; edit: (plan: StackPlan) => StackPlan }[] {
    const out: { id: string; edit: (plan: StackPlan) => StackPlan }[] = [];
    for (const r of plan.resources) {
        const p = r.props as Props;
        if (r.type === NP && /-data-[a-z]+$/.test(String(p.metadata?.name))) {
            out.push({ id: `${r.name}: a peer narrowed (data-access pods of one component)`, edit: (pl) => editUrn(pl, r.urn, (q) => (q.spec = { ...q.spec, ingress: [{ from: [{ podSelector: { matchLabels: { ...q.spec.ingress[0].from[0].podSelector.matchLabels, [LABEL.component]: "app" } } }, ...q.spec.ingress[0].from.slice(1)] }] })) });
        }
        if (r.type === KEDA) {
            out.push({ id: `${r.name}: lagThreshold halved, polling every 15 s`, edit: (pl) => editUrn(pl, r.urn, (q) => (q.spec = { ...q.spec, pollingInterval: 15, triggers: q.spec.triggers.map((t: Props) => ({ ...t, metadata: { ...t.metadata, lagThreshold: String(Math.max(1, Math.floor(Number(t.metadata.lagThreshold) / 2))) } })) })) });
        }
        if (r.type === "kubernetes:apps/v1:Deployment" && p.spec?.template?.spec?.containers?.[0]?.livenessProbe) {
            out.push({ id: `${r.name}: liveness every 5 s, a startup probe of 30 s`, edit: (pl) => editUrn(pl, r.urn, (q) => {
                q.spec = structuredClone(q.spec);
                const c = appContainer(q);
                c.livenessProbe = { ...c.livenessProbe, periodSeconds: 5 };
                c.startupProbe = { httpGet: c.livenessProbe.httpGet, periodSeconds: 5, failureThreshold: 6 };
            }) });
        }
    }
    return out;
}
