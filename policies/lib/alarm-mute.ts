import type { Runbook } from "../../runbooks";
import { silencedAlertIds } from "../../runbooks/language/maintenance";
import type { AlarmSpec } from "../../capabilities/aws/alarms";
import { ALARM_ACTIONS_PERMISSIONS, ALARM_ACTIONS_TARGET, alarmMute, RESET_STATE } from "../../capabilities/aws/maintenance-mute";
import { cloudwatchEvidence } from "./alerts";
import { isUnknown } from "./inputs";
import { finding, label, type Finding, type Subject } from "./policy";
import { asArray, isRecord } from "./values";

/**
 * Who may switch the stack's alarms off, and when: exactly the runbook's maintenance-window mute
 * as `alarmMute()` generates it (capabilities/aws/maintenance-mute.ts) — DisableAlarmActions on the
 * silenced alerts' notifying alarms at the window's start, EnableAlarmActions at its end, one
 * SetAlarmState to OK per muted alarm just after — and nothing else: no other schedule calling
 * CloudWatch, no IAM grant (to a Lambda, a task, another schedule's role) of an action that
 * silences, resets, rewrites or deletes an alarm.
 */

const SCHEDULE = "aws:scheduler/schedule:Schedule";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const KEY = "maintenanceWindow.silences";

/** CloudWatch API calls that keep an alarm from notifying: its actions off, its state forced, its definition rewritten or gone. */
export const SILENCING_ACTIONS = ["DisableAlarmActions", "SetAlarmState", "DeleteAlarms", "PutMetricAlarm", "PutCompositeAlarm"] as const;
/** AWS managed policies that grant those calls (or everything). */
const BROAD_MANAGED = /:policy\/(AdministratorAccess|PowerUserAccess|CloudWatchFullAccess(V2)?)$/;

const UNIVERSAL_CLOUDWATCH = /^arn:aws[\w-]*:scheduler:::aws-sdk:cloudwatch:([A-Za-z]+)$/;

function parse(text: unknown): Record<string, any> | undefined {
    if (isRecord(text)) return text;
    if (typeof text !== "string") return undefined;
    try {
        const v = JSON.parse(text) as unknown;
        return isRecord(v) ? v : undefined;
    } catch {
        return undefined;
    }
}

/** IAM action patterns (`cloudwatch:Put*`, `*`) matching a CloudWatch call. */
function grants(patterns: readonly string[], action: string): boolean {
    return patterns.some((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(`cloudwatch:${action}`));
}

/** The stack's alarms as the mute reads them (key = the alarm's name): which alert each measures and whether it notifies a topic. */
function alarmSpecs(rb: Runbook, aws: readonly Subject[]): Pick<AlarmSpec, "key" | "alertId" | "notifies">[] {
    return cloudwatchEvidence(rb, aws)
        .filter((e) => e.alertId)
        .map((e) => ({ key: String(e.subject.props.name ?? e.subject.name), alertId: e.alertId!, notifies: asArray(e.subject.props.alarmActions).length > 0 }));
}

export function alarmMuteProblems(rb: Runbook, aws: readonly Subject[]): Finding[] {
    // The generated mute over the planned alarms (its keys are the alarms' names here).
    const mute = silencedAlertIds(rb).length ? alarmMute(rb, alarmSpecs(rb, aws) as AlarmSpec[]) : undefined;
    const muted = mute?.alarmKeys ?? [];
    const expected = mute?.schedules ?? [];
    const out: Finding[] = [];
    const allowedText = expected.length
        ? `only the runbook's maintenance mute: ${expected.map((s) => `${s.action} ${s.expression}${s.alarmKey ? ` ${s.alarmKey}` : ""}`).join("; ")}`
        : "none: the runbook silences no alert in its maintenance window";
    const seen = new Set<string>();
    for (const s of aws.filter((r) => r.type === SCHEDULE)) {
        const target = isRecord(s.props.target) ? s.props.target : {};
        const call = typeof target.arn === "string" ? UNIVERSAL_CLOUDWATCH.exec(target.arn)?.[1] : undefined;
        if (!call) continue;
        if (call === "enableAlarmActions") {
            if (s.props.state === "DISABLED") out.push(finding(`${label(s)} re-enables alarm actions but its state is DISABLED: the alarms it names stay silent after the maintenance window`, { urn: s.urn, key: KEY }));
            seen.add("enable");
            continue;
        }
        const input = isUnknown(target.input) ? undefined : parse(target.input);
        const names = input ? [...asArray<unknown>(input.AlarmNames), ...(input.AlarmName !== undefined ? [input.AlarmName] : [])].map(String) : undefined;
        const matching = expected.find(
            (e) =>
                ALARM_ACTIONS_TARGET[e.action] === target.arn &&
                e.expression === s.props.scheduleExpression &&
                [undefined, "UTC"].includes(s.props.scheduleExpressionTimezone) &&
                (names === undefined || (e.action === "reset" ? names.length === 1 && names[0] === e.alarmKey && input?.StateValue === RESET_STATE.StateValue : names.every((n) => muted.includes(n)))),
        );
        if (matching) {
            if (matching.action === "reset" && s.props.state === "DISABLED") {
                out.push(finding(`${label(s)} resets ${matching.alarmKey} at the window's end but its state is DISABLED: an alarm that entered ALARM inside the window never notifies (capabilities/aws/maintenance-mute.ts)`, { urn: s.urn, key: KEY }));
            }
            seen.add(matching.action === "reset" ? `reset ${matching.alarmKey}` : matching.action);
            continue;
        }
        out.push(
            finding(
                `${label(s)} calls CloudWatch ${call} (${s.props.scheduleExpression}${s.props.scheduleExpressionTimezone ? ` ${s.props.scheduleExpressionTimezone}` : ""}, input ${typeof target.input === "string" ? target.input : JSON.stringify(target.input)}): a schedule that silences or resets alarms keeps pages from being sent; allowed is ${allowedText} (capabilities/aws/maintenance-mute.ts)`,
                { urn: s.urn, key: KEY },
            ),
        );
    }
    // The window's end: once actions go off, they must come back on, and the muted alarms re-evaluated.
    if (seen.has("disable")) {
        for (const e of expected.filter((x) => x.action !== "disable" && !seen.has(x.action === "reset" ? `reset ${x.alarmKey}` : x.action))) {
            out.push(finding(`no schedule ${e.action === "enable" ? "calls EnableAlarmActions" : `sets ${e.alarmKey} to OK`} at ${e.expression}: ${e.action === "enable" ? "the muted alarms stay silent after the maintenance window" : "an alarm that entered ALARM inside the window never notifies"} (capabilities/aws/maintenance-mute.ts)`, { key: KEY }));
        }
    }
    out.push(...grantProblems(aws, muted, allowedText));
    return out;
}

/** IAM grants of a silencing CloudWatch call: only the maintenance schedules' role, on the muted alarms, with the generated actions. */
function grantProblems(aws: readonly Subject[], muted: readonly string[], allowedText: string): Finding[] {
    const out: Finding[] = [];
    // A muted alarm's ARN: CloudWatch's `…:alarm:<name>`, the planned `arn` output, or (offline plans) the harness's `…:<logical name>`.
    const alarms = aws.filter((r) => r.type === ALARM && muted.includes(String(r.props.name ?? r.name)));
    const arns = new Set(alarms.flatMap((r) => [r.props.arn, `:alarm:${r.props.name ?? r.name}`, `:${r.name}`]).filter((a): a is string => typeof a === "string"));
    const onMuted = (resources: unknown[]) => resources.length > 0 && resources.every((r) => isUnknown(r) || (typeof r === "string" && r.startsWith("arn:") && [...arns].some((a) => r === a || (a.startsWith(":") && r.endsWith(a)))));
    const docs: { subject: Subject; doc: unknown }[] = [];
    for (const r of aws) {
        if (r.type === "aws:iam/rolePolicy:RolePolicy" || r.type === "aws:iam/policy:Policy" || r.type === "aws:iam/userPolicy:UserPolicy" || r.type === "aws:iam/groupPolicy:GroupPolicy") docs.push({ subject: r, doc: r.props.policy });
        if (r.type === "aws:iam/role:Role") for (const p of asArray<Record<string, any>>(r.props.inlinePolicies)) docs.push({ subject: r, doc: p?.policy });
        if (/^aws:iam\/(rolePolicyAttachment|policyAttachment|userPolicyAttachment|groupPolicyAttachment|roleManagedPolicyAttachment)/.test(r.type) && typeof r.props.policyArn === "string" && BROAD_MANAGED.test(r.props.policyArn)) {
            out.push(finding(`${label(r)} attaches ${r.props.policyArn}, which lets its holder ${SILENCING_ACTIONS.join(", ")} on every alarm; allowed is ${allowedText}`, { urn: r.urn, key: KEY }));
        }
    }
    for (const { subject, doc } of docs) {
        if (isUnknown(doc)) continue;
        for (const st of asArray<Record<string, any>>(parse(doc)?.Statement)) {
            if (!isRecord(st) || String(st.Effect).toLowerCase() !== "allow") continue;
            const actions = asArray<unknown>(st.Action).filter((a): a is string => typeof a === "string");
            const silencing = SILENCING_ACTIONS.filter((a) => grants(actions, a));
            if (silencing.length === 0) continue;
            const generated = actions.every((a) => (ALARM_ACTIONS_PERMISSIONS as readonly string[]).includes(a)) && onMuted(asArray<unknown>(st.Resource));
            if (generated) continue;
            out.push(finding(`${label(subject)} allows ${actions.join(", ")} on ${asArray(st.Resource).join(", ") || "?"}: whoever holds it can ${silencing.join(", ")} and keep the alarms from paging; allowed is ${allowedText}, by the maintenance schedules' role on those alarms only`, { urn: subject.urn, key: KEY }));
        }
    }
    return out;
}
