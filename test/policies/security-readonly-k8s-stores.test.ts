import test from "ava";
import { kafkaSpec } from "../../capabilities/kubernetes/kafka";
import { minioValues } from "../../capabilities/kubernetes/minio";
import { mongoStatefulSetSpec } from "../../capabilities/kubernetes/mongodb-statefulset";
import { mongoUsersJobSpec } from "../../capabilities/kubernetes/mongodb-users";
import { names } from "../../capabilities/kubernetes/names";
import { rabbitmqClusterSpec } from "../../capabilities/kubernetes/rabbitmq";
import { redisClusterInitSpec, redisStatefulSetSpec } from "../../capabilities/kubernetes/redis-statefulset";
import { CHARTS } from "../../capabilities/kubernetes/versions";
import { K8S_OPERATOR_READONLY } from "../../policies/lib/hardening";
import { k8sDataReadonlyRoot } from "../../policies/kubernetes/data-readonly-root";
import { getRunbook } from "../../runbooks";
import { rabbitMqApp } from "../targets/rabbitmq-app";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses } from "./security-helpers";

/**
 * Read-only roots for the Kubernetes data stores (issue 15): the StatefulSets and Jobs the
 * platform builds, the containers Strimzi and the RabbitMQ operator build from our resources, the
 * minio chart's values, and CloudNativePG's own (at a chart version whose source was read). The
 * compliant fixture is what the platform's builders generate; each break is one field of it.
 */

const APP = "personal-finance-hub";
const PFH = getRunbook(APP);
const CLUSTERED = getRunbook("gravitypm");
const n = names(APP, APP);
const meta = (name: string, component: string) => ({ name, namespace: APP, labels: { "app.kubernetes.io/component": component } });

const fixture = (): Fake[] => [
    { type: "kubernetes:apps/v1:StatefulSet", name: "redis", props: { metadata: meta(n.redis, "redis"), spec: redisStatefulSetSpec(PFH, n) } },
    { type: "kubernetes:batch/v1:Job", name: "redis-init", props: { metadata: meta(`${n.redis}-cluster-init`, "redis"), spec: redisClusterInitSpec(CLUSTERED, names("gravitypm", "gravitypm")) } },
    { type: "kubernetes:apps/v1:StatefulSet", name: "mongodb", props: { metadata: meta(n.mongodb, "mongodb"), spec: mongoStatefulSetSpec(PFH, n) } },
    { type: "kubernetes:batch/v1:Job", name: "mongo-users", props: { metadata: meta(`${n.mongodb}-users`, "mongodb"), spec: mongoUsersJobSpec(PFH, n, "0".repeat(64)) } },
    { type: "kubernetes:kafka.strimzi.io/v1beta2:Kafka", name: "kafka", props: { metadata: { name: n.kafka, namespace: APP }, spec: kafkaSpec(PFH, n) } },
    { type: "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster", name: "rabbitmq", props: { metadata: { name: "bunty-rabbitmq", namespace: "bunty" }, spec: rabbitmqClusterSpec(rabbitMqApp(), names("bunty", "bunty"), undefined) } },
    { type: "kubernetes:helm.sh/v3:Release", name: "minio", props: { chart: CHARTS.minio.chart, version: CHARTS.minio.version, values: minioValues(PFH, n) } },
    { type: "kubernetes:helm.sh/v3:Release", name: "cnpg", props: { chart: CHARTS.cloudnativePg.chart, version: CHARTS.cloudnativePg.version, values: {} } },
    // Not a data store: another rule's (k8s-workload-readonly-root, k8s-workload-pod-security).
    { type: "kubernetes:apps/v1:StatefulSet", name: "other", props: { metadata: meta("grafana", "grafana"), spec: { template: { spec: { containers: [{ name: "grafana" }] } } } } },
    { type: "kubernetes:helm.sh/v3:Release", name: "loki", props: { chart: "loki", version: "6.16.0", values: {} } },
];

const pod = (r: Fake[], name: string) => find(r, name).props.spec.template.spec;
const container = (r: Fake[], name: string, c: string) => [...(pod(r, name).initContainers ?? []), ...pod(r, name).containers].find((x: { name: string }) => x.name === c);
const kafka = (r: Fake[]) => find(r, "kafka").props.spec;
const override = (r: Fake[]) => find(r, "rabbitmq").props.spec.override.statefulSet.spec.template.spec;
const values = (r: Fake[]) => find(r, "minio").props.values;

test("k8s-data-readonly-root: what the platform generates passes; a writable root in any data-store container, root, or an unread operator version is reported", async (t) => {
    await compliantAndBroken(t, "k8s-data-readonly-root", `${APP}-staging`, fixture, {
        "redis server writable": { edit: (r) => (container(r, "redis", "redis").securityContext.readOnlyRootFilesystem = false), expect: /\(personal-finance-hub-redis\) container "redis": readOnlyRootFilesystem is false/ },
        "redis cluster job": { edit: (r) => delete container(r, "redis-init", "cluster-init").securityContext.readOnlyRootFilesystem, expect: /container "cluster-init": readOnlyRootFilesystem is not set/ },
        "mongod writable": { edit: (r) => (container(r, "mongodb", "mongodb").securityContext.readOnlyRootFilesystem = false), expect: /container "mongodb": readOnlyRootFilesystem is false/ },
        "mongo keyfile init container": { edit: (r) => delete container(r, "mongodb", "keyfile").securityContext, expect: /container "keyfile": readOnlyRootFilesystem is not set/ },
        "mongo users job": { edit: (r) => (container(r, "mongo-users", "users").securityContext.readOnlyRootFilesystem = false), expect: /container "users": readOnlyRootFilesystem is false/ },
        "mongod as root": { edit: (r) => (container(r, "mongodb", "mongodb").securityContext.runAsUser = 0), expect: /container "mongodb": runAsUser is 0/ },
        "redis server not non-root": { edit: (r) => (container(r, "redis", "redis").securityContext.runAsNonRoot = false), expect: /container "redis": runAsNonRoot is not true/ },
        "kafka brokers": { edit: (r) => delete kafka(r).kafka.template.kafkaContainer, expect: /spec\.kafka\.template\.kafkaContainer\.securityContext: readOnlyRootFilesystem is not set/ },
        "topic operator": { edit: (r) => (kafka(r).entityOperator.template.topicOperatorContainer.securityContext.readOnlyRootFilesystem = false), expect: /topicOperatorContainer\.securityContext: readOnlyRootFilesystem is false/ },
        "user operator": { edit: (r) => delete kafka(r).entityOperator.template, expect: /userOperatorContainer\.securityContext: readOnlyRootFilesystem is not set/ },
        "kafka exporter": { edit: (r) => delete kafka(r).kafkaExporter.template.container, expect: /kafkaExporter\.template\.container\.securityContext/ },
        "rabbitmq server": { edit: (r) => (override(r).containers[0].securityContext = {}), expect: /containers\[name=rabbitmq\]\.securityContext: readOnlyRootFilesystem is not set/ },
        "rabbitmq setup container": { edit: (r) => (override(r).initContainers = []), expect: /initContainers\[name=setup-container\]/ },
        "rabbitmq no override": { edit: (r) => delete find(r, "rabbitmq").props.spec.override, expect: /containers\[name=rabbitmq\]/ },
        "minio server": { edit: (r) => (values(r).containerSecurityContext.readOnlyRootFilesystem = false), expect: /values\.containerSecurityContext: readOnlyRootFilesystem is false/ },
        "minio context not rendered": { edit: (r) => (values(r).securityContext.enabled = false), expect: /values\.containerSecurityContext: readOnlyRootFilesystem is true \(rendered only with/ },
        "minio bucket job": { edit: (r) => delete values(r).makeBucketJob.containerSecurityContext.readOnlyRootFilesystem, expect: /values\.makeBucketJob\.containerSecurityContext: readOnlyRootFilesystem is not set/ },
        "minio user job": { edit: (r) => (values(r).makeUserJob.containerSecurityContext.readOnlyRootFilesystem = false), expect: /values\.makeUserJob/ },
        "CloudNativePG chart upgraded unread": { edit: (r) => (find(r, "cnpg").props.version = "99.0.0"), expect: /chart cloudnative-pg 99\.0\.0: its operator's container security context has not been read/ },
    });
});

test("K8S_OPERATOR_READONLY covers the pinned CloudNativePG chart, with its source", (t) => {
    const cnpg = K8S_OPERATOR_READONLY[CHARTS.cloudnativePg.chart];
    t.truthy(cnpg, "the chart's name is the table's key");
    t.true(cnpg.versions.includes(CHARTS.cloudnativePg.version), "the pinned chart version is one whose operator source was read");
    t.regex(cnpg.source, /ReadOnlyRootFilesystem/);
});

test("k8s-data-readonly-root passes over the planned staging stack with every data store", async (t) => {
    await planPasses(t, [`${APP}-staging`], [k8sDataReadonlyRoot]);
});
