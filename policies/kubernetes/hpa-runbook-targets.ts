import { cite, provenance, finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { autoscalersOf, SCALED_OBJECT } from "../lib/autoscalers";
import { absentTarget } from "../lib/targets";
import { asArray, isRecord, num } from "../lib/values";

function utilization(hpa: Subject, resource: "cpu" | "memory"): number | undefined {
    const m = asArray(hpa.props.spec?.metrics).find((x) => isRecord(x) && x.type === "Resource" && x.resource?.name === resource);
    return m ? (num(m.resource?.target?.averageUtilization) ?? NaN) : undefined;
}

/**
 * Every runbook service is autoscaled: an HPA on CPU and memory no higher than the runbook's
 * targets, or (personal-finance-hub's consumer) a KEDA ScaledObject on Kafka lag no higher than the
 * runbook's lag warning threshold.
 */
export const k8sHpaRunbookTargets = stackRule({
    name: "k8s-hpa-runbook-targets",
    description: "Every runbook service has an autoscaling/v2 HPA with CPU and memory utilization targets no higher than the runbook's, or a KEDA Kafka ScaledObject that adds a consumer before lag reaches the runbook's consumer-lag warning.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Create a HorizontalPodAutoscaler per Deployment with averageUtilization = scaling.cpuTargetPercent / memoryTargetPercent.",
    notApplicable: (resources) => absentTarget(resources, "kubernetes"),
    check: (resources, ctx) =>
        ctx.runbook.services.flatMap((svc) => {
            const scalers = autoscalersOf(resources, ctx.runbook, svc.name);
            const out: Finding[] = [];
            if (scalers.length === 0) {
                return [finding(`no HorizontalPodAutoscaler or ScaledObject scales ${svc.name}; ${provenance(svc.scaling, "cpuTargetPercent", "memoryTargetPercent").who} autoscales it at ${svc.scaling.cpuTargetPercent}% CPU / ${svc.scaling.memoryTargetPercent}% memory ${provenance(svc.scaling, "cpuTargetPercent", "memoryTargetPercent").cite}`, { key: `services.${svc.name}.scaling` })];
            }
            for (const a of scalers) {
                if (a.type === SCALED_OBJECT) {
                    const lag = ctx.runbook.alerts.find((x) => x.signal === "kafka_consumer_lag");
                    const warn = lag?.levels.find((l) => l.severity === "warning") ?? lag?.levels[0];
                    // KEDA adds a consumer beyond the minimum once lag passes min × lagThreshold: before the warning.
                    const min = Math.max(1, num(a.props.spec?.minReplicaCount) ?? 1);
                    for (const t of asArray(a.props.spec?.triggers).filter((x) => isRecord(x) && x.type === "kafka")) {
                        const threshold = num(t.metadata?.lagThreshold);
                        if (warn && (threshold === undefined || threshold * min >= warn.threshold)) {
                            out.push(
                                finding(
                                    `${label(a)}: kafka trigger lagThreshold is ${t.metadata?.lagThreshold ?? "not set"} with minReplicaCount ${min}: no consumer is added before lag reaches ${threshold === undefined ? "any level" : threshold * min}, not below the runbook's consumer-lag ${warn.severity} level ${warn.threshold} ${cite(warn.source)}`,
                                    { urn: a.urn, key: `alerts.${lag!.id}.${warn.severity}.threshold` },
                                ),
                            );
                        }
                    }
                    continue;
                }
                for (const [resource, want] of [["cpu", svc.scaling.cpuTargetPercent], ["memory", svc.scaling.memoryTargetPercent]] as const) {
                    const have = utilization(a, resource);
                    if (have === undefined || Number.isNaN(have) || have > want) {
                        out.push(finding(`${label(a)}: ${resource} averageUtilization target is ${have === undefined || Number.isNaN(have) ? "not set" : have}, ${provenance(svc.scaling, `${resource}TargetPercent`).who} scales ${svc.name} at ${want}% ${provenance(svc.scaling, `${resource}TargetPercent`).cite}`, { urn: a.urn, key: `services.${svc.name}.scaling.${resource}TargetPercent` }));
                    }
                }
            }
            return out;
        }),
});
