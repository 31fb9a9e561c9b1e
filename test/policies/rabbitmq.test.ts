import test from "ava";
import { compliantAndBroken, find, type Fake } from "./helpers";

/**
 * The RabbitMQ policies against hand-built resources in the providers' input shapes. No runbook of
 * the five has RabbitMQ, so these rules read the resources alone (and the stack's environment);
 * the compliant fixtures are what the platform builds for a runbook with `data.rabbitmq` (see
 * test/targets/rabbitmq.test.ts), and each break changes one field.
 */

const PROD = "bunty-production";
const STAGING = "bunty-staging";
const LOCAL = "bunty-local";

const broker = (): Fake[] => [
    {
        type: "aws:mq/broker:Broker",
        name: "rabbitmq-broker",
        protect: true,
        props: {
            brokerName: "bunty-production-rabbitmq",
            engineType: "RabbitMQ",
            engineVersion: "3.13",
            deploymentMode: "CLUSTER_MULTI_AZ",
            hostInstanceType: "mq.m5.large",
            publiclyAccessible: false,
            securityGroups: ["sg-rabbitmq"],
            subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
            logs: { general: true },
            users: [{ username: "bunty-app", password: "generated" }],
        },
    },
];

test("aws-mq-broker-not-public: private, behind a security group, general logs on", async (t) => {
    await compliantAndBroken(t, "aws-mq-broker-not-public", PROD, broker, {
        public: { edit: (rs) => (rs[0].props.publiclyAccessible = true), expect: /publiclyAccessible is true/ },
        "no security group": { edit: (rs) => (rs[0].props.securityGroups = []), expect: /securityGroups is empty/ },
        "general logs off": { edit: (rs) => (rs[0].props.logs = { general: false }), expect: /logs.general is false/ },
    });
});

test("aws-mq-broker-cluster-deployment: a production RabbitMQ broker is a multi-AZ cluster", async (t) => {
    await compliantAndBroken(t, "aws-mq-broker-cluster-deployment", PROD, broker, {
        "single instance": { edit: (rs) => (rs[0].props.deploymentMode = "SINGLE_INSTANCE"), expect: /deploymentMode is SINGLE_INSTANCE; a production broker must be a CLUSTER_MULTI_AZ cluster/ },
        "mode left to the default": { edit: (rs) => delete rs[0].props.deploymentMode, expect: /deploymentMode is not set \(SINGLE_INSTANCE\)/ },
    });
});

const cluster = (): Fake[] => [
    { type: "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster", name: "rabbitmq-cluster", props: { metadata: { name: "bunty-rabbitmq", namespace: "bunty" }, spec: { replicas: 3 } } },
    {
        type: "kubernetes:rabbitmq.com/v1beta1:Queue",
        name: "rabbitmq-queue-outbound",
        props: { metadata: { name: "bunty-rabbitmq-queue-mail.outbound" }, spec: { name: "mail.outbound", type: "quorum", durable: true, rabbitmqClusterReference: { name: "bunty-rabbitmq" } } },
    },
];

test("k8s-rabbitmqcluster-quorum: an odd number of nodes, three or more under quorum queues", async (t) => {
    await compliantAndBroken(t, "k8s-rabbitmqcluster-quorum", STAGING, cluster, {
        "one node under a quorum queue": { edit: (rs) => (rs[0].props.spec.replicas = 1), expect: /spec.replicas is 1; quorum queue\(s\) mail.outbound need at least 3 nodes/ },
        "an even cluster": { edit: (rs) => (rs[0].props.spec.replicas = 4), expect: /spec.replicas is 4; an even cluster/ },
        "replicas left to the operator's default of one": { edit: (rs) => delete rs[0].props.spec.replicas, expect: /spec.replicas is 1; quorum queue/ },
    });
});

test("k8s-rabbitmqcluster-not-public: the operator's client Service stays inside the cluster", async (t) => {
    await compliantAndBroken(t, "k8s-rabbitmqcluster-not-public", STAGING, cluster, {
        "a load balancer": { edit: (rs) => (rs[0].props.spec.service = { type: "LoadBalancer" }), expect: /spec.service.type is LoadBalancer/ },
        "a node port": { edit: (rs) => (rs[0].props.spec.service = { type: "NodePort" }), expect: /spec.service.type is NodePort/ },
    });
});

const definitions = (users: object[]) => JSON.stringify({ users, vhosts: [{ name: "bunty" }], permissions: [], queues: [], exchanges: [], bindings: [] });
const container = (): Fake[] => [
    {
        type: "docker:index/container:Container",
        name: "rabbitmq-broker",
        props: {
            name: "bunty-local-rabbitmq",
            uploads: [
                { file: "/etc/rabbitmq/conf.d/20-platform.conf", content: "load_definitions = /etc/rabbitmq/definitions.json\n" },
                { file: "/etc/rabbitmq/definitions.json", content: definitions([{ name: "bunty-app", password_hash: "c2FsdGhhc2g=", hashing_algorithm: "rabbit_password_hashing_sha256", tags: [] }]) },
            ],
        },
        secretPaths: ["uploads"],
    },
];

test("docker-container-rabbitmq-definitions-hashed: definitions carry hashes, never plain passwords or guest", async (t) => {
    await compliantAndBroken(t, "docker-container-rabbitmq-definitions-hashed", LOCAL, container, {
        "a plain password": {
            edit: (rs) => (find(rs, "rabbitmq-broker").props.uploads[1].content = definitions([{ name: "bunty-app", password: "hunter2", password_hash: "" }])),
            expect: /gives user bunty-app a plain password/,
        },
        "the guest user": {
            edit: (rs) => (find(rs, "rabbitmq-broker").props.uploads[1].content = definitions([{ name: "guest", password_hash: "c2FsdGhhc2g=" }])),
            expect: /defines the guest user/,
        },
    });
});
