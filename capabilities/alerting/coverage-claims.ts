import type { AppId } from "../../runbooks";

/**
 * The shape of a coverage claim: what implements, tests or enforces one runbook number. The
 * alerting capability fills its own rows (capabilities/alerting/coverage.ts); providers add to
 * any row (the AWS target: which CloudWatch alarm covers CPU, memory and disk; the policy pack:
 * which policy enforces each number). The providers are composed where coverage is printed
 * (cli/coverage.ts), so this pure layer depends on neither the pack nor a target; with no
 * provider, a column shows "—".
 */

export type CoverageKind =
    | "alert-level"
    | "alert-response"
    | "alert-channel"
    | "backup-interval"
    | "backup-schedule"
    | "backup-retention"
    | "log-retention"
    | "scaling"
    | "resources"
    | "release"
    | "postgres-tuning"
    | "redis-tuning"
    | "dashboard";

export interface CoverageKey {
    readonly app: AppId;
    readonly kind: CoverageKind;
    /** Unique within app and kind: `http-error-rate/critical`, `postgres`, `shared_buffers`, `pfh-api`. */
    readonly id: string;
}

export interface CoverageClaim {
    readonly implementedBy?: readonly string[];
    readonly testedBy?: readonly string[];
    readonly enforcedBy?: readonly string[];
}

export type CoverageProvider = (key: CoverageKey) => CoverageClaim | undefined;
