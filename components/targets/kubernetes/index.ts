import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { internetPorts } from "../../../capabilities/egress";
import { appConnectionEnv, appEnvSecret, scaledByKeda } from "../../../capabilities/kubernetes/apps";
import { opsScripts, opsScriptsConfigMap, platformScripts, platformScriptsConfigMap } from "../../../capabilities/kubernetes/backups";
import { names as kubernetesNames, type DataService } from "../../../capabilities/kubernetes/names";
import { namespaceLabels } from "../../../capabilities/kubernetes/security";
import { deliveryCredentials } from "../../delivery";
import type { TargetArgs } from "../../platform";
import { backupsArgs, certificatesArgs, monitoringArgs, objectStorageArgs, serviceArgs } from "./args";
import { AppService, NamespaceCertificates } from "./services";
import { Backups } from "./backups";
import { DATA_SERVICES, ObjectStorage, type DataPassword, type DataServiceInputs, type KubernetesDataKind } from "./data";
import { Monitoring } from "./monitoring";
import { NetworkPolicies } from "./firewall";
import { Operators } from "./operators";
import { childOptions, meta, secretData, serviceMonitor, statefulOptions, type KubernetesScope } from "./scope";
import { minioMonitorSpec } from "../../../capabilities/kubernetes/minio";
import { publicEndpoints } from "../../../capabilities/reachability";

/**
 * The app's platform on an existing Kubernetes cluster: its namespace, the operators and charts it
 * needs (pinned), the monitoring stack with the generated rules, routing and dashboards, the data
 * services, the runbook's services with probes and autoscaling, the backups and restore checks,
 * and the NetworkPolicies. This is the one place the stack (`args.context`) and the generated
 * credentials (`args.secrets`, `args.receivers`) become the children's Args (with args.ts, and the
 * data kinds' registrations for theirs); every number comes from `context.runbook`, and no child
 * reads it.
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
    /** Scrapes MinIO's cluster metrics where object storage's alerts read them. */
    public readonly objectStorageMonitor?: k8s.apiextensions.CustomResource;
    /** The runbook's data services (`DATA_SERVICES`), by kind. */
    public readonly dataServices: Readonly<Partial<Record<KubernetesDataKind, pulumi.ComponentResource>>>;
    public readonly services: AppService[];
    public readonly backups: Backups;
    public readonly networkPolicies: NetworkPolicies;

    constructor(name: string, args: TargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Platform", name, {}, opts);
        const { context, secrets } = args;
        const rb = context.runbook;
        const settings = context.settings.kubernetes ?? {};
        const names = kubernetesNames(context.app, settings.namespace ?? context.app);
        const passwords = secrets.dataPasswords();
        const password = generatedPassword(context.app, passwords);

        // The kubeconfig comes from the `kubernetes:kubeconfig` stack config when set, else from
        // KUBECONFIG or ~/.kube/config, as for the default provider; the context from the stack's settings.
        const kubeconfig = new pulumi.Config("kubernetes").getSecret("kubeconfig");
        this.provider = new k8s.Provider(`${name}-cluster`, { ...(kubeconfig ? { kubeconfig } : {}), ...(settings.context ? { context: settings.context } : {}) }, { parent: this });
        const bootstrap = { provider: this.provider, names, protect: context.protect, storageClass: settings.storageClass };
        this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: names.namespace, labels: namespaceLabels(names, "app") } }, statefulOptions(this, bootstrap));
        const scope: KubernetesScope = { ...bootstrap, namespace: this.namespace };

        const inNs = childOptions(this, scope, { dependsOn: [this.namespace] });
        const platformScriptsMap = new k8s.core.v1.ConfigMap(`${name}-platform-scripts`, { metadata: meta(scope, platformScriptsConfigMap(names), "scripts"), data: platformScripts() }, inNs);
        const opsScriptsMap = new k8s.core.v1.ConfigMap(`${name}-backup-scripts`, { metadata: meta(scope, opsScriptsConfigMap(names), "backup"), data: opsScripts() }, inNs);

        this.monitoring = new Monitoring(
            `${name}-monitoring`,
            { scope, ...monitoringArgs(rb, context.env, scope, publicEndpoints(rb, context.hosts)), grafanaAdminPassword: secrets.grafanaAdmin.result, delivery: deliveryCredentials(args) },
            { parent: this },
        );
        const monitoringCrds = this.monitoring.stack;
        const kinds = DATA_SERVICES.filter((kind) => rb.data[kind.kind] !== undefined);
        this.operators = new Operators(
            `${name}-operators`,
            {
                scope,
                monitoringCrds,
                dataOperators: kinds.flatMap((kind) => (kind.operator ? [[kind.kind, kind.operator] as const] : [])),
                keda: rb.services.some((s) => scaledByKeda(rb, s)),
            },
            { parent: this },
        );
        this.objectStorage = new ObjectStorage(
            `${name}-object-storage`,
            {
                scope,
                ...objectStorageArgs(rb, scope),
                rootPassword: secrets.objectStorage ? password("objectStorage") : undefined,
                appPassword: rb.data.objectStorage ? password("objectStorageApp") : undefined,
            },
            { parent: this },
        );
        // Beside ObjectStorage, not in it: what waits for the object store does not wait for its scrape.
        const minioMonitor = minioMonitorSpec(rb, names);
        if (minioMonitor) this.objectStorageMonitor = serviceMonitor(this, scope, `${name}-object-storage-monitor`, names.minio, minioMonitor, monitoringCrds);

        const inputs: DataServiceInputs = {
            scope,
            runbook: rb,
            env: context.env,
            monitoringCrds,
            operators: this.operators.dataOperators,
            platformScripts: platformScriptsMap,
            objectStorage: this.objectStorage,
            keda: this.operators.keda,
            password,
        };
        const dataServices: Partial<Record<KubernetesDataKind, pulumi.ComponentResource>> = {};
        for (const kind of kinds) dataServices[kind.kind] = kind.create(`${name}-${kind.kind}`, inputs, { parent: this });
        this.dataServices = dataServices;

        const appEnv = new k8s.core.v1.Secret(
            `${name}-app-env`,
            { metadata: meta(scope, appEnvSecret(names), "app"), type: "Opaque", stringData: secretData(pulumi.all(passwords).apply((p) => appConnectionEnv(rb, names, p))) },
            inNs,
        );
        const dependencies = [...Object.values(dataServices), this.objectStorage];
        const ingress = { ingressClass: settings.ingressClass, clusterIssuer: settings.clusterIssuer };
        const certificates = Object.keys(context.hosts).length ? new NamespaceCertificates(`${name}-certificates`, { scope, hosts: context.hosts, ...certificatesArgs(rb, ingress, context.hosts) }, { parent: this }) : undefined;
        this.services = rb.services.map(
            (svc) =>
                new AppService(
                    `${name}-${svc.name}`,
                    {
                        scope,
                        ...serviceArgs(rb, scope, svc, ingress),
                        image: context.settings.images[svc.name],
                        host: context.hosts[svc.name],
                        ingress,
                        ...(certificates && context.hosts[svc.name] ? { certificate: certificates.for(context.hosts[svc.name]) } : {}),
                        monitoringCrds,
                        keda: this.operators.keda,
                        dependsOn: [appEnv, ...dependencies],
                    },
                    { parent: this },
                ),
        );
        this.backups = new Backups(
            `${name}-backups`,
            { scope, ...backupsArgs(rb, context.env, scope), monitoringCrds, dependsOn: [opsScriptsMap, platformScriptsMap, this.objectStorage, ...dependencies] },
            { parent: this },
        );

        const present: DataService[] = [...kinds.map((kind) => kind.kind), "minio"];
        this.networkPolicies = new NetworkPolicies(
            `${name}-network`,
            { scope, services: rb.services, servesHosts: Object.keys(context.hosts).length > 0, dataServices: present, internetPorts: internetPorts(rb), ingressNamespace: settings.ingressNamespace },
            { parent: this },
        );

        this.endpoints = pulumi.output(Object.fromEntries(rb.services.flatMap((svc, i) => (this.services[i].url ? [[svc.name, this.services[i].url as string]] : []))));
        this.registerOutputs({ endpoints: this.endpoints });
    }
}

/** The generated password by `PlatformSecrets` field, a Pulumi secret; fails early, naming the runbook field, when the runbook has no such data service. */
function generatedPassword(app: string, passwords: Readonly<Record<DataPassword, pulumi.Output<string> | undefined>>): (secret: DataPassword) => pulumi.Output<string> {
    return (secret) => {
        const generated = passwords[secret];
        if (!generated) throw new Error(`${app}: the ${secret} password is generated only when \`data.${secret}\` is in the runbook`);
        return pulumi.secret(generated);
    };
}
