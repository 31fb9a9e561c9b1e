import test from "ava";
import { coverageRows } from "../../capabilities/alerting/coverage";
import { backupPlan } from "../../capabilities/backups/plan";
import { awsClaim } from "../../capabilities/aws/coverage";
import { backupRules } from "../../capabilities/aws/backups";
import { awsNames } from "../../capabilities/aws/names";
import { policyCoverage } from "../../policies/coverage";
import { getRunbook, parseRunbook, type Runbook } from "../../runbooks";

/**
 * `npm run coverage` shows every backup tier of a dataset, each with its own AWS Backup plan and
 * the dataset's policies, not only the dataset's first backup. The tier is added to a real
 * runbook (one whose PostgreSQL has a single backup) as the sixth team's fixture writes one.
 */

function withWeeklyTier(): Runbook {
    const base = structuredClone(getRunbook("pfm-community")) as Runbook;
    const nightly = base.backups.find((b) => b.dataset === "postgres")!;
    base.backups.push({ ...nightly, tier: "weekly", cron: "0 3 * * 0", every: "1w", retentionDays: nightly.retentionDays * 4, maxAge: undefined });
    return parseRunbook(JSON.parse(JSON.stringify(base)));
}

test("every tier of a dataset has its schedule, retention and interval rows, each claimed by its own plan", (t) => {
    const rb = withWeeklyTier();
    const rows = coverageRows([rb], [(key) => awsClaim(rb, key), policyCoverage]);
    const names = awsNames(rb.app, "production");
    const tiers = backupPlan(rb).filter((p) => p.dataset === "postgres");
    t.is(tiers.length, 2);
    for (const p of tiers) {
        const rule = backupRules(rb).find((r) => r.name === p.name)!;
        for (const kind of ["backup-schedule", "backup-retention", "backup-interval"]) {
            const row = rows.find((r) => r.kind === kind && r.id === p.name);
            if (!row) return t.fail(`no ${kind} row for ${p.name}`);
            t.true(row.enforcedBy.includes("k8s-cnpg-scheduledbackup-runbook-schedule"), `${kind} ${p.name}: the PostgreSQL policies hold every tier`);
            t.true(row.implementedBy.length > 0, `${kind} ${p.name}: nothing implements it`);
        }
        const schedule = rows.find((r) => r.kind === "backup-schedule" && r.id === p.name)!;
        t.is(schedule.number, `cron ${p.backup.cron}`);
        t.true(schedule.implementedBy.some((i) => i.includes(`AWS Backup plan ${names.prefix}-${p.name} schedule ${rule.schedule}`)), schedule.implementedBy.join("; "));
        const retention = rows.find((r) => r.kind === "backup-retention" && r.id === p.name)!;
        t.is(retention.number, `${p.backup.retentionDays} days`);
        t.true(retention.implementedBy.some((i) => i.includes(`${names.prefix}-${p.name} deleteAfter ${p.backup.retentionDays} days`)), retention.implementedBy.join("; "));
        const interval = rows.find((r) => r.kind === "backup-interval" && r.id === p.name)!;
        t.true(interval.implementedBy.some((i) => i.includes(`vault ${names.vault(p.name)}`)), interval.implementedBy.join("; "));
    }
});
