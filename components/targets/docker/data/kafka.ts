import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { dataImage } from "../../../../capabilities/docker/versions";
import { KAFKA_DATA, KAFKA_JOB_PASSWORDS, KAFKA_TOPICS_SCRIPT_PATH, checkKafka, kafkaAdminSecretEnv, kafkaEnv, kafkaServerProperties, kafkaTopicsScript } from "../../../../capabilities/docker/kafka";
import { INTERNAL_PORTS, kafkaBrokers, publishedPort } from "../../../../capabilities/docker/topology";
import { requireField, type Runbook } from "../../../../runbooks";
import type { SecretEnv } from "../../../../capabilities/docker/backups";
import { WRITABLE_PATHS } from "../../../../capabilities/docker/writable";
import { container, upload, volume, withUploadVolumes, type DockerScope } from "../scope";
import type { DockerDataService } from "./kind";

export interface KafkaArgs {
    /** The Docker target's shared scope: stack, app id, provider, network, pulled images, generated passwords. */
    readonly scope: DockerScope;
    /** The pinned image of `data.kafka.version` (`dataImage`). */
    readonly image: string;
    /** One per broker (`data.kafka.brokers`, in order): its host name and its server properties as the image's environment (`kafkaServerProperties`: node id, published port, replication). */
    readonly brokers: readonly { readonly host: string; readonly env: Readonly<Record<string, string>> }[];
    /** The administrator's PLAIN login in every broker's listener JAAS settings, as secret variables from the generated `kafkaAdmin` password (`kafkaAdminSecretEnv`: its user name is the app id's). */
    readonly adminSecretEnv: Readonly<Record<string, SecretEnv>>;
    /** The one-shot script creating `data.kafka.topics`, the app's and the exporter's SCRAM users and their ACLs (`kafkaTopicsScript`). */
    readonly topicsScript: string;
}

/** Kafka in KRaft mode: `data.kafka.brokers` combined broker/controller nodes with SASL on every listener and ACLs, and a one-shot job creating the runbook's topics, the app's and the exporter's users and their ACLs. */
export class Kafka extends pulumi.ComponentResource {
    /** KRaft cluster id: 16 random bytes, URL-safe base64, as `kafka-storage.sh random-uuid` makes. */
    public readonly clusterId: random.RandomId;
    public readonly volumes: docker.Volume[];
    public readonly brokers: docker.Container[];
    public readonly topics: docker.Container;

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Kafka", name, {}, opts);
        const { scope, image: ref } = args;
        this.clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 16 }, { parent: this });
        this.volumes = [];
        this.brokers = args.brokers.map(({ host, env }) => {
            const data = volume(this, `${name}-${host}-data`, scope, `${host}-data`, "kafka");
            this.volumes.push(data);
            return container(this, `${name}-${host}`, scope, {
                part: host,
                component: "kafka",
                image: ref,
                aliases: [host],
                env,
                computedEnv: { CLUSTER_ID: this.clusterId.b64Url },
                // The administrator's PLAIN login in the listeners' JAAS settings, from the generated password, kept secret.
                secretEnv: args.adminSecretEnv,
                volumes: [{ volume: data, path: KAFKA_DATA }],
                // Read-only root: tmpfs where the image's launch, log4j and the JVM write (capabilities/docker/writable.ts).
                readOnlyRoot: { tmpfs: WRITABLE_PATHS.kafka },
                // The broker's client port answers once it has joined the quorum; bash's /dev/tcp costs no JVM start.
                healthcheck: { tests: ["CMD", "bash", "-c", `</dev/tcp/127.0.0.1/${INTERNAL_PORTS.kafka}`], interval: "10s", timeout: "5s", retries: 12, startPeriod: "60s" },
                waitHealthy: true,
            });
        });
        this.topics = container(
            this,
            `${name}-topics`,
            scope,
            withUploadVolumes(this, `${name}-topics`, scope, {
                part: "kafka-topics",
                component: "kafka",
                image: ref,
                aliases: ["kafka-topics"],
                command: ["bash", KAFKA_TOPICS_SCRIPT_PATH],
                secretEnv: {
                    [KAFKA_JOB_PASSWORDS.admin]: { secret: "kafkaAdmin", value: (p) => p },
                    [KAFKA_JOB_PASSWORDS.app]: { secret: "kafkaApp", value: (p) => p },
                    [KAFKA_JOB_PASSWORDS.monitor]: { secret: "kafkaMonitor", value: (p) => p },
                },
                uploads: [upload(KAFKA_TOPICS_SCRIPT_PATH, args.topicsScript, { executable: true })],
                oneShot: true,
                readOnlyRoot: { tmpfs: WRITABLE_PATHS.kafkaJob },
            }),
            this.brokers,
        );
        this.registerOutputs({});
    }
}

export const kafka: DockerDataService = {
    kind: "kafka",
    part: "kafka",
    create: (name, scope, rb, opts) => new Kafka(name, { scope, ...kafkaArgs(rb) }, opts),
};

/** Kafka's Args from the runbook; checks `data.kafka` first (`checkKafka`). */
function kafkaArgs(rb: Runbook): Omit<KafkaArgs, "scope"> {
    checkKafka(rb);
    return {
        image: dataImage(rb, "kafka"),
        brokers: kafkaBrokers(rb).map((host, i) => {
            const external = requireField(publishedPort(rb, host), rb.app, `published port of ${host}`).external;
            return { host, env: kafkaEnv(kafkaServerProperties(rb, i + 1, external)) };
        }),
        adminSecretEnv: kafkaAdminSecretEnv(rb),
        topicsScript: kafkaTopicsScript(rb),
    };
}
