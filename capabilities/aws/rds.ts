import type { Runbook } from "../../runbooks";
import { postgresSettings } from "../datastores";

/**
 * RDS for PostgreSQL from the runbook's `data.postgres`: instance size, the parameter group in
 * RDS's units and apply methods, and the retention RDS can hold.
 */

type Postgres = NonNullable<Runbook["data"]["postgres"]>;

/** RDS keeps automated backups (point-in-time recovery) at most this many days. */
export const RDS_MAX_BACKUP_RETENTION_DAYS = 35;
/** Storage per instance, GiB of gp3: the runbooks give no database size; gp3's baseline 3000 IOPS starts at 20 GiB. */
export const RDS_ALLOCATED_STORAGE_GIB = 100;
/** Performance Insights' free tier keeps 7 days. */
export const PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7;
/** Enhanced Monitoring sample interval, seconds: per-process metrics at the same 60 s as the alarms. */
export const ENHANCED_MONITORING_SECONDS = 60;

/** Instance classes in size order, with their memory (MiB). Graviton, general purpose; t4g.medium is the smallest Performance Insights supports. */
export const RDS_INSTANCE_CLASSES: readonly (readonly [string, number])[] = [
    ["db.t4g.medium", 4096],
    ["db.m7g.large", 8192],
    ["db.m7g.xlarge", 16384],
    ["db.m7g.2xlarge", 32768],
    ["db.m7g.4xlarge", 65536],
];

/** PostgreSQL's memory units, in kB. */
const UNIT_KB: Record<string, number> = { kB: 1, MB: 1024, GB: 1024 * 1024, TB: 1024 * 1024 * 1024 };

/** Parameters RDS counts in 8 kB pages rather than kB. */
const PAGE_PARAMS = new Set(["shared_buffers", "effective_cache_size", "wal_buffers", "temp_buffers"]);
/** Parameters RDS counts in kB. */
const KB_PARAMS = new Set(["work_mem", "maintenance_work_mem", "autovacuum_work_mem", "logical_decoding_work_mem"]);
/** Static parameters: RDS applies them only at the next reboot. */
const STATIC_PARAMS = new Set(["shared_buffers", "shared_preload_libraries", "max_connections", "pg_stat_statements.max", "wal_buffers", "max_worker_processes", "track_activity_query_size"]);

/** `256MB` → kB. A bare number is already in the parameter's base unit and is returned as is. */
export function memoryKb(value: string, field: string): number {
    const m = /^(\d+)\s*(kB|MB|GB|TB)$/.exec(value.trim());
    if (!m) throw new Error(`${field} = "${value}": expected a PostgreSQL memory size like 256MB or 1GB`);
    return Number(m[1]) * UNIT_KB[m[2]];
}

/**
 * A postgresql.conf value in the unit RDS's parameter group takes: shared_buffers and
 * effective_cache_size in 8 kB pages (256MB → 32768), work_mem in kB, everything else unchanged.
 */
export function rdsParameterValue(name: string, value: string): string {
    if (PAGE_PARAMS.has(name) && /[a-zA-Z]$/.test(value)) {
        const kb = memoryKb(value, `data.postgres.parameters.${name}`);
        if (kb % 8 !== 0) throw new Error(`data.postgres.parameters.${name} = "${value}": not a whole number of 8 kB pages`);
        return String(kb / 8);
    }
    if (KB_PARAMS.has(name) && /[a-zA-Z]$/.test(value)) return String(memoryKb(value, `data.postgres.parameters.${name}`));
    return value;
}

export interface RdsParameter {
    readonly name: string;
    readonly value: string;
    readonly applyMethod: "immediate" | "pending-reboot";
}

/** The parameter group family RDS uses for a major version: `postgres16`. */
export function rdsParameterFamily(pg: Postgres): string {
    return `postgres${pg.version}`;
}

export interface RdsSize {
    readonly instanceClass: string;
    readonly memoryMiB: number;
    /** Set explicitly in the parameter group, so the pool-usage alarm divides by a known number: the runbook's `max_connections`, else RDS's formula. */
    readonly maxConnections: number;
}

/**
 * The runbook's class (`data.postgres.instanceSize`), else the smallest class where its tuning is
 * sound: shared_buffers at most a quarter of memory and effective_cache_size at most three
 * quarters (PostgreSQL's own guidance). A stated class too small for the tuning is an error.
 */
export function rdsSize(pg: Postgres): RdsSize {
    const kb = (name: string) => (pg.parameters[name] ? memoryKb(pg.parameters[name], `data.postgres.parameters.${name}`) : 0);
    const needMiB = Math.max((kb("shared_buffers") * 4) / 1024, (kb("effective_cache_size") * 4) / 3 / 1024);
    const fit = pg.instanceSize ? RDS_INSTANCE_CLASSES.find(([c]) => c === pg.instanceSize) : RDS_INSTANCE_CLASSES.find(([, mem]) => mem >= needMiB);
    if (pg.instanceSize && !fit) throw new Error(`data.postgres.instanceSize = "${pg.instanceSize}" is not a class the platform sizes; allowed: ${RDS_INSTANCE_CLASSES.map(([c]) => c).join(", ")}`);
    if (pg.instanceSize && fit && fit[1] < needMiB) {
        throw new Error(`data.postgres.instanceSize = "${pg.instanceSize}" has ${fit[1]} MiB, but shared_buffers/effective_cache_size need ${Math.ceil(needMiB)} MiB; allowed: ${RDS_INSTANCE_CLASSES.filter(([, m]) => m >= needMiB).map(([c]) => c).join(", ")}`);
    }
    if (!fit) throw new Error(`data.postgres.parameters: shared_buffers/effective_cache_size need ${Math.ceil(needMiB)} MiB, more than the largest class offered`);
    return { instanceClass: fit[0], memoryMiB: fit[1], maxConnections: runbookMaxConnections(pg) ?? Math.min(Math.floor((fit[1] * 1024 * 1024) / 9531392), 5000) };
}

/** PostgreSQL refuses a max_connections above this (MAX_BACKENDS). */
export const POSTGRES_MAX_CONNECTIONS_LIMIT = 262143;

/**
 * The runbook's own `max_connections`, honoured rather than replaced; undefined where it sets
 * none and RDS's default formula, LEAST(DBInstanceClassMemory/9531392, 5000), applies.
 */
export function runbookMaxConnections(pg: Postgres): number | undefined {
    const raw = pg.parameters.max_connections;
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < 1 || n > POSTGRES_MAX_CONNECTIONS_LIMIT) {
        throw new Error(`data.postgres.parameters.max_connections = "${raw}": allowed: a whole number from 1 to ${POSTGRES_MAX_CONNECTIONS_LIMIT}`);
    }
    return n;
}

/**
 * The parameter group: the runbook's postgresql.conf settings (tuning, pg_stat_statements, the
 * slow-query log) in RDS's units, TLS forced, and max_connections pinned.
 */
export function rdsParameters(pg: Postgres, size: RdsSize): RdsParameter[] {
    const settings: Record<string, string> = {
        ...postgresSettings(pg),
        max_connections: String(size.maxConnections),
        "rds.force_ssl": "1",
        log_connections: "1",
        log_disconnections: "1",
    };
    return Object.entries(settings)
        .map(([name, value]) => ({
            name,
            value: rdsParameterValue(name, value === "on" ? "1" : value === "off" ? "0" : value),
            applyMethod: STATIC_PARAMS.has(name) ? ("pending-reboot" as const) : ("immediate" as const),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

/** RDS's automated-backup retention: the runbook's, capped at RDS's 35 days (AWS Backup keeps the full retention). */
export function rdsBackupRetention(retentionDays: number): { days: number; capped: boolean } {
    return { days: Math.min(retentionDays, RDS_MAX_BACKUP_RETENTION_DAYS), capped: retentionDays > RDS_MAX_BACKUP_RETENTION_DAYS };
}
