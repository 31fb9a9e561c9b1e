import { ENVS, type Runbook, type Source } from "../../runbooks";
import { backupPlan } from "../backups/plan";
import type { CoverageKey, CoverageKind, CoverageProvider } from "./coverage-claims";
import { caseNamesByAlert } from "./promtool-tests";
import { receiverName, routeTimings, routingCases } from "./routing";
import { levelSummary } from "./levels";
import { alertName, rulesFor } from "./rules";
import { DEFAULT_TARGET } from "../targets";
import { CLOUDWATCH_METRICS, alertsOn, isCloudWatchOnlySignal } from "./signals";

/** runbook number -> what implements it -> what tests it -> what enforces it. */
export interface CoverageRow extends CoverageKey {
    /** The number in words: `critical > 5% for 2m`, `every 1d`. */
    readonly number: string;
    readonly source?: Source;
    readonly implementedBy: readonly string[];
    readonly testedBy: readonly string[];
    readonly enforcedBy: readonly string[];
}

const DASHBOARD_TEST = "test/alerting/dashboards.test.ts";
const ROUTING_TEST = "test/alerting/routing.test.ts";

interface Own {
    readonly kind: CoverageKind;
    readonly id: string;
    readonly number: string;
    readonly source?: Source;
    readonly implementedBy?: readonly string[];
    readonly testedBy?: readonly string[];
}

function alertRows(runbook: Runbook): Own[] {
    const app = runbook.app;
    const stacks = ENVS.map((env) => ({ env, target: DEFAULT_TARGET[env] }));
    const built = stacks.map((s) => ({
        ...s,
        rules: new Set(rulesFor(runbook, s.env, s.target).groups.flatMap((g) => g.rules.map((r) => r.alert))),
        tests: caseNamesByAlert(runbook, s.env, s.target),
        cloudwatch: new Set(alertsOn(runbook, s.target).cloudwatch.map((a) => a.id)),
    }));
    return runbook.alerts.flatMap((alert) =>
        alert.levels.map((level) => {
            const name = alertName(app, alert.id, level.severity);
            const ruled = built.filter((b) => b.rules.has(name));
            const alarm = isCloudWatchOnlySignal(alert.signal) ? CLOUDWATCH_METRICS[alert.signal] : undefined;
            const implementedBy = [
                ...(ruled.length ? [`rule ${name} (${ruled.map((b) => `${b.env}/${b.target}`).join(", ")})`] : []),
                ...built.filter((b) => alarm && b.cloudwatch.has(alert.id)).map((b) => `${b.env}/${b.target}: CloudWatch alarm on ${alarm?.namespace} ${alarm?.metric}, owned by the AWS target`),
            ];
            const testedBy = [...new Set(ruled.flatMap((b) => b.tests.get(name) ?? []))].map((t) => `promtool: ${t}`);
            return {
                kind: "alert-level" as const,
                id: `${alert.id}/${level.severity}`,
                number: levelSummary(alert, level),
                source: level.source,
                implementedBy,
                testedBy,
            };
        }),
    );
}

function routingRows(runbook: Runbook): Own[] {
    const app = runbook.app;
    const cases = routingCases(runbook, "production");
    const caseFor = (receiver: string) => cases.filter((c) => c.receiver === receiver).map((c) => `amtool: ${c.name}`);
    const response = (["critical", "warning", "info"] as const).map((severity) => {
        const r = runbook.incident.alertResponse[severity];
        const t = routeTimings(r.minutes);
        return {
            kind: "alert-response" as const,
            id: severity,
            number: r.minutes === 0 ? "respond immediately" : `respond within ${r.minutes} min`,
            source: r.source,
            implementedBy: [`route severity="${severity}" -> ${receiverName(app, severity)}: group_wait ${t.group_wait}, group_interval ${t.group_interval}, repeat_interval ${t.repeat_interval}`],
            testedBy: [...caseFor(receiverName(app, severity)), `${ROUTING_TEST}: timings`],
        };
    });
    const { chat, email, source } = runbook.incident.channels;
    const channels: Own[] = [
        {
            kind: "alert-channel",
            id: "chat",
            number: chat,
            source,
            implementedBy: [`slack_configs channel ${chat} on ${(["critical", "warning", "info"] as const).map((s) => receiverName(app, s)).join(", ")}`],
            testedBy: [...caseFor(receiverName(app, "warning")), ...caseFor(receiverName(app, "info"))],
        },
        ...(email
            ? [
                  {
                      kind: "alert-channel" as const,
                      id: "email",
                      number: email,
                      source,
                      implementedBy: [`email_configs to ${email} on ${receiverName(app, "warning")}`],
                      testedBy: caseFor(receiverName(app, "warning")),
                  },
              ]
            : []),
    ];
    return [...response, ...channels];
}

function dataRows(runbook: Runbook, testsOf: (signal: string) => string[]): Own[] {
    const backupAlert = runbook.alerts.find((a) => a.signal === "backup_age");
    const rows: Own[] = backupPlan(runbook).flatMap(({ name: dataset, backup, cron, retentionDays }) => [
        {
            kind: "backup-interval" as const,
            id: dataset,
            number: `every ${backup.every}`,
            source: backup.source,
            implementedBy: backupAlert ? backupAlert.levels.map((l) => `rule ${alertName(runbook.app, backupAlert.id, l.severity)} (age / ${backup.every})`) : [],
            testedBy: testsOf("backup_age"),
        },
        { kind: "backup-schedule" as const, id: dataset, number: `cron ${cron}`, source: backup.source },
        { kind: "backup-retention" as const, id: dataset, number: `${retentionDays} days`, source: backup.source },
    ]);
    rows.push({ kind: "log-retention", id: "logs", number: `${runbook.logs.retentionDays} days`, source: runbook.logs.source });
    for (const s of runbook.services) {
        rows.push({
            kind: "scaling",
            id: s.name,
            number: `min ${s.scaling.min}, desired ${s.scaling.desired}, max ${s.scaling.max}, CPU ${s.scaling.cpuTargetPercent}%, memory ${s.scaling.memoryTargetPercent}%`,
            source: s.scaling.source,
        });
        rows.push({ kind: "resources", id: s.name, number: `limits ${s.resources.limits.memoryMiB} MiB, ${s.resources.limits.cpu} CPU`, source: s.resources.source });
    }
    if (runbook.aws.blueGreen) rows.push({ kind: "release", id: "blue-green", number: `blue/green, old colour kept ${runbook.aws.blueGreen.bakeMinutes} min`, source: runbook.aws.blueGreen.source });
    const pg = runbook.data.postgres;
    if (pg) {
        for (const [k, v] of Object.entries(pg.parameters)) rows.push({ kind: "postgres-tuning", id: k, number: v, source: pg.source });
        const slow = runbook.alerts.find((a) => a.signal === "postgres_slow_queries");
        rows.push({
            kind: "postgres-tuning",
            id: "slowQueryMs",
            number: `${pg.slowQueryMs} ms`,
            source: pg.source,
            implementedBy: slow ? slow.levels.map((l) => `rule ${alertName(runbook.app, slow.id, l.severity)} (mean > ${pg.slowQueryMs / 1000} s)`) : [],
            testedBy: slow ? testsOf("postgres_slow_queries") : [],
        });
    }
    const redis = runbook.data.redis;
    if (redis) rows.push({ kind: "redis-tuning", id: "maxmemory", number: `${redis.maxmemoryMB} MB, ${redis.maxmemoryPolicy}`, source: redis.source });
    for (const id of runbook.monitoring.dashboards) {
        rows.push({ kind: "dashboard", id, number: id, source: runbook.monitoring.source, implementedBy: [`grafana/dashboards/${id}.json`], testedBy: [DASHBOARD_TEST] });
    }
    return rows;
}

/**
 * Every runbook number of every app, with what the alerting capability and the given providers
 * say about it (the caller composes them: cli/coverage.ts passes the AWS target's and the pack's).
 */
export function coverageRows(runbooks: readonly Runbook[], providers: readonly CoverageProvider[]): CoverageRow[] {
    return runbooks.flatMap((runbook) => {
        const levels = alertRows(runbook);
        const testsOf = (signal: string) => {
            const ids = new Set(runbook.alerts.filter((a) => a.signal === signal).map((a) => a.id));
            return levels.filter((r) => ids.has(r.id.split("/")[0])).flatMap((r) => r.testedBy ?? []);
        };
        return [...levels, ...routingRows(runbook), ...dataRows(runbook, testsOf)].map((own) => {
            const key: CoverageKey = { app: runbook.app, kind: own.kind, id: own.id };
            const claims = providers.map((p) => p(key)).filter((c) => c !== undefined);
            return {
                ...key,
                number: own.number,
                source: own.source,
                implementedBy: [...(own.implementedBy ?? []), ...claims.flatMap((c) => c.implementedBy ?? [])],
                testedBy: [...(own.testedBy ?? []), ...claims.flatMap((c) => c.testedBy ?? [])],
                enforcedBy: claims.flatMap((c) => c.enforcedBy ?? []),
            };
        });
    });
}

/** Alert levels without a rule or without a test: what makes `npm run coverage` exit 1. */
export function coverageProblems(rows: readonly CoverageRow[]): string[] {
    return rows
        .filter((r) => r.kind === "alert-level")
        .flatMap((r) => [
            ...(r.implementedBy.length === 0 ? [`${r.app} ${r.id} (${r.number}): no rule implements it`] : []),
            ...(r.testedBy.length === 0 ? [`${r.app} ${r.id} (${r.number}): no test proves it`] : []),
        ]);
}
