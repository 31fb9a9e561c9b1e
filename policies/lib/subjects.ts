import type { Alert, Runbook } from "../../runbooks";
import { scopeComponents, SIGNAL_SPECS } from "../../capabilities/alerting/signals";
import { tierName } from "../../capabilities/backups/plan";
import { cloudWatchAlarms, subjectSlug, type AlarmSubject } from "../../capabilities/aws/alarms";
import { alarmInventory } from "../../capabilities/aws/inventory";
import type { Subject } from "./policy";
import { serviceOf } from "./workloads";
import { asArray, isRecord } from "./values";

/**
 * Coverage per subject: a runbook alert applies to each component, dataset, consumer group,
 * broker or database its signal is scoped to, and each of them needs its own rule or alarm. The
 * subjects are the capabilities' own decisions (scopeComponents, the backup plan, the AWS alarm
 * inventory), not a second list.
 */

/** A label value an alert's rule must select: `component="backend"`, `dataset="postgres"`. */
export interface RuleSubject {
    readonly label: string;
    readonly value: string;
    /** `all`: every matcher on the label in the expression must accept it (the selectors are joined by `and` / arithmetic); `any`: one `or` branch is enough. */
    readonly mode: "all" | "any";
}

/** The label values every rule of `alert` must select, as the rule generator scopes its series. */
export function ruleSubjects(rb: Runbook, alert: Alert): RuleSubject[] {
    const all = (label: string, values: readonly string[]) => values.map((value): RuleSubject => ({ label, value, mode: "all" }));
    let components: string[];
    try {
        components = scopeComponents(rb, alert);
    } catch {
        // A runbook the generator refuses is reported by the runbook checks; nothing to scope here.
        return [];
    }
    const out = [...all("app", [rb.app]), ...all("component", components)];
    if (alert.signal === "kafka_consumer_lag" && rb.data.kafka) {
        out.push(...all("consumergroup", rb.data.kafka.consumerGroups), ...all("topic", rb.data.kafka.topics.map((t) => t.name)));
    }
    if (SIGNAL_SPECS[alert.signal].scope === "backups") {
        // Each backup (a dataset or one of its tiers) is its own series, grouped by interval in `or` branches.
        out.push(...[...new Set(rb.backups.map((b) => tierName(b.dataset, b.tier)))].map((value): RuleSubject => ({ label: "dataset", value, mode: "any" })));
    }
    return out;
}

interface Matcher {
    readonly label: string;
    readonly op: "=" | "!=" | "=~" | "!~";
    readonly value: string;
}

/** The label matchers of each `{…}` selector in a PromQL expression (string contents unescaped). */
export function selectors(expr: string): Matcher[][] {
    const out: Matcher[][] = [];
    for (let i = 0; i < expr.length; i++) {
        const c = expr[i];
        if (c === '"' || c === "'" || c === "`") {
            i = skipString(expr, i);
            continue;
        }
        if (c !== "{") continue;
        const matchers: Matcher[] = [];
        let j = i + 1;
        const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*,?/y;
        for (;;) {
            re.lastIndex = j;
            const m = re.exec(expr);
            if (!m) break;
            matchers.push({ label: m[1], op: m[2] as Matcher["op"], value: unquote(m[3]) });
            j = re.lastIndex;
        }
        out.push(matchers);
        const close = expr.indexOf("}", j);
        i = close < 0 ? expr.length : close;
    }
    return out;
}

function skipString(s: string, at: number): number {
    const q = s[at];
    for (let i = at + 1; i < s.length; i++) {
        if (s[i] === "\\" && q !== "`") i++;
        else if (s[i] === q) return i;
    }
    return s.length;
}

function unquote(s: string): string {
    const body = s.slice(1, -1);
    return s[0] === "`" ? body : body.replace(/\\(.)/g, "$1");
}

function accepts(m: Matcher, value: string): boolean {
    let hit: boolean;
    if (m.op === "=" || m.op === "!=") hit = m.value === value;
    else {
        try {
            hit = new RegExp(`^(?:${m.value})$`).test(value);
        } catch {
            hit = false;
        }
    }
    return m.op === "=" || m.op === "=~" ? hit : !hit;
}

/**
 * Whether a rule's expression selects the subject: with `all`, no matcher on the label (in any
 * selector) rejects the value; with `any`, some selector that names the label accepts it (or none
 * names it: the rule is not narrowed by that label at all).
 */
export function ruleSelects(expr: string, s: RuleSubject): boolean {
    const sels = selectors(expr).map((ms) => ms.filter((m) => m.label === s.label)).filter((ms) => ms.length > 0);
    if (s.mode === "all" || sels.length === 0) return sels.every((ms) => ms.every((m) => accepts(m, s.value)));
    return sels.some((ms) => ms.every((m) => accepts(m, s.value)));
}

/** An AWS alarm subject the capability gives a level (a key and the words a message uses). */
export interface AlarmNeed {
    readonly key: string;
    readonly what: string;
}

/** Subjects whose alarms CloudWatch alone evaluates (the signals AMP never receives on AWS). */
const CLOUDWATCH_KINDS: ReadonlySet<AlarmSubject["kind"]> = new Set(["ecs-service", "rds-instance", "msk-broker", "backup-vault", "mq-broker", "s3-bucket"]);

function need(s: AlarmSubject): AlarmNeed | undefined {
    switch (s.kind) {
        case "ecs-service":
            return { key: `ecs:${s.service}`, what: `ECS service ${s.service}` };
        case "rds-instance":
            return { key: `rds:${s.instance}`, what: `RDS instance ${s.instance}` };
        case "msk-broker":
            return { key: `broker:${s.brokerId}`, what: `MSK broker ${s.brokerId}` };
        case "backup-vault":
            return { key: `vault:${s.backup}`, what: `backup vault of ${s.backup}` };
        case "mq-broker":
            return { key: "mq:broker", what: "the Amazon MQ broker" };
        case "s3-bucket":
            return { key: `s3:${s.bucket}`, what: `S3 bucket ${s.bucket}` };
        default:
            return undefined;
    }
}

/** The subjects the AWS target gives each CloudWatch alarm of a level (capabilities/aws/alarms.ts over its inventory). */
export function alarmNeeds(rb: Runbook, alertId: string, severity: string): AlarmNeed[] {
    let specs;
    try {
        // Hosts decide only target groups and the certificate, neither a CloudWatch-only subject.
        specs = cloudWatchAlarms(rb, alarmInventory(rb, {}));
    } catch {
        return [];
    }
    const out = new Map<string, AlarmNeed>();
    for (const spec of specs.filter((x) => x.alertId === alertId && x.severity === severity && CLOUDWATCH_KINDS.has(x.subject.kind))) {
        const n = need(spec.subject);
        if (n) out.set(n.key, { ...n, what: `${n.what} (${subjectSlug(spec.subject)})` });
    }
    return [...out.values()];
}

/** Every dimension an alarm's metrics name (its own and its metric queries'). */
function dimensionsOf(p: Record<string, any>): Record<string, string> {
    const all = [p.dimensions, ...asArray<Record<string, any>>(p.metricQueries).map((q) => q?.metric?.dimensions)].filter(isRecord);
    return Object.assign({}, ...all.map((d) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, String(v)]))));
}

/**
 * The subject keys an alarm watches, read from its dimensions and the resources they name: the
 * ECS service (by runbook service), the RDS instance (the primary, or `replica-N`), the MSK broker,
 * the backup vault (by the backup whose name ends it), the Amazon MQ broker (its `Broker` without a
 * queue), the S3 bucket (by the runbook bucket whose resource holds that name).
 */
export function alarmSubjectKeys(rb: Runbook, alarm: Subject, resources: readonly Subject[]): string[] {
    const d = dimensionsOf(alarm.props);
    const out: string[] = [];
    if (d.ServiceName) {
        const svc = serviceOf(rb, d.ServiceName);
        if (svc) out.push(`ecs:${svc.name}`);
    }
    if (d.DBInstanceIdentifier) {
        const db = resources.find((r) => r.type === "aws:rds/instance:Instance" && (r.props.identifier ?? r.name) === d.DBInstanceIdentifier);
        if (db) {
            const replica = /(replica-\d+)$/.exec(d.DBInstanceIdentifier);
            out.push(`rds:${db.props.replicateSourceDb ? (replica?.[1] ?? d.DBInstanceIdentifier) : "primary"}`);
        }
    }
    if (d["Broker ID"]) out.push(`broker:${d["Broker ID"]}`);
    if (d.Broker && !d.Queue) out.push("mq:broker");
    if (d.BucketName) {
        const bucket = resources.find((r) => r.type === "aws:s3/bucket:Bucket" && r.props.bucket === d.BucketName);
        const hit = bucket && (rb.data.objectStorage?.buckets ?? []).find((b) => bucket.name.endsWith(`-${b}`));
        if (hit) out.push(`s3:${hit}`);
    }
    if (d.BackupVaultName) {
        const backups = [...new Set(rb.backups.map((b) => tierName(b.dataset, b.tier)))].sort((a, b) => b.length - a.length);
        const hit = backups.find((b) => d.BackupVaultName === b || d.BackupVaultName.endsWith(`-${b}`));
        if (hit) out.push(`vault:${hit}`);
    }
    return out;
}
