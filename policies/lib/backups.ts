import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { durationSeconds, type Backup, type Dataset, type Runbook } from "../../runbooks";
import { restoreVerification } from "../../capabilities/schedules";
import { runbookBackups } from "../../capabilities/backups/plan";
import { cite, finding, label, perApp, appValue, provenance, type CheckContext, type Finding, type Subject } from "./policy";
import { CADENCE_SECONDS, longestGapSeconds } from "./schedules";
import { asArray, formatSeconds, isRecord, num, textOf, walk } from "./values";

/**
 * Backup schedules wherever a target declares them, and the check that each runbook dataset is
 * backed up at least as often, and kept at least as long, as its runbook says.
 */

export interface BackupEvidence {
    readonly subject: Subject;
    readonly dataset: Dataset;
    /** The backup tier it names (`weekly` in `JOB_DATASET=postgres-weekly`, a rule's `tier` tag), if any. */
    readonly tier?: string;
    /** What the schedule is, as written (`0 1 * * *`, `cron(0 1 * * ? *)`, `daily snapshot`). */
    readonly schedule: string;
    readonly intervalSeconds?: number;
    readonly retentionDays?: number;
    /** Where it was found, for messages: `spec.schedule`, `rules[0] "postgres-daily"`. */
    readonly where: string;
    /** Why this schedule runs nothing although it is present (`spec.suspend: true`, a selection no resource matches). */
    readonly off?: string;
}

/** A scheduled restore check, and why it is switched off if it is. */
export interface VerificationEvidence {
    readonly subject: Subject;
    readonly schedule: string;
    readonly intervalSeconds?: number;
    readonly off?: string;
}

const DATASET_WORDS: readonly [Dataset, RegExp][] = [
    ["postgres", /\b(postgres|postgresql|pg|pgsql|rds|cnpg)\b/],
    ["redis", /\b(redis|elasticache|valkey)\b/],
    ["mongodb", /\b(mongodb|mongo|docdb|documentdb)\b/],
    ["files", /\b(files|file|filesystem|minio|uploads|objects|storage)\b/],
    ["config", /\b(config|configuration|configs)\b/],
    ["rabbitmq", /\b(rabbitmq|amazonmq|definitions)\b/],
];

/** The dataset a name or command is about: `backup-postgres.sh`, `gravitypm-files-daily`, `backup:mongodb`. */
export function datasetIn(text: string): Dataset | undefined {
    const t = text.toLowerCase().replace(/[^a-z0-9]+/g, " ");
    const script = /backup (postgres|redis|mongodb|rabbitmq) sh/.exec(t);
    if (script) return script[1] as Dataset;
    return DATASET_WORDS.find(([, re]) => re.test(t))?.[0];
}

/** The tier a backup name gives after its dataset: `postgres-weekly` → `weekly`; none for `postgres`. */
export function tierIn(text: string, dataset: Dataset): string | undefined {
    return new RegExp(`\\b${dataset}-([a-z][a-z0-9]*)\\b`).exec(text.toLowerCase())?.[1];
}

/** A runbook backup's name: the dataset, or `<dataset>-<tier>` (capabilities/backups/plan.ts). */
const backupName = (b: Backup) => (b.tier ? `${b.dataset}-${b.tier}` : b.dataset);

/** The backup a runbook keeps for a dataset, per app, for config defaults. */
export const backupsConfig: PolicyConfigJSONSchema = perApp(
    "Runbook backups (dataset → every, retentionDays) no schedule may be rarer or shorter-lived than.",
    (rb) => Object.fromEntries(runbookBackups(rb).map((b) => [backupName(b), { every: b.every, retentionDays: b.retentionDays }])),
    { type: "object", additionalProperties: { type: "object", properties: { every: { type: "string" }, retentionDays: { type: "integer" } }, required: ["every", "retentionDays"] } },
);

export interface BackupSpec {
    readonly every: string;
    readonly retentionDays: number;
}

export function backupSpec(ctx: CheckContext, b: Backup): BackupSpec {
    const all = appValue(ctx, "backups", () => ({}) as Record<string, BackupSpec>);
    return all[backupName(b)] ?? { every: b.every, retentionDays: b.retentionDays };
}

/**
 * Each runbook backup among `datasets` has evidence; each piece of evidence runs at least as
 * often and keeps at least as long as the runbook. `retention` says whether the evidence must
 * state a retention (a CronJob that never prunes keeps nothing for sure).
 */
export function checkBackups(ctx: CheckContext, evidence: readonly BackupEvidence[], datasets: readonly Dataset[], where: string, hint: string): Finding[] {
    const out: Finding[] = [];
    for (const b of runbookBackups(ctx.runbook).filter((x) => datasets.includes(x.dataset))) {
        const spec = backupSpec(ctx, b);
        const name = backupName(b);
        // Who each number comes from: a defaulted schedule or retention is the platform's, with its reason.
        const sched = provenance(b, "cron", "every");
        const keep = provenance(b, "retentionDays");
        const wants =
            sched.defaulted || keep.defaulted
                ? `${sched.who} backs up ${name} every ${spec.every} (${b.cron}) ${sched.cite}, and ${keep.who} keeps it ${spec.retentionDays} days ${keep.cite}`
                : `the runbook backs up ${name} every ${spec.every} (${b.cron}) and keeps ${spec.retentionDays} days ${cite(b.source)}`;
        // A tier is checked against the evidence naming it; the untiered backup against the rest of the dataset's.
        const tiers = runbookBackups(ctx.runbook).filter((x) => x.dataset === b.dataset && x.tier).map((x) => x.tier);
        const mine = evidence.filter((e) => e.dataset === b.dataset && (b.tier ? e.tier === b.tier : !tiers.includes(e.tier)));
        if (mine.length === 0) {
            out.push(finding(`${where} has no backup schedule for ${name}; ${wants}. ${hint}`, { key: `backups.${name}.cron` }));
            continue;
        }
        const on = mine.filter((e) => !e.off);
        for (const e of mine.filter((x) => x.off)) {
            out.push(finding(`${label(e.subject)} ${e.where} is switched off: ${e.off}, so it backs up no ${b.dataset}; ${wants}`, { urn: e.subject.urn, key: `backups.${b.dataset}.cron` }));
        }
        for (const e of on) {
            const what = `${label(e.subject)} ${e.where}`;
            if (e.intervalSeconds === undefined) {
                out.push(finding(`${what}: cannot read how often "${e.schedule}" runs; ${wants}`, { urn: e.subject.urn, key: `backups.${name}.cron` }));
            } else if (e.intervalSeconds > durationSeconds(spec.every)) {
                out.push(
                    finding(`${what} runs ${name} backups "${e.schedule}", up to ${formatSeconds(e.intervalSeconds)} apart, rarer than every ${spec.every}; ${wants}`, {
                        urn: e.subject.urn,
                        key: `backups.${name}.cron`,
                    }),
                );
            }
            if (e.retentionDays === undefined) {
                out.push(finding(`${what} sets no retention for ${name} backups; ${wants}`, { urn: e.subject.urn, key: `backups.${name}.retentionDays` }));
            } else if (e.retentionDays < spec.retentionDays) {
                out.push(finding(`${what} keeps ${name} backups ${e.retentionDays} days, less than ${spec.retentionDays}; ${wants}`, { urn: e.subject.urn, key: `backups.${name}.retentionDays` }));
            }
        }
    }
    return out;
}

const CRON_FIELD = /^[0-9*?/,\-LW#A-Za-z]+$/;
const WEEKDAYS = /^(\*|\?|[0-7LW#,\-/]+|(mon|tue|wed|thu|fri|sat|sun)([,\-](mon|tue|wed|thu|fri|sat|sun))*)$/i;

/** `0 1 * * * /scripts/backup-postgres.sh` or `0 0 1 * * * cmd` → schedule and command. */
export function crontabLine(line: string): { schedule: string; command: string } | undefined {
    const t = line.trim();
    if (t.startsWith("#") || t === "") return undefined;
    const every = /^@every\s+(\S+)\s+(.+)$/.exec(t);
    if (every) return { schedule: `@every ${every[1]}`, command: every[2] };
    const macro = /^(@(?:yearly|annually|monthly|weekly|daily|midnight|hourly))\s+(.+)$/.exec(t);
    if (macro) return { schedule: macro[1], command: macro[2] };
    const f = t.split(/\s+/);
    // Six fields with seconds first (ofelia, CloudNativePG) when the sixth token is a weekday field; a command's first word is not.
    if (f.length >= 7 && f.slice(0, 6).every((x) => CRON_FIELD.test(x)) && WEEKDAYS.test(f[5])) return { schedule: f.slice(0, 6).join(" "), command: f.slice(6).join(" ") };
    if (f.length >= 6 && f.slice(0, 5).every((x) => CRON_FIELD.test(x)) && WEEKDAYS.test(f[4])) return { schedule: f.slice(0, 5).join(" "), command: f.slice(5).join(" ") };
    return undefined;
}

/** How often a schedule runs, including `@every 6h` (ofelia, supercronic). */
export function intervalOf(schedule: string): number | undefined {
    const every = /^@every\s+(\d+)(s|m|h|d)$/.exec(schedule.trim());
    if (every) return Number(every[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[every[2] as "s" | "m" | "h" | "d"];
    return longestGapSeconds(schedule);
}

function envValue(envs: unknown, name: string): string | undefined {
    for (const e of asArray(envs)) {
        if (typeof e === "string" && e.startsWith(`${name}=`)) return e.slice(name.length + 1);
        if (isRecord(e) && e.name === name && e.value !== undefined) return String(e.value);
    }
    return undefined;
}

/** `RETENTION_DAYS` in a command line or the workload's environment (the operations scripts' interface). */
export function retentionIn(command: string, envs: unknown): number | undefined {
    const inline = /RETENTION_DAYS[=\s]+"?(\d+)/.exec(command);
    if (inline) return Number(inline[1]);
    return num(envValue(envs, "RETENTION_DAYS"));
}

/** `NAME=value` strings and `{name, value}` objects as one map. */
export function envMap(envs: unknown): Map<string, string> {
    const out = new Map<string, string>();
    for (const e of asArray(envs)) {
        const m = typeof e === "string" ? /^([^=]+)=(.*)$/s.exec(e) : null;
        if (m) out.set(m[1], m[2]);
        else if (isRecord(e) && typeof e.name === "string" && e.value !== undefined) out.set(e.name, String(e.value));
    }
    return out;
}

/**
 * A cron runner configured through its environment (`CRON_SCHEDULE=0 1 * * *`, `JOB_DATASET=postgres`,
 * `RETENTION_DAYS=30`) running a backup script given as its command.
 */
function envScheduled(s: Subject, envs: unknown, commandText: string, nameText: string): BackupEvidence[] {
    const env = envMap(envs);
    const out: BackupEvidence[] = [];
    const declared = [...env.entries()].find(([k]) => /DATASET/i.test(k))?.[1];
    for (const [k, v] of env) {
        if (!/CRON|SCHEDULE/i.test(k) || intervalOf(v) === undefined) continue;
        const dataset = (declared && datasetIn(declared)) || datasetIn(commandText) || datasetIn(nameText);
        if (!dataset || /verify|restore/i.test(commandText) || !/backup|dump|snapshot|mirror|sync/i.test(`${commandText} ${nameText}`)) continue;
        const tier = tierIn(declared ?? "", dataset);
        out.push({ subject: s, dataset, ...(tier ? { tier } : {}), schedule: v, intervalSeconds: intervalOf(v), retentionDays: num(env.get("RETENTION_DAYS")), where: `env ${k}` });
    }
    return out;
}

/**
 * Backup jobs a workload declares: crontab lines in any of its strings (an uploaded crontab,
 * a shell loop's argument, ofelia labels) or a cron runner's environment, whose command names
 * a dataset, with the retention it passes to the operations scripts.
 */
export function scheduledCommands(s: Subject, envs: unknown, extraText = "", commandText = ""): BackupEvidence[] {
    const out: BackupEvidence[] = envScheduled(s, envs, commandText, extraText);
    const labels = new Map<string, string>();
    walk(s.props, (path, v) => {
        if (isRecord(v) && typeof v.label === "string" && typeof v.value === "string") labels.set(v.label, v.value);
        const text = textOf(path, v);
        if (!text) return;
        for (const line of text.split("\n")) {
            const job = crontabLine(line);
            if (!job) continue;
            const dataset = datasetIn(job.command) ?? datasetIn(`${extraText}`);
            if (!dataset || !/backup|dump|snapshot|mirror|sync/i.test(`${job.command} ${extraText}`) || /verify|restore/i.test(job.command)) continue;
            out.push({ subject: s, dataset, schedule: job.schedule, intervalSeconds: intervalOf(job.schedule), retentionDays: retentionIn(job.command, envs), where: `crontab "${line.trim()}" (${path})` });
        }
    });
    for (const [key, schedule] of labels) {
        const m = /^(ofelia\.job-[a-z]+\.[^.]+)\.schedule$/.exec(key);
        if (!m) continue;
        const command = labels.get(`${m[1]}.command`) ?? "";
        const dataset = datasetIn(command) ?? datasetIn(m[1]);
        if (!dataset || /verify|restore/i.test(command)) continue;
        out.push({ subject: s, dataset, schedule, intervalSeconds: intervalOf(schedule), retentionDays: retentionIn(command, envs), where: `label ${key}` });
    }
    return out;
}

/** Restore checks: scheduled runs of `verify-latest.sh` (or a restore test), with how often they run. */
export function scheduledVerifications(s: Subject, schedule: string | undefined, commandText: string): { subject: Subject; schedule: string; intervalSeconds?: number }[] {
    const out: { subject: Subject; schedule: string; intervalSeconds?: number }[] = [];
    if (schedule && /verify-latest|restore-check|restore-test|verify/i.test(commandText)) out.push({ subject: s, schedule, intervalSeconds: intervalOf(schedule) });
    walk(s.props, (path, v) => {
        const text = textOf(path, v);
        if (!text) return;
        for (const line of text.split("\n")) {
            const job = crontabLine(line);
            if (job && /verify-latest|restore-check|restore-test/i.test(job.command)) out.push({ subject: s, schedule: job.schedule, intervalSeconds: intervalOf(job.schedule) });
        }
    });
    return out;
}

/**
 * How often the runbook wants a restore proven: its restore test or DR drill, whichever is more
 * frequent, chosen by the same pure function the targets schedule from; undefined where the
 * runbook schedules none (the pack holds stacks to the runbook, not to the platform's default).
 */
export function restoreCadence(rb: Runbook): { cadence: keyof typeof CADENCE_SECONDS; seconds: number; source: Runbook["verification"][number]["source"] } | undefined {
    const v = restoreVerification(rb);
    return v ? { cadence: v.cadence, seconds: CADENCE_SECONDS[v.cadence], source: v.source } : undefined;
}

/** The runbook restore cadence as a finding when no scheduled check is at least that frequent. */
export function checkRestoreTests(ctx: CheckContext, all: readonly VerificationEvidence[], where: string, hint: string): Finding[] {
    const cadence = restoreCadence(ctx.runbook);
    if (!cadence) return [];
    const wants = `the runbook proves a restore ${cadence.cadence} ${cite(cadence.source)}`;
    const off = all
        .filter((c) => c.off)
        .map((c) => finding(`${label(c.subject)} (restore check "${c.schedule}") is switched off: ${c.off}, so it proves no restore; ${wants}`, { urn: c.subject.urn, key: "verification.restore-test" }));
    const checks = all.filter((c) => !c.off);
    if (checks.length === 0) return [...off, finding(`${where} schedules no restore check${off.length ? " that is switched on" : ""}; ${wants}. ${hint}`, { key: "verification.restore-test" })];
    return [...off, ...checks
        .filter((c) => c.intervalSeconds === undefined || c.intervalSeconds > cadence.seconds)
        .map((c) =>
            finding(`${label(c.subject)} runs its restore check "${c.schedule}"${c.intervalSeconds ? `, up to ${formatSeconds(c.intervalSeconds)} apart` : ""}, rarer than ${cadence.cadence}; ${wants}`, {
                urn: c.subject.urn,
                key: "verification.restore-test",
            }),
        )];
}
