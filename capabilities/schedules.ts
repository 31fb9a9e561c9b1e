import type { Cadence, Dataset, Runbook } from "../runbooks";
import { DEFAULT_RESTORE_TEST } from "../runbooks/defaults";

/**
 * Backup and verification schedules as each scheduler writes them. The runbook's cron is the
 * source (five fields, UTC); Kubernetes CronJobs take it as is, AWS wants its six-field form.
 */

/** `0 *\/6 * * *` → `cron(0 *\/6 * * ? *)`: AWS needs `?` in one of day-of-month and day-of-week. */
export function awsCron(cron: string): string {
    const [min, hour, dom, month, dow] = cron.trim().split(/\s+/);
    if (dow === undefined) throw new Error(`"${cron}" is not a five-field cron expression`);
    const awsDow = dow === "*" ? "?" : dow.replace(/\d/g, (d) => `${((Number(d) % 7) + 1)}`);
    const awsDom = dow === "*" ? dom : "?";
    return `cron(${min} ${hour} ${awsDom} ${month} ${awsDow} *)`;
}

/** When the platform runs a check the runbook gives only a cadence for (UTC, after the nightly backups). */
export const CADENCE_CRON: Record<Cadence, string> = {
    daily: "30 5 * * *",
    weekly: "30 5 * * 1",
    monthly: "30 5 1 * *",
    quarterly: "30 5 1 1,4,7,10 *",
};

export interface RestoreTestPlan {
    readonly cadence: Cadence;
    readonly cron: string;
    /** True when the runbook schedules no restore test and the platform's monthly one applies. */
    readonly defaulted: boolean;
}

/** Cadences from the most to the least frequent. */
const CADENCE_ORDER: readonly Cadence[] = ["daily", "weekly", "monthly", "quarterly"];

/**
 * The runbook's own restore proof: its restore test or DR drill, whichever is more frequent (the
 * first listed on a tie), or undefined where it schedules none. Pure, so the policy pack holds
 * stacks to the same cadence the targets schedule.
 */
export function restoreVerification(rb: Runbook): Runbook["verification"][number] | undefined {
    return rb.verification
        .filter((v) => v.kind === "restore-test" || v.kind === "dr-drill")
        .sort((a, b) => CADENCE_ORDER.indexOf(a.cadence) - CADENCE_ORDER.indexOf(b.cadence))[0];
}

/** How often a restore is proven: the runbook's restore test or DR drill, else the platform's default cadence. */
export function restoreTestPlan(rb: Runbook): RestoreTestPlan {
    const verification = restoreVerification(rb);
    if (!verification) return { cadence: DEFAULT_RESTORE_TEST, cron: CADENCE_CRON[DEFAULT_RESTORE_TEST], defaulted: true };
    return { cadence: verification.cadence, cron: CADENCE_CRON[verification.cadence], defaulted: false };
}

export function backupFor(rb: Runbook, dataset: Dataset) {
    return rb.backups.find((b) => b.dataset === dataset);
}
