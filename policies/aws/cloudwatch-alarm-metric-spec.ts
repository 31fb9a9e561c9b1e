import { acceptedExceptionKey } from "../lib/context";
import { cloudwatchEvidence, METRIC_ALARM } from "../lib/alerts";
import { metricDifferences, plannedAlarmExpectations, type Difference, type Pointer } from "../lib/alarm-metrics";
import { finding, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofTarget, ofType } from "../lib/targets";
import type { ExpectedAlarm } from "../../capabilities/aws/alarm-metrics";

/**
 * An alarm with the runbook's threshold and `for` can still never fire: another metric or
 * namespace, a dimension naming a load balancer, database or queue that does not exist, another
 * statistic, metric math that returns another query, `notBreaching` where missing data is the
 * problem, or an inverted comparison. Each runbook and platform-default alarm in the plan is
 * compared with the platform's own (capabilities/aws/alarm-metrics.ts over the runbook and the
 * alarm inventory): any metric-side difference is a finding naming the alarm, the field, the
 * planned and the expected value. Tighter is allowed (`…OrEqualTo…`, fewer datapoints to alarm,
 * missing data treated as breaching); the threshold and the period are aws-amp-cloudwatch-runbook-alerts'.
 */
export const awsCloudwatchAlarmMetricSpec = stackRule({
    name: "aws-cloudwatch-alarm-metric-spec",
    description:
        "Every runbook and platform-default CloudWatch alarm measures what the platform's alarm for that level and subject measures: the same namespace, metric, dimensions (pointing at the planned resources), statistic or metric math, comparison direction and missing-data treatment (or tighter).",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Build the alarm from expectedAlarms (capabilities/aws/alarm-metrics.ts), as components/targets/aws/monitoring.ts does, instead of editing its metric.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, METRIC_ALARM).length ? undefined : "the stack has no CloudWatch alarm"),
    check: (resources, ctx) => {
        const aws = ofTarget(resources, "aws");
        const alarms = ofType(aws, METRIC_ALARM);
        let expected: ExpectedAlarm<Pointer>[];
        let prefix: string;
        try {
            ({ expected, prefix } = plannedAlarmExpectations(ctx.runbook, ctx.app, ctx.env, aws));
        } catch (e) {
            return [finding(`the platform's alarms for ${ctx.app} cannot be worked out from the runbook: ${(e as Error).message}`)];
        }
        const byName = new Map(expected.map((e) => [`${prefix}-${e.spec.key}`, e]));
        const bySuffix = (s: Subject) => expected.find((e) => s.name.endsWith(`-${e.spec.key}`));
        const evidence = new Map(cloudwatchEvidence(ctx.runbook, alarms).map((e) => [e.subject, e]));
        // The narrowest key a stack may declare an exception for: the level's threshold or for; a platform default has none.
        const keyOf = (alertId: string, severity: string, d: Difference) => {
            const key = `alerts.${alertId}.${severity}.${d.about}`;
            return acceptedExceptionKey(ctx.app, key) ? key : undefined;
        };
        const report = (alarm: Subject, e: ExpectedAlarm<Pointer>, diffs: readonly Difference[], note = ""): Finding[] =>
            diffs.map((d) =>
                finding(
                    `CloudWatch alarm "${String(alarm.props.name ?? alarm.name)}" (${e.spec.alertId} ${e.spec.severity}, ${e.spec.key})${note}: ${d.field} is ${d.planned}, the platform's alarm has ${d.expected}; with another metric side the alarm may never fire although its threshold looks right`,
                    { urn: alarm.urn, key: keyOf(e.spec.alertId, e.spec.severity, d) },
                ),
            );
        const out: Finding[] = [];
        for (const alarm of alarms) {
            // By its name; by its logical name only where the name is unknown until deploy.
            const e = typeof alarm.props.name === "string" ? byName.get(alarm.props.name) : bySuffix(alarm);
            if (e) {
                out.push(...report(alarm, e, metricDifferences(alarm, e.metric)));
                continue;
            }
            // Not one of the platform's by name (an extra alarm, or a renamed one) yet counted as a level's evidence:
            // it must measure what one of the platform's alarms for that level measures.
            const ev = evidence.get(alarm);
            const candidates = ev?.alertId ? expected.filter((x) => x.spec.alertId === ev.alertId && x.spec.severity === ev.severity) : [];
            if (candidates.length === 0) continue;
            const compared = candidates.map((c) => ({ c, diffs: metricDifferences(alarm, c.metric) })).sort((a, b) => a.diffs.length - b.diffs.length);
            if (compared[0].diffs.length === 0) continue;
            out.push(...report(alarm, compared[0].c, compared[0].diffs, `, which matches none of the platform's ${candidates.length} alarm(s) for this level (compared with the closest)`));
        }
        return out;
    },
});
