import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { cronJobSpec, type scheduledJobs } from "../../../capabilities/kubernetes/backups";
import type { jobFailureRules } from "../../../capabilities/kubernetes/monitoring";
import { LABEL } from "../../../capabilities/kubernetes/names";
import { childOptions, meta, type KubernetesScope } from "./scope";

export interface BackupsArgs {
    /** Provider, names and namespace of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** One CronJob per runbook backup CloudNativePG does not take and per restore check: dataset, schedule, retention, restore tests (`scheduledJobs`). */
    readonly jobs: ReturnType<typeof scheduledJobs>;
    /** The failed-job alert, its severity and routing by the stack's environment (`jobFailureRules`). */
    readonly failureRules: ReturnType<typeof jobFailureRules>;
    /** The Prometheus operator's release (PrometheusRule CRD). */
    readonly monitoringCrds: pulumi.Resource;
    /** The scripts ConfigMaps and the data services the jobs reach. */
    readonly dependsOn?: pulumi.Resource[];
}

/**
 * The runbook's backups that CloudNativePG does not take, and the restore checks: one CronJob
 * each (capabilities/kubernetes/backups.ts decides what each runs and when), and the alert on a
 * failed one.
 */
export class Backups extends pulumi.ComponentResource {
    /** By CronJob name. */
    public readonly cronJobs: Record<string, k8s.batch.v1.CronJob>;
    public readonly failureRule: k8s.apiextensions.CustomResource;

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Backups", name, {}, opts);
        const { scope, monitoringCrds } = args;
        const { names } = scope;
        const after = childOptions(this, scope, { dependsOn: [scope.namespace, ...(args.dependsOn ?? [])] });
        this.cronJobs = Object.fromEntries(
            args.jobs.map((job) => [
                job.name,
                new k8s.batch.v1.CronJob(`${name}-${job.name.slice(names.app.length + 1)}`, { metadata: meta(scope, job.name, job.kind, names.namespace, { [LABEL.name]: job.name }), spec: cronJobSpec(job, names) }, after),
            ]),
        );
        this.failureRule = new k8s.apiextensions.CustomResource(
            `${name}-failure-rule`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: meta(scope, `${names.app}-scheduled-jobs`, "alerting", names.monitoring), spec: args.failureRules },
            childOptions(this, scope, { dependsOn: [monitoringCrds] }),
        );
        this.registerOutputs({});
    }
}
