import { dataPodSelectors } from "../../capabilities/kubernetes/security";
import { DATA_ACCESS_LABELS, LABEL, names, type DataService } from "../../capabilities/kubernetes/names";
import type { AppId } from "../../runbooks";
import { metaName, POD_OWNERS } from "./kubernetes";
import type { Subject } from "./policy";
import { ofType } from "./targets";
import { asArray, isRecord } from "./values";

export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
/** Data services whose pods an operator or a chart makes: their pods carry the selector's labels (and others the pack cannot see). */
const RUN_BY: readonly [type: string, service: DataService][] = [
    ["kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres"],
    ["kubernetes:kafka.strimzi.io/v1beta2:Kafka", "kafka"],
    ["kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster", "rabbitmq"],
];

export type Labels = Readonly<Record<string, string>>;

/** A set of pods the stack runs: its namespace and labels; `partial` where an operator adds labels the plan does not show. */
export interface Pods {
    readonly what: string;
    readonly namespace: string;
    readonly labels: Labels;
    readonly partial: boolean;
    /** Keys these pods surely lack though `partial`: the keys that identify other data services' pods (cnpg.io/cluster on Kafka's). */
    readonly absent?: readonly string[];
    readonly data?: DataService;
    readonly urn: string;
}

export const nsOf = (s: Subject): string => String(s.props.metadata?.namespace ?? s.props.namespace ?? "default");

function templateLabels(s: Subject): Labels | undefined {
    const p = s.props;
    const meta = s.type.endsWith(":CronJob") ? p.spec?.jobTemplate?.spec?.template?.metadata : s.type.endsWith(":Pod") ? p.metadata : p.spec?.template?.metadata;
    return isRecord(meta?.labels) ? (meta.labels as Labels) : undefined;
}

/** Labels an operator copies onto its pods from the resource: CloudNativePG's inheritedMetadata, Strimzi's pod template, the RabbitMQ operator's StatefulSet override. */
function operatorPodLabels(s: Subject): Labels {
    const spec = s.props.spec ?? {};
    const labels = spec.inheritedMetadata?.labels ?? spec.kafka?.template?.pod?.metadata?.labels ?? spec.override?.statefulSet?.spec?.template?.metadata?.labels;
    return isRecord(labels) ? (labels as Labels) : {};
}

/** Every set of pods of the stack: its workloads (template labels), and the data services operators and charts run. */
export function podSets(resources: readonly Subject[], app: AppId): Pods[] {
    const out: Pods[] = [];
    for (const s of ofType(resources, ...POD_OWNERS)) {
        const labels = templateLabels(s) ?? {};
        const data = labels[LABEL.dataService] as DataService | undefined;
        out.push({ what: `${s.type.split(":").pop()} ${nsOf(s)}/${metaName(s)}`, namespace: nsOf(s), labels, partial: false, data, urn: s.urn });
    }
    for (const [type, d] of RUN_BY) {
        for (const s of ofType(resources, type)) {
            const selectors = dataPodSelectors(names(app, nsOf(s)));
            const labels = { ...operatorPodLabels(s), ...((selectors[d].matchLabels ?? {}) as Labels) };
            const absent = Object.values(selectors).flatMap((x) => Object.keys(x.matchLabels ?? {})).filter((k) => !(k in labels));
            out.push({ what: `${d} (${type.split(":").pop()} ${nsOf(s)}/${metaName(s)})`, namespace: nsOf(s), labels, partial: true, absent, data: d, urn: s.urn });
        }
    }
    // MinIO comes from its chart, its pods labelled through values.podLabels.
    for (const s of ofType(resources, HELM_RELEASE).filter((r) => r.props.chart === "minio")) {
        const selectors = dataPodSelectors(names(app, nsOf(s)));
        const labels = isRecord(s.props.values?.podLabels) ? (s.props.values.podLabels as Labels) : (selectors.minio.matchLabels as Labels);
        const absent = Object.values(selectors).flatMap((x) => Object.keys(x.matchLabels ?? {})).filter((k) => !(k in labels));
        out.push({ what: `minio (chart ${nsOf(s)}/${s.props.name ?? s.name})`, namespace: nsOf(s), labels, partial: true, absent, data: "minio", urn: s.urn });
    }
    return out;
}

/**
 * Whether a label selector selects the pods. Where an operator adds labels the plan does not show
 * (`partial`), an expression on such a label is taken as not matching: a default-deny policy must
 * select them for sure.
 */
export function selects(sel: unknown, pods: Pick<Pods, "labels" | "partial">): boolean {
    if (!isRecord(sel)) return sel === undefined;
    const l = pods.labels;
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
    for (const e of asArray(sel.matchExpressions).filter(isRecord)) {
        const k = String(e.key);
        const values = asArray<string>(e.values);
        if (pods.partial && !(k in l)) return false;
        const has = k in l;
        if (e.operator === "In" && !(has && values.includes(l[k]))) return false;
        if (e.operator === "NotIn" && has && values.includes(l[k])) return false;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
        if (!["In", "NotIn", "Exists", "DoesNotExist"].includes(e.operator)) return false;
    }
    return true;
}

/** The directions a NetworkPolicy isolates (Kubernetes: Ingress always when policyTypes is unset, Egress when it has egress rules). */
export function directions(p: Subject): ("Ingress" | "Egress")[] {
    const spec = p.props.spec ?? {};
    const types = asArray<string>(spec.policyTypes);
    if (types.length) return types.filter((t): t is "Ingress" | "Egress" => t === "Ingress" || t === "Egress");
    return ["Ingress", ...(spec.egress !== undefined ? (["Egress"] as const) : [])];
}

/** `matchLabels` of a selector that has at least `want`'s labels (more labels or expressions only narrow it). */
/**
 * Whether a selector may select the pods (for the peers a data service admits): like `selects`,
 * except that where an operator adds labels the plan does not show, a label or expression on such
 * a key may match them.
 */
export function maySelect(sel: unknown, pods: Pick<Pods, "labels" | "partial" | "absent">): boolean {
    if (!isRecord(sel)) return sel === undefined;
    const l = pods.labels;
    const unseen = (k: string) => pods.partial && !(k in l) && !(pods.absent ?? []).includes(k);
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (!unseen(k) && l[k] !== v) return false;
    return selects({ matchExpressions: asArray(sel.matchExpressions).filter((e) => isRecord(e) && !unseen(String(e.key))) }, { labels: l, partial: false });
}

export function within(sel: unknown, want: Labels): boolean {
    if (!isRecord(sel)) return false;
    const have = (sel.matchLabels ?? {}) as Record<string, unknown>;
    return Object.entries(want).every(([k, v]) => have[k] === v);
}

/** The peers the platform admits to a data service: pods labelled for data access, its own pods (MinIO: PostgreSQL's too), the monitoring and operators namespaces. */
export function intendedPeers(app: AppId, namespace: string, d: DataService | undefined): { pods: Labels[]; namespaces: string[]; shown: string } {
    const n = names(app, namespace);
    const sel = dataPodSelectors(n);
    const own = d ? [sel[d].matchLabels as Labels, ...(d === "minio" ? [sel.postgres.matchLabels as Labels] : [])] : [];
    const pods = [DATA_ACCESS_LABELS, ...own];
    return {
        pods,
        namespaces: [n.monitoring, n.operators],
        shown: `pods labelled ${pods.map((p) => JSON.stringify(p)).join(" or ")} in ${namespace}, and the namespaces ${n.monitoring}, ${n.operators}`,
    };
}
