import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { backupSecrets } from "../../../../capabilities/kubernetes/backups";
import { serviceMonitorSpec } from "../../../../capabilities/kubernetes/monitoring";
import { LABEL } from "../../../../capabilities/kubernetes/names";
import { REDIS_AUTH_FILE, redisAuthConf, redisConfig, redisHeadless } from "../../../../capabilities/kubernetes/redis";
import {
    REDIS_PASSWORD_KEY,
    redisClientSpec,
    redisClusterInit,
    redisClusterInitSpec,
    redisConfigMap,
    redisHeadlessLabels,
    redisHeadlessSpec,
    redisStatefulSetSpec,
} from "../../../../capabilities/kubernetes/redis-statefulset";
import { requireField, type Runbook } from "../../../../runbooks";
import { childOptions, meta, secretData, serviceMonitor, statefulOptions, type KubernetesScope } from "../scope";
import type { KubernetesDataService } from "./kind";

export interface RedisArgs {
    /** Provider, names, namespace, protection and StorageClass of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** The runbook with the stack's overrides: `data.redis` (version, mode, maxmemory and policy, persistence) is what this reads. */
    readonly runbook: Runbook;
    /** The generated password (`PlatformSecrets.redis`): `requirepass`, `masterauth`, the exporter's and the backups' login. */
    readonly password: pulumi.Output<string>;
    /** The Prometheus operator's release (ServiceMonitor CRD). */
    readonly monitoringCrds: pulumi.Resource;
    /** What the pods need first: the platform scripts ConfigMap they start from. Defaults to none. */
    readonly dependsOn?: readonly pulumi.Resource[];
}

/**
 * Redis as a StatefulSet: the runbook's redis.conf, the password from a Secret (included by the
 * config, never on a command line), a volume per pod, redis_exporter beside each server, and for
 * cluster mode a Job that forms the cluster once. The specs come from
 * capabilities/kubernetes/redis-statefulset.ts.
 */
export class Redis extends pulumi.ComponentResource {
    public readonly config: k8s.core.v1.ConfigMap;
    public readonly auth: k8s.core.v1.Secret;
    public readonly headless: k8s.core.v1.Service;
    public readonly service: k8s.core.v1.Service;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly serviceMonitor: k8s.apiextensions.CustomResource;
    public readonly clusterInit?: k8s.batch.v1.Job;

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Redis", name, {}, opts);
        const { scope, runbook, monitoringCrds, password } = args;
        const { names } = scope;
        requireField(runbook.data.redis, runbook.app, "data.redis");
        const inNs = childOptions(this, scope, { dependsOn: [scope.namespace] });

        this.config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(scope, redisConfigMap(names), "redis"), data: { "redis.conf": redisConfig(runbook) } }, inNs);
        this.auth = new k8s.core.v1.Secret(
            `${name}-auth`,
            {
                metadata: meta(scope, backupSecrets(names).redis, "redis"),
                type: "Opaque",
                stringData: secretData({ [REDIS_PASSWORD_KEY]: password, [REDIS_AUTH_FILE]: pulumi.secret(password.apply(redisAuthConf)) }),
            },
            inNs,
        );
        this.headless = new k8s.core.v1.Service(
            `${name}-headless`,
            { metadata: meta(scope, redisHeadless(names), "redis", names.namespace, redisHeadlessLabels()), spec: redisHeadlessSpec(names) },
            inNs,
        );
        this.service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta(scope, names.redis, "redis"), spec: redisClientSpec(runbook, names) }, inNs);
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            { metadata: meta(scope, names.redis, "redis"), spec: redisStatefulSetSpec(runbook, names, scope.storageClass) },
            statefulOptions(this, scope, { dependsOn: [this.config, this.auth, this.headless, ...(args.dependsOn ?? [])] }),
        );
        const clusterInit = redisClusterInitSpec(runbook, names);
        if (clusterInit) {
            this.clusterInit = new k8s.batch.v1.Job(
                `${name}-cluster-init`,
                { metadata: meta(scope, redisClusterInit(names), "redis"), spec: clusterInit },
                childOptions(this, scope, { dependsOn: [this.statefulSet] }),
            );
        }
        this.serviceMonitor = serviceMonitor(
            this,
            scope,
            `${name}-monitor`,
            names.redis,
            serviceMonitorSpec(runbook, names, { ...redisHeadlessLabels(), [LABEL.partOf]: names.app }, "metrics", "redis"),
            monitoringCrds,
        );
        this.registerOutputs({});
    }
}

export const redis: KubernetesDataService = {
    kind: "redis",
    create: (name, inputs, opts) =>
        new Redis(name, { scope: inputs.scope, runbook: inputs.runbook, password: inputs.password("redis"), monitoringCrds: inputs.monitoringCrds, dependsOn: [inputs.platformScripts] }, opts),
};
