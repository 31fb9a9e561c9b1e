import { isUnknown } from "./inputs";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { durationSeconds, type Alert, type Runbook } from "../../runbooks";
import { appValue, cite, finding, label, perApp, type CheckContext, type Finding, type Subject } from "./policy";
import { datasetIn, tierIn } from "./backups";
import { alertingRules, thresholds, type Comparison } from "./prometheus";
import { asArray, durationToSeconds, formatSeconds, isRecord, num } from "./values";
import { alarmNeeds, alarmSubjectKeys, ruleSelects, ruleSubjects } from "./subjects";

/**
 * Evidence that a runbook alert level is implemented: a Prometheus alerting rule or a CloudWatch
 * alarm, with the alert it implements (by id and severity) and how tight it is (comparison
 * against a number literal, and how long the condition must hold).
 */
export interface AlertEvidence {
    readonly subject: Subject;
    readonly kind: "prometheus rule" | "CloudWatch alarm";
    /** The rule's alert name or the alarm's name. */
    readonly name: string;
    readonly alertId?: string;
    readonly severity?: string;
    readonly comparisons: readonly Comparison[];
    readonly forSeconds: number;
    /** The shortest wait the metric allows (CloudWatch: one period of the metric's publishing resolution). */
    readonly minForSeconds?: number;
    readonly labels: Readonly<Record<string, string>>;
    /** Why it notifies no one although present (`actionsEnabled: false`). */
    readonly off?: string;
    /** A rule's PromQL (what it selects decides which subjects it covers). */
    readonly expr?: string;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/**
 * Which runbook alert a rule or alarm implements: a label or tag whose value is the alert id
 * (`alert_id: http-error-rate`), a runbook URL ending in `#<id>`, or else the longest alert id
 * contained in its name (`PfmCommunityHttpErrorRateCritical` → `http-error-rate`). A rule whose
 * `alert_id` names no runbook alert implements none.
 */
export function identify(rb: Runbook, name: string, labels: Readonly<Record<string, string>>, extra: readonly string[] = []): string | undefined {
    const ids = rb.alerts.map((a) => a.id);
    for (const v of Object.values(labels)) if (ids.includes(v)) return v;
    // A rule that names its own alert id (a platform default's `platform-kafka-unreachable`) is that
    // alert, not a runbook alert whose section its runbook link happens to share.
    if (labels.alert_id !== undefined) return undefined;
    for (const v of [...Object.values(labels), ...extra]) {
        const m = /#([a-z][a-z0-9-]*)$/.exec(v);
        if (m && ids.includes(m[1])) return m[1];
    }
    const n = norm(name);
    return ids.filter((id) => n.includes(norm(id))).sort((a, b) => b.length - a.length)[0];
}

function severityFrom(labels: Readonly<Record<string, string>>, name: string): string | undefined {
    const s = labels.severity ?? labels.Severity;
    if (s) return s.toLowerCase();
    return /(critical|warning|info)/i.exec(name)?.[1].toLowerCase();
}

export function prometheusEvidence(rb: Runbook, subjects: readonly Subject[]): AlertEvidence[] {
    return subjects.flatMap((s) =>
        alertingRules(s.props).map((r) => ({
            subject: s,
            kind: "prometheus rule" as const,
            name: r.alert,
            alertId: identify(rb, r.alert, r.labels, Object.values(r.annotations)),
            severity: severityFrom(r.labels, ""),
            comparisons: thresholds(r.expr),
            forSeconds: r.forSeconds,
            labels: r.labels,
            expr: r.expr,
        })),
    );
}

const CW_OPS: Record<string, Comparison["op"]> = {
    GreaterThanThreshold: ">",
    GreaterThanOrEqualToThreshold: ">=",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "<=",
};

export const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

/** Metrics published less often than every minute: an alarm on them cannot wait less than one such period. */
const COARSE_METRICS: Readonly<Record<string, number>> = { "AWS/CertificateManager DaysToExpiry": 86400 };
const STANDARD_RESOLUTION = 60;

function metricsOf(p: Record<string, any>): { namespace: string; metricName: string }[] {
    const own = p.metricName ? [{ namespace: String(p.namespace ?? ""), metricName: String(p.metricName) }] : [];
    const queried = asArray<Record<string, any>>(p.metricQueries)
        .map((q) => q?.metric)
        .filter(isRecord)
        .map((m) => ({ namespace: String(m.namespace ?? ""), metricName: String(m.metricName ?? "") }));
    return [...own, ...queried];
}

/** CloudWatch alarms: the condition must hold for `datapointsToAlarm` (else `evaluationPeriods`) periods. */
export function cloudwatchEvidence(rb: Runbook, subjects: readonly Subject[]): AlertEvidence[] {
    return subjects
        .filter((s) => s.type === METRIC_ALARM)
        .map((s) => {
            const p = s.props;
            const tags: Record<string, string> = isRecord(p.tags) ? Object.fromEntries(Object.entries(p.tags).map(([k, v]) => [k, String(v)])) : {};
            const name = String(p.name ?? p.alarmName ?? s.name);
            const periods = asArray<Record<string, any>>(p.metricQueries)
                .map((q) => num(q?.metric?.period) ?? num(q?.period))
                .filter((x): x is number => x !== undefined);
            const period = num(p.period) ?? (periods.length ? Math.max(...periods) : 60);
            const points = num(p.datapointsToAlarm) ?? num(p.evaluationPeriods) ?? 1;
            const op = CW_OPS[String(p.comparisonOperator)];
            const threshold = num(p.threshold);
            const metrics = metricsOf(p);
            const alertId = identify(rb, `${name}`, tags, typeof p.alarmDescription === "string" ? [p.alarmDescription] : []);
            let comparisons: Comparison[] = op && threshold !== undefined ? [{ op, value: threshold }] : [];
            let forSeconds = period * points;
            // Backup age on AWS: "fewer than one completed AWS Backup job in the window" is "the last
            // backup is older than the window"; the window, in the dataset's backup intervals, is the threshold.
            const backup = alertId && rb.alerts.find((a) => a.id === alertId)?.signal === "backup_age";
            // A tier's vault (`…-postgres-weekly`) is measured in its own interval, the untiered one in the dataset's.
            const dataset = datasetIn(name);
            const tier = dataset && tierIn(name, dataset);
            const every = (rb.backups.find((b) => b.dataset === dataset && b.tier && b.tier === tier) ?? rb.backups.find((b) => b.dataset === dataset && !b.tier) ?? rb.backups.find((b) => b.dataset === dataset))?.every;
            if (backup && every && (op === "<" || op === "<=") && threshold !== undefined && threshold <= 1 && metrics.some((m) => m.namespace === "AWS/Backup")) {
                comparisons = [{ op: ">", value: forSeconds / durationSeconds(every) }];
                forSeconds = 0;
            }
            return {
                subject: s,
                kind: "CloudWatch alarm" as const,
                name,
                alertId,
                severity: severityFrom(tags, name),
                comparisons,
                forSeconds,
                ...(p.actionsEnabled === false || p.actionsEnabled === "false"
                    ? { off: "actionsEnabled is false, so it notifies no one" }
                    : !isUnknown(p.alarmActions) && asArray(p.alarmActions).length === 0
                      ? { off: "it has no alarmActions, so it notifies no one" }
                      : {}),
                minForSeconds: Math.max(STANDARD_RESOLUTION, ...metrics.map((m) => COARSE_METRICS[`${m.namespace} ${m.metricName}`] ?? 0)),
                labels: tags,
            };
        });
}

export interface LevelSpec {
    readonly threshold: number;
    readonly for: string;
    readonly direction: Alert["direction"];
}

/** Config: every runbook alert level, by `<alert id>.<severity>`, per app. */
export const levelsConfig: PolicyConfigJSONSchema = perApp(
    "Runbook alert levels (`<alert id>.<severity>` → threshold, for, direction) no rule may be looser than.",
    (rb) => Object.fromEntries(rb.alerts.flatMap((a) => a.levels.map((l) => [`${a.id}.${l.severity}`, { threshold: l.threshold, for: l.for, direction: a.direction }]))),
    {
        type: "object",
        additionalProperties: {
            type: "object",
            properties: { threshold: { type: "number" }, for: { type: "string" }, direction: { enum: ["above", "below"] } },
            required: ["threshold", "for", "direction"],
        },
    },
);

function describeLevel(a: Alert, spec: LevelSpec): string {
    return `${spec.direction} ${spec.threshold} (${a.unit}) for ${spec.for}`;
}

/**
 * Every runbook alert level has a rule or alarm with the runbook's severity, firing on the
 * runbook's side of the threshold, no later in value (threshold) or time (`for`) than it says.
 */
export function checkRunbookAlerts(ctx: CheckContext, evidence: readonly AlertEvidence[], where: string, resources: readonly Subject[] = []): Finding[] {
    const levels = appValue(ctx, "levels", () => ({}) as Record<string, LevelSpec>);
    const out: Finding[] = [];
    for (const a of ctx.runbook.alerts) {
        for (const level of a.levels) {
            const spec: LevelSpec = levels[`${a.id}.${level.severity}`] ?? { threshold: level.threshold, for: level.for, direction: a.direction };
            const base = `alerts.${a.id}.${level.severity}`;
            const wants = `the runbook's ${level.severity} level of "${a.title}" (${a.id}) is ${describeLevel(a, spec)} ${cite(level.source)}`;
            const all = evidence.filter((e) => e.alertId === a.id && e.severity === level.severity);
            for (const e of all.filter((x) => x.off)) {
                out.push(finding(`${e.kind} "${e.name}" in ${label(e.subject)} is switched off: ${e.off}; ${wants}`, { urn: e.subject.urn, key: base }));
            }
            const matches = all.filter((e) => !e.off);
            if (matches.length === 0 && all.length > 0) continue;
            if (matches.length === 0) {
                const other = evidence.filter((e) => e.alertId === a.id).map((e) => `${e.kind} "${e.name}" with severity ${e.severity ?? "(none)"}`);
                out.push(
                    finding(
                        `${where} has no alert for ${wants}${other.length ? `; found only ${other.join(", ")}` : ""}: add a rule labelled severity="${level.severity}" for it`,
                        { key: base },
                    ),
                );
                continue;
            }
            out.push(...missingSubjects(ctx.runbook, a, level.severity, matches, resources, base, wants));
            for (const e of matches) {
                const what = `${e.kind} "${e.name}" in ${label(e.subject)}`;
                const sided = e.comparisons.filter((c) => (spec.direction === "above" ? c.op === ">" || c.op === ">=" : c.op === "<" || c.op === "<="));
                if (sided.length === 0) {
                    const seen = e.comparisons.map((c) => `${c.op} ${c.value}`).join(", ") || "no comparison with a number";
                    out.push(finding(`${what} does not fire ${spec.direction} a threshold (it has ${seen}); ${wants}`, { urn: e.subject.urn, key: `${base}.threshold` }));
                } else {
                    const loose = sided.filter((c) => (spec.direction === "above" ? c.value > spec.threshold : c.value < spec.threshold));
                    for (const c of loose) {
                        out.push(finding(`${what} fires at ${c.op} ${c.value}, looser than the runbook's threshold ${spec.threshold}; ${wants}`, { urn: e.subject.urn, key: `${base}.threshold` }));
                    }
                }
                const runbookFor = durationToSeconds(spec.for) ?? durationSeconds(level.for);
                const maxFor = Math.max(runbookFor, e.minForSeconds ?? 0);
                if (e.forSeconds > maxFor) {
                    const floor = maxFor > runbookFor ? ` (its metric allows no less than ${formatSeconds(maxFor)})` : "";
                    out.push(finding(`${what} waits ${formatSeconds(e.forSeconds)} before firing, longer than the runbook's for ${spec.for}${floor}; ${wants}`, { urn: e.subject.urn, key: `${base}.for` }));
                }
            }
        }
    }
    return out;
}

/**
 * Each subject the level applies to has its own switched-on rule or alarm: every component,
 * consumer group, topic and dataset a rule must select (subjects.ts), every ECS service, database,
 * broker and backup vault a CloudWatch-evaluated level has an alarm on.
 */
function missingSubjects(rb: Runbook, a: Alert, severity: string, matches: readonly AlertEvidence[], resources: readonly Subject[], key: string, wants: string): Finding[] {
    const rules = matches.filter((e) => e.expr !== undefined);
    if (rules.length) {
        const names = rules.map((r) => `"${r.name}" in ${label(r.subject)}`).join(", ");
        return ruleSubjects(rb, a)
            .filter((s) => !rules.some((r) => ruleSelects(r.expr!, s)))
            .map((s) => finding(`no ${severity} rule of ${a.id} selects ${s.label}="${s.value}" (${names} leave it out), so that ${s.label} has no ${severity} alert; ${wants}`, { urn: rules[0].subject.urn, key }));
    }
    const alarms = matches.filter((e) => e.kind === "CloudWatch alarm");
    if (!alarms.length) return [];
    const have = new Set(alarms.flatMap((e) => alarmSubjectKeys(rb, e.subject, resources)));
    return alarmNeeds(rb, a.id, severity)
        .filter((n) => !have.has(n.key))
        .map((n) => finding(`no switched-on CloudWatch alarm of ${a.id} (${severity}) watches ${n.what}, although alarms of that level watch others; ${wants}`, { key }));
}
