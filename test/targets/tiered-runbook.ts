import { getRunbook, parseRunbook, type Backup, type Runbook } from "../../runbooks";
import type { PlatformContext } from "../../stacks/settings";

/**
 * A sixth team's runbook with two backup tiers of one dataset, built from bunty's: its nightly
 * PostgreSQL backup as it is, plus a `weekly` tier (Sundays 03:00 UTC, kept 12 weeks = 84 days).
 * No real runbook has a tier yet, so this is the one plan of the kind on each target. Tests read
 * every expected value from this data, never from the generators under test.
 */
export const BASE_APP = "bunty" as const;
export const TIER = "weekly";
export const WEEKLY: Omit<Backup, "source" | "defaulted" | "converted"> = { dataset: "postgres", tier: TIER, cron: "0 3 * * 0", every: "7d", retentionDays: 84 };

export function tieredRunbook(): Runbook {
    const base = getRunbook(BASE_APP);
    const nightly = base.backups.find((b) => b.dataset === WEEKLY.dataset);
    if (!nightly) throw new Error(`${BASE_APP} has no ${WEEKLY.dataset} backup to add a tier beside`);
    return parseRunbook({ ...base, backups: [...base.backups, { ...WEEKLY, source: nightly.source }] });
}

export const RB = tieredRunbook();
/** The untiered backup of the tiered dataset, and its tier, as the runbook holds them. */
export const NIGHTLY_ENTRY = RB.backups.find((b) => b.dataset === WEEKLY.dataset && !b.tier)!;
export const WEEKLY_ENTRY = RB.backups.find((b) => b.dataset === WEEKLY.dataset && b.tier === TIER)!;

/**
 * The stack's context with the tiered runbook in place of bunty's, its services on the hosts the
 * stack publishes them at (the program's effective runbook carries the stack's hosts, as
 * stacks/settings.ts resolves them: staging's probes and Ingresses name the same host).
 */
export const withTiers = (c: PlatformContext): PlatformContext => ({
    ...c,
    runbook: { ...RB, services: RB.services.map((s) => (c.hosts[s.name] ? { ...s, host: c.hosts[s.name] } : s)) },
    baseline: RB,
});
