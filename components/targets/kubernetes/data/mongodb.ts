import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { backupSecrets, MONGO_URI_KEY } from "../../../../capabilities/kubernetes/backups";
import { MONGO_USERS_KEYS, mongoHeadless, mongoUri, mongoUsersSecret } from "../../../../capabilities/kubernetes/mongodb";
import { credentialsDigest, mongoMonitorUri, mongoUsersJob, mongoUsersJobSpec } from "../../../../capabilities/kubernetes/mongodb-users";
import { MONGO_AUTH_KEYS, mongoAuthSecret, mongoHeadlessLabels, mongoHeadlessSpec, mongoStatefulSetSpec } from "../../../../capabilities/kubernetes/mongodb-statefulset";
import { serviceMonitorSpec } from "../../../../capabilities/kubernetes/monitoring";
import { LABEL } from "../../../../capabilities/kubernetes/names";
import { requireField } from "../../../../runbooks";
import { childOptions, meta, secretData, serviceMonitor, statefulOptions, type KubernetesScope } from "../scope";
import type { DataServiceInputs, KubernetesDataService } from "./kind";

export interface MongoDbArgs {
    /** Provider, names, namespace, protection and StorageClass of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** The exporter's connection URI as the monitoring user, from its password (`mongoMonitorUri`). */
    monitorUri(monitorPassword: string): string;
    /** The backups' connection URI as root, from the root password (`mongoUri`): every `data.mongodb` member. */
    backupUri(rootPassword: string): string;
    /** The StatefulSet's spec: `data.mongodb` version, `replicaSetMembers` members, oplog size (`mongoStatefulSetSpec`). */
    readonly statefulSetSpec: ReturnType<typeof mongoStatefulSetSpec>;
    /** The users Job's spec, from the digest of the users' passwords that names its run (`mongoUsersJobSpec`). */
    usersJobSpec(credentialsDigest: string): ReturnType<typeof mongoUsersJobSpec>;
    /** The members' ServiceMonitor spec, at the runbook's scrape interval (`serviceMonitorSpec`). */
    readonly monitorSpec: ReturnType<typeof serviceMonitorSpec>;
    /** The root user's generated password (`PlatformSecrets.mongodb`). */
    readonly password: pulumi.Output<string>;
    /** The app user's generated password (`PlatformSecrets.mongodbApp`). */
    readonly appPassword: pulumi.Output<string>;
    /** The monitoring user's generated password (`PlatformSecrets.mongodbMonitor`). */
    readonly monitorPassword: pulumi.Output<string>;
    /** The Prometheus operator's release (ServiceMonitor CRD). */
    readonly monitoringCrds: pulumi.Resource;
    /** What the members need first: the platform scripts ConfigMap they start from. Defaults to none. */
    readonly dependsOn?: readonly pulumi.Resource[];
}

/**
 * MongoDB replica set as a StatefulSet: `replicaSetMembers` members with the runbook's oplog size,
 * auth with a generated root password and keyfile (Secrets), pod 0 forming the set once, and the
 * Percona exporter beside each member (as the monitoring user), and a Job that creates the app's
 * and the monitoring user as root. The specs come from capabilities/kubernetes/mongodb-statefulset.ts
 * and mongodb-users.ts.
 */
export class MongoDb extends pulumi.ComponentResource {
    public readonly keyFile: random.RandomPassword;
    public readonly credentials: k8s.core.v1.Secret;
    /** The app's and the monitoring user's passwords and the exporter's URI. */
    public readonly userCredentials: k8s.core.v1.Secret;
    /** Creates or updates both users; replaced (and run again) when a password changes. */
    public readonly users: k8s.batch.v1.Job;
    public readonly backupCredentials: k8s.core.v1.Secret;
    public readonly headless: k8s.core.v1.Service;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly serviceMonitor: k8s.apiextensions.CustomResource;

    constructor(name: string, args: MongoDbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:MongoDb", name, {}, opts);
        const { scope, monitoringCrds, password, appPassword, monitorPassword } = args;
        const { names } = scope;
        const inNs = childOptions(this, scope, { dependsOn: [scope.namespace] });

        // Replica set members authenticate to each other with it; base64 characters only, as mongod requires.
        this.keyFile = new random.RandomPassword(`${name}-keyfile`, { length: 756, special: false }, { parent: this });
        this.credentials = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: meta(scope, mongoAuthSecret(names), "mongodb"),
                type: "Opaque",
                stringData: secretData({
                    [MONGO_AUTH_KEYS.password]: password,
                    [MONGO_AUTH_KEYS.keyfile]: pulumi.secret(this.keyFile.result),
                }),
            },
            inNs,
        );
        this.userCredentials = new k8s.core.v1.Secret(
            `${name}-user-credentials`,
            {
                metadata: meta(scope, mongoUsersSecret(names), "mongodb"),
                type: "Opaque",
                stringData: secretData({
                    [MONGO_USERS_KEYS.app]: appPassword,
                    [MONGO_USERS_KEYS.monitor]: monitorPassword,
                    [MONGO_USERS_KEYS.exporterUri]: pulumi.secret(monitorPassword.apply((p) => args.monitorUri(p))),
                }),
            },
            inNs,
        );
        this.backupCredentials = new k8s.core.v1.Secret(
            `${name}-backup-credentials`,
            { metadata: meta(scope, backupSecrets(names).mongodb, "backup"), type: "Opaque", stringData: secretData({ [MONGO_URI_KEY]: pulumi.secret(password.apply((p) => args.backupUri(p))) }) },
            inNs,
        );
        this.headless = new k8s.core.v1.Service(
            `${name}-headless`,
            { metadata: meta(scope, mongoHeadless(names), "mongodb", names.namespace, mongoHeadlessLabels()), spec: mongoHeadlessSpec(names) },
            inNs,
        );
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            { metadata: meta(scope, names.mongodb, "mongodb"), spec: args.statefulSetSpec },
            statefulOptions(this, scope, { dependsOn: [this.credentials, this.userCredentials, this.headless, ...(args.dependsOn ?? [])] }),
        );
        // Plain, so the Job's spec stays readable in previews and to the policies: a SHA-256 of two generated passwords reveals neither.
        const digest = pulumi.unsecret(pulumi.all([appPassword, monitorPassword]).apply(([a, m]) => credentialsDigest(a, m)));
        this.users = new k8s.batch.v1.Job(
            `${name}-users`,
            {
                metadata: meta(scope, mongoUsersJob(names), "mongodb"),
                spec: digest.apply((d) => args.usersJobSpec(d)),
            },
            // A Job's template is immutable: a new digest replaces it, and the fixed name must go first.
            childOptions(this, scope, { dependsOn: [this.statefulSet, this.credentials, this.userCredentials], deleteBeforeReplace: true }),
        );
        this.serviceMonitor = serviceMonitor(
            this,
            scope,
            `${name}-monitor`,
            names.mongodb,
            args.monitorSpec,
            monitoringCrds,
        );
        this.registerOutputs({});
    }
}

export const mongodb: KubernetesDataService = {
    kind: "mongodb",
    create: (name, inputs, opts) =>
        new MongoDb(
            name,
            {
                scope: inputs.scope,
                ...mongoDbArgs(inputs),
                password: inputs.password("mongodb"),
                appPassword: inputs.password("mongodbApp"),
                monitorPassword: inputs.password("mongodbMonitor"),
                monitoringCrds: inputs.monitoringCrds,
                dependsOn: [inputs.platformScripts],
            },
            opts,
        ),
};

/** MongoDB's runbook-derived Args; fails naming `data.mongodb` when it is absent. */
function mongoDbArgs({ runbook, scope }: DataServiceInputs): Omit<MongoDbArgs, "scope" | "password" | "appPassword" | "monitorPassword" | "monitoringCrds" | "dependsOn"> {
    const { names } = scope;
    requireField(runbook.data.mongodb, runbook.app, "data.mongodb");
    return {
        monitorUri: (p) => mongoMonitorUri(runbook, p),
        backupUri: (p) => mongoUri(runbook, names, p),
        statefulSetSpec: mongoStatefulSetSpec(runbook, names, scope.storageClass),
        usersJobSpec: (d) => mongoUsersJobSpec(runbook, names, d),
        monitorSpec: serviceMonitorSpec(runbook, names, { ...mongoHeadlessLabels(), [LABEL.partOf]: names.app }, "metrics", "mongodb"),
    };
}
