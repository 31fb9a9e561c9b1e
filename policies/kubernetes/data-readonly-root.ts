import { K8S_OPERATOR_READONLY } from "../lib/hardening";
import { containers, JOB, metaName, podSpec, STATEFULSET } from "../lib/kubernetes";
import { finding, label, resourceRule, type Subject } from "../lib/policy";

const KAFKA = "kubernetes:kafka.strimzi.io/v1beta2:Kafka";
const RABBITMQ_CLUSTER = "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster";
const RELEASE = "kubernetes:helm.sh/v3:Release";
/** The data stores' component label on the StatefulSets and Jobs the platform builds itself (capabilities/kubernetes/*-statefulset.ts, mongodb-users.ts). */
const DATA_COMPONENTS = new Set(["postgres", "redis", "mongodb", "kafka", "rabbitmq", "minio"]);
/** The minio chart's jobs (bucket, policy and user creation) the platform's values turn on. */
const MINIO_JOBS = ["makeBucketJob", "makePolicyJob", "makeUserJob"] as const;

type Sc = Record<string, any> | undefined;
const readOnly = (sc: Sc) => sc?.readOnlyRootFilesystem === true;
const state = (sc: Sc) => `readOnlyRootFilesystem is ${sc?.readOnlyRootFilesystem ?? "not set"}`;

function ownWorkload(s: Subject): string[] {
    if (!DATA_COMPONENTS.has(String(s.props.metadata?.labels?.["app.kubernetes.io/component"]))) return [];
    const pod = podSpec(s);
    return containers(s, true).flatMap((c) => {
        const where = `${label(s)} (${metaName(s)}) container "${c.name}"`;
        const out: string[] = [];
        if (!readOnly(c.securityContext)) out.push(`${where}: ${state(c.securityContext)}; mount an emptyDir where it writes (capabilities/kubernetes/data-pods.ts, DATA_SCRATCH)`);
        const nonRoot = c.securityContext?.runAsNonRoot ?? pod?.securityContext?.runAsNonRoot;
        const uid = c.securityContext?.runAsUser ?? pod?.securityContext?.runAsUser;
        if (nonRoot !== true || uid === 0) out.push(`${where}: ${uid === 0 ? "runAsUser is 0" : "runAsNonRoot is not true"}; it runs as a non-root UID`);
        return out;
    });
}

/** Every container Strimzi builds from the Kafka resource: the brokers, the entity operator's two, the exporter. */
function kafka(s: { props: Record<string, any> }): string[] {
    const spec = s.props.spec ?? {};
    const held: [string, Sc][] = [["spec.kafka.template.kafkaContainer", spec.kafka?.template?.kafkaContainer?.securityContext]];
    if (spec.entityOperator?.topicOperator) held.push(["spec.entityOperator.template.topicOperatorContainer", spec.entityOperator.template?.topicOperatorContainer?.securityContext]);
    if (spec.entityOperator?.userOperator) held.push(["spec.entityOperator.template.userOperatorContainer", spec.entityOperator.template?.userOperatorContainer?.securityContext]);
    if (spec.kafkaExporter) held.push(["spec.kafkaExporter.template.container", spec.kafkaExporter.template?.container?.securityContext]);
    return held.filter(([, sc]) => !readOnly(sc)).map(([path, sc]) => `${path}.securityContext: ${state(sc)}; Strimzi mounts /tmp as an emptyDir in its pods`);
}

/** The operator's StatefulSet, through spec.override: the server and its setup init container. */
function rabbitmq(s: { props: Record<string, any> }): string[] {
    const tpl = s.props.spec?.override?.statefulSet?.spec?.template?.spec ?? {};
    const byName = (list: unknown, name: string): Sc => (Array.isArray(list) ? list.find((c) => c?.name === name)?.securityContext : undefined);
    return [
        ["containers", "rabbitmq"],
        ["initContainers", "setup-container"],
    ]
        .filter(([list, name]) => !readOnly(byName(tpl[list], name)))
        .map(([list, name]) => `spec.override.statefulSet.spec.template.spec.${list}[name=${name}].securityContext: ${state(byName(tpl[list], name))}`);
}

function release(s: { props: Record<string, any> }): string[] {
    const chart = String(s.props.chart ?? "");
    const values = s.props.values ?? {};
    if (chart === "minio") {
        const out: string[] = [];
        // The chart renders containerSecurityContext only while securityContext.enabled and persistence.enabled (templates/deployment.yaml).
        if (!readOnly(values.containerSecurityContext) || values.securityContext?.enabled !== true || values.persistence?.enabled !== true)
            out.push(`values.containerSecurityContext: ${state(values.containerSecurityContext)} (rendered only with securityContext.enabled and persistence.enabled); the server writes its data volume and certsPath`);
        for (const job of MINIO_JOBS) if (!readOnly(values[job]?.containerSecurityContext)) out.push(`values.${job}.containerSecurityContext: ${state(values[job]?.containerSecurityContext)}; mc writes only its configPathmc and /tmp emptyDirs`);
        return out;
    }
    const operator = K8S_OPERATOR_READONLY[chart];
    if (operator && !operator.versions.includes(String(s.props.version))) {
        return [`chart ${chart} ${s.props.version}: its operator's container security context has not been read at this version (read at ${operator.versions.join(", ")}: ${operator.source}); read it and add the version to K8S_OPERATOR_READONLY (policies/lib/hardening.ts)`];
    }
    return [];
}

/** Every data-store container the platform generates on Kubernetes runs on a read-only root. */
export const k8sDataReadonlyRoot = resourceRule({
    name: "k8s-data-readonly-root",
    description:
        "Every data-store container on Kubernetes runs on a read-only root: the Redis and MongoDB StatefulSets and Jobs the platform builds (non-root too), the containers Strimzi builds from the Kafka resource, the RabbitmqCluster's server and setup containers (spec.override), the minio chart's server and jobs; operators that set it themselves (CloudNativePG) at a chart version whose source was read.",
    tier: "security",
    target: "kubernetes",
    types: [STATEFULSET, JOB, KAFKA, RABBITMQ_CLUSTER, RELEASE],
    remediationSteps:
        "Set readOnlyRootFilesystem: true where the message says (capabilities/kubernetes/{redis-statefulset,mongodb-statefulset,kafka,rabbitmq,minio}.ts) with an emptyDir where the program writes (DATA_SCRATCH in capabilities/kubernetes/data-pods.ts); for an operator chart upgrade, read the operator's pod builder at the new version and list it in K8S_OPERATOR_READONLY.",
    check: (s) => {
        const messages = s.type === KAFKA ? kafka(s) : s.type === RABBITMQ_CLUSTER ? rabbitmq(s) : s.type === RELEASE ? release(s) : ownWorkload(s);
        return messages.map((m) => finding(m.startsWith(label(s)) ? m : `${label(s)}: ${m}`));
    },
});
