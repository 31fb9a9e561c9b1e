import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appConnectionEnv, appEnvSecret } from "../../../capabilities/kubernetes/apps";
import { opsScripts, opsScriptsConfigMap, platformScripts, platformScriptsConfigMap } from "../../../capabilities/kubernetes/backups";
import { names, type DataService } from "../../../capabilities/kubernetes/names";
import { namespaceLabels } from "../../../capabilities/kubernetes/security";
import { deliveryCredentials } from "../../delivery";
import type { TargetArgs } from "../../platform";
import { AppService } from "./apps";
import { Backups } from "./backups";
import { Kafka, MongoDb, ObjectStorage, Postgres, Redis } from "./data";
import { Monitoring } from "./monitoring";
import { NetworkPolicies } from "./network";
import { Operators } from "./operators";
import { childOptions, meta, secretData, statefulOptions, type KubernetesScope } from "./scope";

/**
 * The app's platform on an existing Kubernetes cluster: its namespace, the operators and charts it
 * needs (pinned), the monitoring stack with the generated rules, routing and dashboards, the data
 * services, the runbook's services with probes and autoscaling, the backups and restore checks,
 * and the NetworkPolicies. Every number comes from `context.runbook`; every credential from
 * `args.secrets` or `args.receivers`.
 *
 * The stack installs cluster-wide operators and CRDs (Prometheus operator, CloudNativePG, Strimzi,
 * KEDA): one app's staging per cluster, selected by `kubernetes.context` (see docs/kubernetes.md).
 */
export class KubernetesPlatform extends pulumi.ComponentResource {
    /** Public URL per service. */
    public readonly endpoints: pulumi.Output<Record<string, string>>;
    public readonly provider: k8s.Provider;
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly monitoring: Monitoring;
    public readonly operators: Operators;
    public readonly objectStorage: ObjectStorage;
    public readonly postgres?: Postgres;
    public readonly redis?: Redis;
    public readonly mongodb?: MongoDb;
    public readonly kafka?: Kafka;
    public readonly services: AppService[];
    public readonly backups: Backups;
    public readonly networkPolicies: NetworkPolicies;

    constructor(name: string, args: TargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Platform", name, {}, opts);
        const { context, secrets } = args;
        const rb = context.runbook;
        const settings = context.settings.kubernetes ?? {};
        const n = names(context.app, settings.namespace ?? context.app);

        // The kubeconfig comes from the `kubernetes:kubeconfig` stack config when set, else from
        // KUBECONFIG or ~/.kube/config, as for the default provider; the context from the stack's settings.
        const kubeconfig = new pulumi.Config("kubernetes").getSecret("kubeconfig");
        this.provider = new k8s.Provider(`${name}-cluster`, { ...(kubeconfig ? { kubeconfig } : {}), ...(settings.context ? { context: settings.context } : {}) }, { parent: this });
        const bootstrap = { context, provider: this.provider, names: n, secrets, storageClass: settings.storageClass };
        this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: n.namespace, labels: namespaceLabels(n, "app") } }, statefulOptions(this, bootstrap));
        const scope: KubernetesScope = { ...bootstrap, namespace: this.namespace };

        const inNs = childOptions(this, scope, { dependsOn: [this.namespace] });
        const platformScriptsMap = new k8s.core.v1.ConfigMap(`${name}-platform-scripts`, { metadata: meta(scope, platformScriptsConfigMap(n), "scripts"), data: platformScripts() }, inNs);
        const opsScriptsMap = new k8s.core.v1.ConfigMap(`${name}-backup-scripts`, { metadata: meta(scope, opsScriptsConfigMap(n), "backup"), data: opsScripts() }, inNs);

        this.monitoring = new Monitoring(`${name}-monitoring`, { scope, delivery: deliveryCredentials(args) }, { parent: this });
        const monitoringCrds = this.monitoring.stack;
        this.operators = new Operators(`${name}-operators`, { scope, monitoringCrds }, { parent: this });
        this.objectStorage = new ObjectStorage(`${name}-object-storage`, { scope, monitoringCrds }, { parent: this });

        const data = { scope, monitoringCrds };
        if (rb.data.postgres) this.postgres = new Postgres(`${name}-postgres`, { ...data, operator: this.operators.cloudnativePg, dependsOn: [this.objectStorage] }, { parent: this });
        if (rb.data.redis) this.redis = new Redis(`${name}-redis`, { ...data, dependsOn: [platformScriptsMap] }, { parent: this });
        if (rb.data.mongodb) this.mongodb = new MongoDb(`${name}-mongodb`, { ...data, dependsOn: [platformScriptsMap] }, { parent: this });
        if (rb.data.kafka) this.kafka = new Kafka(`${name}-kafka`, { ...data, operator: this.operators.strimzi }, { parent: this });

        const passwords = {
            postgres: secrets.postgres?.result,
            redis: secrets.redis?.result,
            mongodb: secrets.mongodb?.result,
            objectStorage: secrets.objectStorage?.result,
            objectStorageApp: secrets.objectStorageApp?.result,
        };
        const appEnv = new k8s.core.v1.Secret(
            `${name}-app-env`,
            { metadata: meta(scope, appEnvSecret(n), "app"), type: "Opaque", stringData: secretData(pulumi.all(passwords).apply((p) => appConnectionEnv(rb, n, p))) },
            inNs,
        );
        const dataServices = [this.postgres, this.redis, this.mongodb, this.kafka, this.objectStorage].filter((r): r is NonNullable<typeof r> => r !== undefined);
        this.services = rb.services.map(
            (svc) => new AppService(`${name}-${svc.name}`, { scope, service: svc, monitoringCrds, keda: this.operators.keda, dependsOn: [appEnv, ...dataServices] }, { parent: this }),
        );
        this.backups = new Backups(`${name}-backups`, { scope, monitoringCrds, dependsOn: [opsScriptsMap, platformScriptsMap, this.objectStorage, ...dataServices] }, { parent: this });

        const present: DataService[] = [...(["postgres", "redis", "mongodb", "kafka"] as const).filter((d) => rb.data[d] !== undefined), "minio"];
        this.networkPolicies = new NetworkPolicies(`${name}-network`, { scope, dataServices: present }, { parent: this });

        this.endpoints = pulumi.output(Object.fromEntries(rb.services.flatMap((svc, i) => (this.services[i].url ? [[svc.name, this.services[i].url as string]] : []))));
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
