import type { AppId } from "../../runbooks";
import { policyCoverage } from "../../policies/coverage";
import { awsCoverage } from "../aws/coverage";

/**
 * How other capabilities tell `npm run coverage` what they implement, test or enforce for a
 * runbook number. The alerting capability fills its own rows; a provider adds to any row (the
 * policy pack: which policy enforces each number; the AWS target: which CloudWatch alarm covers
 * CPU, memory and disk). With no provider, a column shows "—".
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

/** Providers consulted for every row, in order: the AWS target's resources, the policy pack's policies. */
export const COVERAGE_PROVIDERS: readonly CoverageProvider[] = [awsCoverage, policyCoverage];
