import type { Runbook } from "../../runbooks";
import { S3_REQUEST_METRICS } from "../alerting/minio";
import { cloudWatchAlarms, type AlarmInventory, type AlarmSpec, type AlarmSubject } from "./alarms";

/**
 * The metric side of every CloudWatch alarm capabilities/aws/alarms.ts calls for: what each alarm
 * measures (namespace, metric, dimensions, statistic or metric math) and how it compares and treats
 * missing data, as the MetricAlarm arguments the AWS monitoring component passes. Pure: the
 * dimension values are whatever the caller gives for the resources alarmed on (`pulumi.Input`s of
 * the resources in the component; references to the planned resources in the policy
 * aws-cloudwatch-alarm-metric-spec), so the component and the pack read one definition.
 */

/** The values of each alarm subject's CloudWatch dimensions, by the resources that exist; `T` is how a value is held. */
export interface AlarmDimensionValues<T> {
    readonly ecsCluster: T;
    readonly ecsServices: Readonly<Record<string, T>>;
    readonly loadBalancer?: T;
    /** The load balancer (ARN suffix) of each target group, by the `targetGroups` key, where services are spread over several; `loadBalancer` otherwise. */
    readonly targetGroupLoadBalancers?: Readonly<Record<string, T>>;
    /** Target group ARN suffix by `<service>` or `<service>-<color>`. */
    readonly targetGroups: Readonly<Record<string, T>>;
    /** RDS instance identifier by inventory key (`primary`, `replica-1`). */
    readonly rdsInstances: Readonly<Record<string, T>>;
    readonly cacheGroupId?: string;
    readonly docdbInstances: readonly T[];
    readonly kafkaCluster?: T;
    /** The Amazon MQ broker's name (its metrics' `Broker` dimension). */
    readonly rabbitmqBroker?: T;
    /** S3 bucket names by the runbook's bucket name (their request metrics' `BucketName` dimension). */
    readonly buckets?: Readonly<Record<string, T>>;
    readonly certificateArn?: T;
    /** Backup vault names by backup (`postgres`, `postgres-weekly`). */
    readonly vaults: Readonly<Record<string, T>>;
}

/** An alarm's dimensions: resource values (`T`) and the fixed values the subject itself names (a broker id, a queue, a resource type). */
export type Dimensions<T> = Record<string, T | string>;

/** Resolves an alarm subject to its metric dimensions; throws if the subject names nothing that exists. */
export function subjectDimensions<T>(s: AlarmSubject, d: AlarmDimensionValues<T>): Dimensions<T> {
    const need = <V>(v: V | undefined, what: string): V => {
        if (v === undefined) throw new Error(`alarm subject ${s.kind}: no ${what} to alarm on`);
        return v;
    };
    switch (s.kind) {
        case "ecs-service":
            return { ClusterName: d.ecsCluster, ServiceName: need(d.ecsServices[s.service], `ECS service ${s.service}`) };
        case "target-group": {
            const key = s.color ? `${s.service}-${s.color}` : s.service;
            return { LoadBalancer: need(d.targetGroupLoadBalancers?.[key] ?? d.loadBalancer, "load balancer"), TargetGroup: need(d.targetGroups[key], `target group of ${s.service}`) };
        }
        case "rds-instance":
            return { DBInstanceIdentifier: need(d.rdsInstances[s.instance], `RDS instance ${s.instance}`) };
        case "cache-node":
            return { CacheClusterId: `${need(d.cacheGroupId, "replication group")}-${s.member}` };
        case "docdb-instance":
            return { DBInstanceIdentifier: need(d.docdbInstances[s.index], `DocumentDB instance ${s.index + 1}`) };
        case "msk-broker":
            return { "Cluster Name": need(d.kafkaCluster, "MSK cluster"), "Broker ID": String(s.brokerId) };
        case "msk-consumer":
            return { "Cluster Name": need(d.kafkaCluster, "MSK cluster"), "Consumer Group": s.group, Topic: s.topic };
        case "mq-queue":
            return { Broker: need(d.rabbitmqBroker, "Amazon MQ broker"), VirtualHost: s.vhost, Queue: s.queue };
        case "mq-broker":
            return { Broker: need(d.rabbitmqBroker, "Amazon MQ broker") };
        case "s3-bucket":
            return { BucketName: need(d.buckets?.[s.bucket], `S3 bucket ${s.bucket}`), FilterId: S3_REQUEST_METRICS.filter };
        case "certificate":
            return { CertificateArn: need(d.certificateArn, "certificate") };
        case "backup-vault":
            return { BackupVaultName: need(d.vaults[s.backup], `vault of ${s.backup}`), ResourceType: s.resourceType };
        case "backup-task":
            return { App: s.app, Backup: s.backup };
    }
}

/** One metric of a metric-math alarm, or the expression over them (`id` `e1`, the one that returns data). */
export interface MetricQuery<D> {
    readonly id: string;
    readonly expression?: string;
    readonly label?: string;
    readonly returnData: boolean;
    readonly metric?: { readonly namespace: string; readonly metricName: string; readonly dimensions: D; readonly period: number; readonly stat: string };
}

/** The MetricAlarm arguments that decide what an alarm measures and when it fires (everything but its name, words, actions and tags). */
export interface AlarmMetricArgs<D> {
    readonly comparisonOperator: AlarmSpec["comparison"];
    readonly threshold: number;
    readonly evaluationPeriods: number;
    readonly datapointsToAlarm: number;
    readonly treatMissingData: AlarmSpec["treatMissingData"];
    /** A single metric: these five (with `statistic` for Maximum/Sum/…, `extendedStatistic` for a percentile)... */
    readonly namespace?: string;
    readonly metricName?: string;
    readonly dimensions?: D;
    readonly period?: number;
    readonly statistic?: string;
    readonly extendedStatistic?: string;
    /** ...or metric math: `e1` over the metrics `m1`, `m2`. */
    readonly metricQueries?: MetricQuery<D>[];
}

/** A percentile statistic (`p95`, `p99.9`): CloudWatch takes it as `extendedStatistic`, not `statistic`. */
export const PERCENTILE = /^p\d+(\.\d+)?$/;

/** The metric side of one alarm, over its subject's dimensions. */
export function alarmMetricArgs<D>(spec: AlarmSpec, dims: D): AlarmMetricArgs<D> {
    const single = spec.expression === undefined && spec.metrics.length === 1 ? spec.metrics[0] : undefined;
    const common = {
        comparisonOperator: spec.comparison,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        treatMissingData: spec.treatMissingData,
    };
    if (single) {
        const stat = PERCENTILE.test(single.stat) ? { extendedStatistic: single.stat } : { statistic: single.stat };
        return { ...common, namespace: single.namespace, metricName: single.metricName, dimensions: dims, period: spec.period, ...stat };
    }
    return {
        ...common,
        metricQueries: [
            { id: "e1", expression: spec.expression, label: spec.alertId, returnData: true },
            ...spec.metrics.map((m) => ({ id: m.id, returnData: false, metric: { namespace: m.namespace, metricName: m.metricName, dimensions: dims, period: spec.period, stat: m.stat } })),
        ],
    };
}

/** One alarm as the target builds it: the capability's spec and its metric arguments. */
export interface ExpectedAlarm<T> {
    readonly spec: AlarmSpec;
    readonly metric: AlarmMetricArgs<Dimensions<T>>;
}

/**
 * Every alarm the runbook (and the platform defaults CloudWatch alone evaluates) calls for on the
 * resources in `inv`, with its full metric side: the one list the AWS monitoring component builds
 * its alarms from and the pack compares the planned alarms with. An alarm added to the tables of
 * capabilities/aws/alarms.ts is in it without another list.
 */
export function expectedAlarms<T>(rb: Runbook, inv: AlarmInventory, dims: AlarmDimensionValues<T>): ExpectedAlarm<T>[] {
    return cloudWatchAlarms(rb, inv).map((spec) => ({ spec, metric: alarmMetricArgs(spec, subjectDimensions(spec.subject, dims)) }));
}
