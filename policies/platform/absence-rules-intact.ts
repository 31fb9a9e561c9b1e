import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { alertingRules, type PromRule } from "../lib/prometheus";
import { generatedPlatformRules, platformRuleProblems, TARGETS, type Wanted } from "../lib/platform-rules";
import { absentTarget, ofTarget } from "../lib/targets";

/**
 * The rules the platform adds to the runbook's, as generated (capabilities/alerting): every
 * absence rule (absence.ts: a series the alerts read has vanished, so they cannot fire) and every
 * platform-default alert level (baseline.ts: the TLS probe of a public host…) is in the stack's
 * rules — the Docker rules file, the PrometheusRule objects, the AMP rule group namespaces — with
 * the generated expression (absence rules) or threshold (levels, tighter allowed), a `for` no
 * longer and the same severity. Deleting one, muting it to `info` or waiting 6h leaves the alerts
 * it guards silently blind; the runbook-alert policies do not look at these rules.
 */

export const platformAbsenceRulesIntact = stackRule({
    name: "platform-absence-rules-intact",
    description:
        "Every absence rule and platform-default alert level the platform generates for the stack (capabilities/alerting/absence.ts, baseline.ts) is in its Prometheus rules (Docker rules file, PrometheusRule, AMP rule groups) with the generated expression or threshold (or tighter), a for no longer and the same severity.",
    tier: "runbook",
    target: "any",
    remediationSteps: "Keep the rule groups capabilities/alerting/rules.ts (rulesFor) generates; do not delete, rename or soften the absence and platform-default rules.",
    notApplicable: (resources) => (TARGETS.every((t) => absentTarget(resources, t)) ? "no Docker, Kubernetes or AWS resources" : undefined),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        for (const target of TARGETS.filter((t) => !absentTarget(resources, t))) {
            let wanted: Wanted[];
            try {
                wanted = generatedPlatformRules(ctx.runbook, ctx.env, target);
            } catch {
                // A runbook the generators refuse is reported by the runbook checks.
                continue;
            }
            const holders: { subject: Subject; rules: PromRule[] }[] = ofTarget(resources, target)
                .map((subject) => ({ subject, rules: alertingRules(subject.props) }))
                .filter((h) => h.rules.length > 0);
            const where = holders.length ? holders.map((h) => label(h.subject)).join(", ") : `no resource of the ${target} stack`;
            for (const w of wanted) {
                const found = holders.flatMap((h) => h.rules.filter((r) => r.alert === w.alert).map((r) => ({ subject: h.subject, rule: r })));
                if (found.length === 0) {
                    out.push(finding(`no rule "${w.alert}" (${w.what}) in ${where}: it was deleted or renamed, so nothing fires when it should; generated with severity ${w.severity}, for ${w.forText} (${w.why})`));
                    continue;
                }
                for (const { subject, rule } of found) {
                    for (const p of platformRuleProblems(w, rule)) out.push(finding(`rule "${w.alert}" in ${label(subject)} is ${w.what} but has ${p}; ${w.why}`, { urn: subject.urn }));
                }
            }
        }
        return out;
    },
});
