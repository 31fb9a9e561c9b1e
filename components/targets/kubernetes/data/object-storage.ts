import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { backupSecrets, MC_HOST_KEY } from "../../../../capabilities/kubernetes/backups";
import { mcHost, minioAppUserSecret, MINIO_ROOT_USER, OBJECT_STORE_KEYS } from "../../../../capabilities/kubernetes/minio";
import { CHARTS } from "../../../../capabilities/kubernetes/versions";
import { childOptions, meta, release, secretData, type KubernetesScope } from "../scope";

export interface ObjectStorageArgs {
    /** Provider, names, namespace, protection and StorageClass of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** The runbook has `data.objectStorage`: the app gets its own MinIO user (its password is then required). */
    readonly appUser: boolean;
    /** The MinIO chart's values: `data.objectStorage`'s buckets and their policy where it is set, the backup bucket (`minioValues`). */
    readonly values: Record<string, unknown>;
    /**
     * MinIO's root password (`PlatformSecrets.objectStorage`). Defaults to one generated here: an
     * app whose runbook has no object storage still needs MinIO for its backups.
     */
    readonly rootPassword?: pulumi.Output<string>;
    /** The app user's generated password (`PlatformSecrets.objectStorageApp`); required when the runbook has `data.objectStorage`. */
    readonly appPassword?: pulumi.Output<string>;
}

/** MinIO's access key is half of a user's credential pair: kept a Pulumi secret, like the key. */
function withSecretAccessKeys(values: Record<string, unknown>): Record<string, unknown> {
    const users = values.users as { accessKey: string }[] | undefined;
    return users ? { ...values, users: users.map((u) => ({ ...u, accessKey: pulumi.secret(u.accessKey) })) } : values;
}

/**
 * MinIO: the app's buckets and the platform's backup bucket, as the pinned chart. Every stack has
 * one, whatever its runbook: the backups and CloudNativePG's WAL go to it.
 */
export class ObjectStorage extends pulumi.ComponentResource {
    public readonly rootPassword?: random.RandomPassword;
    public readonly credentials: k8s.core.v1.Secret;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:ObjectStorage", name, {}, opts);
        const { scope } = args;
        const { names } = scope;
        let root: pulumi.Output<string>;
        if (args.rootPassword) {
            root = args.rootPassword;
        } else {
            this.rootPassword = new random.RandomPassword(`${name}-root`, { length: 40, special: false }, { parent: this });
            root = pulumi.secret(this.rootPassword.result);
        }
        this.credentials = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: meta(scope, backupSecrets(names).objectStore, "minio"),
                type: "Opaque",
                stringData: secretData({
                    [OBJECT_STORE_KEYS.user]: MINIO_ROOT_USER,
                    [OBJECT_STORE_KEYS.password]: root,
                    [MC_HOST_KEY]: pulumi.secret(root.apply((p) => mcHost(names, p))),
                }),
            },
            childOptions(this, scope, { dependsOn: [scope.namespace] }),
        );
        // The app's own user (runbook object storage only): its key in a Secret the chart's user job reads.
        let appUser: k8s.core.v1.Secret | undefined;
        if (args.appUser) {
            if (!args.appPassword) throw new Error(`${names.app}: \`appPassword\` is required: the runbook has \`data.objectStorage\`, whose app user needs it`);
            appUser = new k8s.core.v1.Secret(
                `${name}-app-user`,
                { metadata: meta(scope, minioAppUserSecret(names).name, "minio"), type: "Opaque", stringData: secretData({ [minioAppUserSecret(names).key]: args.appPassword }) },
                childOptions(this, scope, { dependsOn: [scope.namespace] }),
            );
        }
        this.release = release(
            this,
            scope,
            `${name}-minio`,
            { chart: CHARTS.minio, releaseName: names.minio, namespace: names.namespace, values: withSecretAccessKeys(args.values) },
            { dependsOn: [scope.namespace, this.credentials, ...(appUser ? [appUser] : [])], protect: scope.protect },
        );
        this.registerOutputs({});
    }
}
