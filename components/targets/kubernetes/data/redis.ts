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
import { requireField } from "../../../../runbooks";
import { childOptions, meta, secretData, serviceMonitor, statefulOptions, type KubernetesScope } from "../scope";
import type { DataServiceInputs, KubernetesDataService } from "./kind";

export interface RedisArgs {
    /** Provider, names, namespace, protection and StorageClass of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** redis.conf: `data.redis` maxmemory and policy, persistence, mode (`redisConfig`). */
    readonly config: string;
    /** The client Service's spec (`redisClientSpec`): the primary, or every node in cluster mode. */
    readonly clientSpec: ReturnType<typeof redisClientSpec>;
    /** The StatefulSet's spec: `data.redis` version, mode and size (`redisStatefulSetSpec`). */
    readonly statefulSetSpec: ReturnType<typeof redisStatefulSetSpec>;
    /** In cluster mode, the spec of the Job that forms the cluster once (`redisClusterInitSpec`); else none. */
    readonly clusterInitSpec: ReturnType<typeof redisClusterInitSpec>;
    /** The servers' ServiceMonitor spec, at the runbook's scrape interval (`serviceMonitorSpec`). */
    readonly monitorSpec: ReturnType<typeof serviceMonitorSpec>;
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
        const { scope, monitoringCrds, password } = args;
        const { names } = scope;
        const inNs = childOptions(this, scope, { dependsOn: [scope.namespace] });

        this.config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(scope, redisConfigMap(names), "redis"), data: { "redis.conf": args.config } }, inNs);
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
        this.service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta(scope, names.redis, "redis"), spec: args.clientSpec }, inNs);
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            { metadata: meta(scope, names.redis, "redis"), spec: args.statefulSetSpec },
            statefulOptions(this, scope, { dependsOn: [this.config, this.auth, this.headless, ...(args.dependsOn ?? [])] }),
        );
        const clusterInit = args.clusterInitSpec;
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
            args.monitorSpec,
            monitoringCrds,
        );
        this.registerOutputs({});
    }
}

export const redis: KubernetesDataService = {
    kind: "redis",
    create: (name, inputs, opts) =>
        new Redis(name, { scope: inputs.scope, ...redisArgs(inputs), password: inputs.password("redis"), monitoringCrds: inputs.monitoringCrds, dependsOn: [inputs.platformScripts] }, opts),
};

/** Redis's runbook-derived Args; fails naming `data.redis` when it is absent. */
function redisArgs({ runbook, scope }: DataServiceInputs): Omit<RedisArgs, "scope" | "password" | "monitoringCrds" | "dependsOn"> {
    const { names } = scope;
    requireField(runbook.data.redis, runbook.app, "data.redis");
    return {
        config: redisConfig(runbook),
        clientSpec: redisClientSpec(runbook, names),
        statefulSetSpec: redisStatefulSetSpec(runbook, names, scope.storageClass),
        clusterInitSpec: redisClusterInitSpec(runbook, names),
        monitorSpec: serviceMonitorSpec(runbook, names, { ...redisHeadlessLabels(), [LABEL.partOf]: names.app }, "metrics", "redis"),
    };
}
