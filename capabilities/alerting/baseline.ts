import { DEFAULTS } from "../../runbooks/defaults";
import { SIGNALS, type Alert, type AlertSeverity, type Runbook, type Signal, type Source } from "../../runbooks";
import type { Target } from "../targets";
import { BACKUP_STORE_TARGETS, OBJECT_STORAGE_COMPONENT, backupStoreOnly } from "./minio";

/**
 * Platform-default alerts: what every stack watches whether or not its runbook says so. Each data
 * service the stack runs gets baseline health (down, saturation, replication where it replicates),
 * and every public host a TLS probe alert, unless the runbook already alerts on that signal for
 * that service. They are ordinary alerts (rules, promtool cases, exporters and dashboard rows follow
 * from them as from the runbook's), cited to the runbook text that says the service runs, with every
 * number marked `defaulted` and its reason from runbooks/defaults.ts.
 */

/** Every baseline alert id starts with this, so no rule name can be mistaken for a runbook alert's. */
export const BASELINE_PREFIX = "platform";

const WARNS = "a platform default warns: the runbook gives this signal no severity";

interface Baseline {
    readonly what: string;
    readonly title: string;
    readonly signal: Signal;
    readonly direction: "above" | "below";
    readonly unit: Alert["unit"];
    readonly severity: AlertSeverity;
    readonly threshold: number;
    readonly for: string;
    readonly reasons: { readonly threshold?: string; readonly for: string; readonly severity: string };
}

function down(service: string, signal: Signal): Baseline {
    return {
        // Not "down": the policy pack recognises a runbook's `<service>-down` alert by that word in a rule's name.
        what: "unreachable",
        title: `${service} not answering (platform default)`,
        signal,
        direction: "above",
        unit: "bool",
        severity: DEFAULTS.dataDownSeverity.value,
        threshold: 0,
        for: DEFAULTS.dataDownFor.value,
        reasons: { for: DEFAULTS.dataDownFor.reason, severity: DEFAULTS.dataDownSeverity.reason },
    };
}

function warning(what: string, title: string, signal: Signal, unit: Alert["unit"], d: { readonly value: number; readonly reason: string }): Baseline {
    return {
        what,
        title: `${title} (platform default)`,
        signal,
        direction: "above",
        unit,
        severity: "warning",
        threshold: d.value,
        for: DEFAULTS.alertFor.value,
        reasons: { threshold: d.reason, for: DEFAULTS.alertFor.reason, severity: WARNS },
    };
}

/** A 0/1 signal of a service that still serves, degraded (one broker of several, a partition short of a copy): a warning. */
function degraded(what: string, title: string, signal: Signal): Baseline {
    return {
        what,
        title: `${title} (platform default)`,
        signal,
        direction: "above",
        unit: "bool",
        severity: "warning",
        threshold: 0,
        for: DEFAULTS.alertFor.value,
        reasons: { for: DEFAULTS.alertFor.reason, severity: WARNS },
    };
}

type Data = Runbook["data"];

/** Object storage's baseline (down, capacity, 5xx share), the runbook's object store's or the backup store's: one list, so both hold the same numbers. */
function objectStorageChecks(what: string): Baseline[] {
    return [
        down(`${what} (MinIO)`, "minio_down"),
        warning("capacity", `${what} near its usable capacity`, "minio_capacity_usage", "percent", DEFAULTS.objectStorageCapacityWarning),
        warning("errors", `${what} answers 5xx`, "minio_error_rate", "percent", DEFAULTS.objectStorageErrorWarning),
    ];
}

/**
 * The backup store's alert ids start with this. Kubernetes runs MinIO for every stack as the
 * backup destination (CloudNativePG's WAL and base backups, the dump archives), also where the
 * runbook has no `data.objectStorage`; there the backup store gets object storage's baseline, on
 * the targets that run it (BACKUP_STORE_TARGETS), its series labelled `component="objectStorage"`
 * as every MinIO's are.
 */
export const BACKUP_STORE_PREFIX = `${BASELINE_PREFIX}-backup-store`;

/** Whether an alert is the backup store's (it needs MinIO's series without `data.objectStorage` in the runbook). */
export function isBackupStoreAlert(alert: Pick<Alert, "id">): boolean {
    return alert.id.startsWith(`${BACKUP_STORE_PREFIX}-`);
}

/** The targets an alert is limited to beyond its signal's (`onlyOn`): the backup store's alerts where a backup-only MinIO runs; undefined for every other. */
export function alertTargets(alert: Pick<Alert, "id">): readonly Target[] | undefined {
    return isBackupStoreAlert(alert) ? BACKUP_STORE_TARGETS : undefined;
}

/**
 * Baseline health per data service kind: one entry per kind with a down signal, its checks from
 * that kind's spec. A kind without an entry gets none; adding one is a table line here.
 */
const BASELINES: { readonly [K in keyof Data]?: (spec: NonNullable<Data[K]>) => Baseline[] } = {
    postgres: (postgres) => [
        down("PostgreSQL", "postgres_down"),
        warning("connections", "PostgreSQL connections near max_connections", "postgres_pool_usage", "percent", DEFAULTS.postgresPoolWarning),
        ...(postgres.readReplicas > 0 ? [warning("replication", "PostgreSQL replica behind the primary", "postgres_replication_lag", "seconds", DEFAULTS.replicationLagWarning)] : []),
    ],
    redis: () => [down("Redis", "redis_down"), warning("memory", "Redis memory near maxmemory", "redis_memory_usage", "percent", DEFAULTS.redisMemoryWarning)],
    kafka: () => [
        down("Kafka", "kafka_down"),
        degraded("brokers", "A Kafka broker is missing from the cluster", "kafka_broker_missing"),
        degraded("replication", "Kafka partitions under-replicated", "kafka_under_replicated"),
        {
            ...down("Kafka", "kafka_under_min_isr"),
            what: "writes",
            title: "Kafka partitions below min.insync.replicas: acks=all writes refused (platform default)",
            severity: DEFAULTS.kafkaUnderMinIsrSeverity.value,
            reasons: { for: DEFAULTS.dataDownFor.reason, severity: DEFAULTS.kafkaUnderMinIsrSeverity.reason },
        },
    ],
    rabbitmq: () => [
        down("RabbitMQ", "rabbitmq_down"),
        {
            ...down("RabbitMQ", "rabbitmq_resource_alarm"),
            what: "memory-disk-alarm",
            title: "RabbitMQ memory or disk alarm blocks publishers (platform default)",
            reasons: {
                for: DEFAULTS.dataDownFor.reason,
                severity: `${DEFAULTS.dataDownSeverity.reason}; a memory or disk alarm blocks every publisher, which to the app is the broker being down`,
            },
        },
    ],
    // MinIO on Docker and Kubernetes (capabilities/alerting/minio.ts); on AWS S3's 5xx share (CloudWatch), its availability AWS's to keep.
    objectStorage: () => objectStorageChecks("Object storage"),
    mongodb: (mongodb) => [
        down("MongoDB", "mongodb_down"),
        warning("connections", "MongoDB connections near the limit", "mongodb_connections_usage", "percent", DEFAULTS.mongoConnectionsWarning),
        ...(mongodb.replicaSetMembers > 1 ? [warning("replication", "MongoDB member behind the most advanced one", "mongodb_replication_lag", "seconds", DEFAULTS.replicationLagWarning)] : []),
    ],
};

/** Baseline health per data service kind the runbook runs. */
function dataBaselines(rb: Runbook): { service: string; source: Source; checks: Baseline[] }[] {
    return (Object.keys(BASELINES) as (keyof Data)[]).flatMap((service) => {
        const spec = rb.data[service];
        const checks = BASELINES[service] as ((s: NonNullable<typeof spec>) => Baseline[]) | undefined;
        return spec && checks ? [{ service, source: spec.source, checks: checks(spec) }] : [];
    });
}

function toAlert(id: string, subject: string | undefined, source: Source, b: Baseline): Alert {
    return {
        id,
        title: b.title,
        signal: b.signal,
        direction: b.direction,
        unit: b.unit,
        ...(subject ? { subject } : {}),
        levels: [
            {
                severity: b.severity,
                threshold: b.threshold,
                for: b.for,
                source,
                defaulted: { ...(b.reasons.threshold ? { threshold: b.reasons.threshold } : {}), for: b.reasons.for, severity: b.reasons.severity },
            },
        ],
    };
}

/**
 * Each runbook's platform-default alerts, computed once: the program, the rules, the alarms and
 * the pack ask for them per alert and per service, which was quadratic in services and more.
 * Keyed by the runbook object (runbooks are never mutated; a stack's overrides make a new one).
 */
const computed = new WeakMap<Runbook, readonly Alert[]>();

/**
 * The platform-default alerts of a runbook: for each data service it runs, each baseline check
 * whose signal the runbook does not already alert on for that service; for its public hosts, the
 * TLS probe. Ids are `platform-<service>-<check>`.
 */
export function baselineAlerts(rb: Runbook): Alert[] {
    let alerts = computed.get(rb);
    if (!alerts) computed.set(rb, (alerts = computeBaselineAlerts(rb)));
    return [...alerts];
}

function computeBaselineAlerts(rb: Runbook): Alert[] {
    const covered = (signal: Signal, subject?: string) => rb.alerts.some((a) => a.signal === signal && (subject === undefined || (a.subject ?? subject) === subject));
    const alerts: Alert[] = [];
    for (const { service, source, checks } of dataBaselines(rb)) {
        for (const b of checks) {
            if (!covered(b.signal, service)) alerts.push(toAlert(`${BASELINE_PREFIX}-${service}-${b.what}`, service, source, b));
        }
    }
    // The backup store, where MinIO holds only the backups: cited to the runbook's first backup, which it keeps.
    if (backupStoreOnly(rb)) {
        for (const b of objectStorageChecks("Backup store")) {
            if (!covered(b.signal, OBJECT_STORAGE_COMPONENT)) alerts.push(toAlert(`${BACKUP_STORE_PREFIX}-${b.what}`, OBJECT_STORAGE_COMPONENT, rb.backups[0].source, b));
        }
    }
    for (const svc of rb.services) {
        if (covered("service_replica_down", svc.name)) continue;
        alerts.push(
            toAlert(`${BASELINE_PREFIX}-${svc.name}-replica`, svc.name, svc.source, {
                what: "replica",
                title: `A replica of ${svc.name} fails its health check (platform default)`,
                signal: "service_replica_down",
                direction: "above",
                unit: "bool",
                severity: DEFAULTS.replicaDownSeverity.value,
                threshold: 0,
                for: DEFAULTS.downFor.value,
                reasons: { for: DEFAULTS.downFor.reason, severity: DEFAULTS.replicaDownSeverity.reason },
            }),
        );
    }
    const hosted = rb.services.find((s) => s.host !== undefined);
    if (hosted && !covered("tls_probe_down")) {
        alerts.push(
            toAlert(`${BASELINE_PREFIX}-tls-probe`, "tls", hosted.source, {
                what: "tls-probe",
                title: "TLS probe of a public host fails: expired or invalid certificate, or no TLS answer (platform default)",
                signal: "tls_probe_down",
                direction: "above",
                unit: "bool",
                severity: DEFAULTS.tlsProbeSeverity.value,
                threshold: 0,
                for: DEFAULTS.tlsProbeFor.value,
                reasons: { for: DEFAULTS.tlsProbeFor.reason, severity: DEFAULTS.tlsProbeSeverity.reason },
            }),
        );
    }
    const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
    // The pack identifies a runbook alert's rule by its id inside the rule name: a platform alert
    // must not look like any alert a runbook of this platform may have, removed or not.
    const conventional = Object.keys(SIGNALS).map((s) => s.replace(/_/g, "-"));
    const ids = [...rb.alerts.map((r) => r.id), ...conventional].map((id) => ({ id, normal: norm(id) }));
    for (const a of alerts) {
        const normal = norm(a.id);
        const clash = ids.find((x) => normal.includes(x.normal))?.id;
        if (clash) throw new Error(`${rb.app}: platform alert ${a.id} contains the alert id ${clash}; rename the platform check`);
    }
    return alerts;
}

/** The runbook's alerts and the platform's defaults, in that order. */
export function allAlerts(rb: Runbook): Alert[] {
    return [...rb.alerts, ...baselineAlerts(rb)];
}
