import { LABEL, type DataService } from "../../capabilities/kubernetes/names";
import {
    CONTROLLER_POD_LABELS,
    cnpgInstanceLabels,
    cnpgJobLabels,
    fixedLabels,
    minioChartPodLabels,
    overlay,
    rabbitmqPodLabels,
    STRIMZI_EXCLUDED_LABEL,
    STRIMZI_LABEL,
    strimziPodLabels,
    type PodLabels,
    type StrimziComponent,
} from "../../capabilities/kubernetes/operator-labels";
import { metaName, POD_OWNERS } from "./kubernetes";
import type { Subject } from "./policy";
import { ofType } from "./targets";
import { asArray, isRecord } from "./values";

/**
 * The data services' pods as the cluster will label them: the plan's pod templates, and for the
 * pods an operator or chart makes, the labels it sets (capabilities/kubernetes/operator-labels.ts,
 * read from its source at the pinned version) with the ones the plan hands it. A selector
 * "possibly selects" such a set when each of its terms can hold for some pod of it.
 */

export interface DataPods {
    readonly what: string;
    readonly namespace: string;
    readonly data: DataService;
    readonly labels: PodLabels;
    readonly urn: string;
}

const nsOf = (s: Subject): string => String(s.props.metadata?.namespace ?? s.props.namespace ?? "default");
const kindOf = (s: Subject) => s.type.split(":").pop() ?? s.type;
const labelsAt = (x: unknown): Record<string, unknown> | undefined => (isRecord(x) && isRecord(x.labels) ? x.labels : undefined);

function templateMeta(s: Subject): unknown {
    const p = s.props;
    if (s.type.endsWith(":CronJob")) return p.spec?.jobTemplate?.spec?.template?.metadata;
    if (s.type.endsWith(":Pod")) return p.metadata;
    return p.spec?.template?.metadata;
}

const controllerOf = (s: Subject): PodLabels => {
    const k = kindOf(s);
    if (k === "StatefulSet") return CONTROLLER_POD_LABELS.StatefulSet;
    if (k === "Deployment") return CONTROLLER_POD_LABELS.Deployment;
    if (k === "Job" || k === "CronJob") return CONTROLLER_POD_LABELS.Job;
    return {};
};

/** Every data service's pods in the plan: workloads labelled with a data service, CloudNativePG's, Strimzi's, the RabbitMQ operator's and the MinIO chart's. */
export function dataStorePods(resources: readonly Subject[]): DataPods[] {
    const out: DataPods[] = [];
    const add = (s: Subject, data: DataService, what: string, labels: PodLabels) => out.push({ what, namespace: nsOf(s), data, labels, urn: s.urn });
    for (const s of ofType(resources, ...POD_OWNERS)) {
        const labels = labelsAt(templateMeta(s));
        const data = labels?.[LABEL.dataService];
        if (typeof data === "string") add(s, data as DataService, `${kindOf(s)} ${nsOf(s)}/${metaName(s)}`, { ...fixedLabels(labels), ...controllerOf(s) });
    }
    for (const s of ofType(resources, "kubernetes:postgresql.cnpg.io/v1:Cluster")) {
        const name = metaName(s);
        // inheritedMetadata is laid over the operator's labels, the Cluster's own only under INHERITED_LABELS.
        const inherited = (base: PodLabels) => overlay(overlay(base, fixedLabels(labelsAt(s.props.spec?.inheritedMetadata)), false), fixedLabels(labelsAt(s.props.metadata), true), false);
        add(s, "postgres", `postgres instances (Cluster ${nsOf(s)}/${name})`, inherited(cnpgInstanceLabels(name)));
        add(s, "postgres", `postgres jobs (Cluster ${nsOf(s)}/${name})`, inherited({ ...cnpgJobLabels(name), ...CONTROLLER_POD_LABELS.Job }));
    }
    const pools = ofType(resources, "kubernetes:kafka.strimzi.io/v1beta2:KafkaNodePool");
    for (const s of ofType(resources, "kubernetes:kafka.strimzi.io/v1beta2:Kafka")) {
        const name = metaName(s);
        const own = (r: Subject) => Object.fromEntries(Object.entries(labelsAt(r.props.metadata) ?? {}).filter(([k]) => !STRIMZI_EXCLUDED_LABEL.test(k)));
        // Strimzi's labels over the resource's own, the pod template's over both (Labels.withAdditionalLabels).
        const pod = (c: StrimziComponent, r: Subject, template: unknown, pool?: string) => overlay({ ...fixedLabels(own(r)), ...strimziPodLabels(name, c, pool) }, fixedLabels(labelsAt(template)), true);
        const mine = pools.filter((p) => nsOf(p) === nsOf(s) && p.props.metadata?.labels?.[STRIMZI_LABEL.cluster] === name);
        for (const p of mine) {
            const template = p.props.spec?.template ? p.props.spec.template.pod?.metadata : s.props.spec?.kafka?.template?.pod?.metadata;
            add(s, "kafka", `kafka brokers (Kafka ${nsOf(s)}/${name}, pool ${metaName(p)})`, pod("kafka", p, template, metaName(p)));
        }
        if (mine.length === 0) add(s, "kafka", `kafka brokers (Kafka ${nsOf(s)}/${name})`, pod("kafka", s, s.props.spec?.kafka?.template?.pod?.metadata));
        if (s.props.spec?.entityOperator) add(s, "kafka", `kafka entity operator (Kafka ${nsOf(s)}/${name})`, pod("entity-operator", s, s.props.spec.entityOperator.template?.pod?.metadata));
        if (s.props.spec?.kafkaExporter) add(s, "kafka", `kafka exporter (Kafka ${nsOf(s)}/${name})`, pod("kafka-exporter", s, s.props.spec.kafkaExporter.template?.pod?.metadata));
    }
    for (const s of ofType(resources, "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster")) {
        const override = s.props.spec?.override?.statefulSet?.spec?.template?.metadata;
        add(s, "rabbitmq", `rabbitmq (RabbitmqCluster ${nsOf(s)}/${metaName(s)})`, overlay(rabbitmqPodLabels(metaName(s)), fixedLabels(labelsAt(override)), true));
    }
    for (const s of ofType(resources, "kubernetes:helm.sh/v3:Release").filter((r) => r.props.chart === "minio")) {
        const v = s.props.values ?? {};
        const release = String(s.props.name ?? s.name);
        const controller = v.mode === "distributed" ? CONTROLLER_POD_LABELS.StatefulSet : CONTROLLER_POD_LABELS.Deployment;
        // podLabels follow the chart's own in the template: a key set twice is either, as the YAML parser takes it.
        add(s, "minio", `minio (chart ${nsOf(s)}/${release})`, { ...overlay(minioChartPodLabels(release, v.nameOverride), fixedLabels(isRecord(v.podLabels) ? v.podLabels : {}), false), ...controller });
    }
    return out;
}

/** Whether each term of a label selector can hold for some pod of the set (an absent selector selects every pod). */
export function possiblySelects(sel: unknown, labels: PodLabels): boolean {
    if (!isRecord(sel)) return true;
    for (const [k, v] of Object.entries(isRecord(sel.matchLabels) ? sel.matchLabels : {})) {
        const l = labels[k];
        if (!l || (l.values !== null && !l.values.includes(String(v)))) return false;
    }
    for (const e of asArray(sel.matchExpressions).filter(isRecord)) {
        const l = labels[String(e.key)];
        const values = asArray<unknown>(e.values).map(String);
        const may = (pick: (v: string) => boolean) => !!l && (l.values === null || l.values.some(pick));
        switch (e.operator) {
            case "In":
                if (!may((v) => values.includes(v))) return false;
                break;
            case "NotIn":
                if (l && !l.optional && !may((v) => !values.includes(v))) return false;
                break;
            case "Exists":
                if (!l) return false;
                break;
            case "DoesNotExist":
                if (l && !l.optional) return false;
                break;
            default:
                // The API server refuses any other operator: such a policy selects nothing.
                return false;
        }
    }
    return true;
}
