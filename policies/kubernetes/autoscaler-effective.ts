import type { Runbook } from "../../runbooks";
import { kafkaLagThreshold, scaledByKeda } from "../../capabilities/kubernetes/apps";
import { HPA, SCALED_OBJECT, scaleDownProblem, scaleUpProblems } from "../lib/autoscalers";
import { DEPLOYMENT, STATEFULSET, metaName, scaleTarget } from "../lib/kubernetes";
import { cite, finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord, num } from "../lib/values";
import { serviceOf } from "../lib/workloads";

const KAFKA_TOPIC = "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic";
const KINDS: Readonly<Record<string, string>> = { Deployment: DEPLOYMENT, StatefulSet: STATEFULSET };
/** KEDA's pause annotations: `paused`, `paused-replicas`, and any later `paused-*` (paused-scale-in, paused-scale-out). */
const PAUSED = /^autoscaling\.keda\.sh\/paused($|-)/;

/** Why an autoscaler scales nothing of the stack: no scaleTargetRef, or one naming a workload the stack does not have. */
function targetProblem(resources: readonly Subject[], a: Subject): string | undefined {
    const ref = scaleTarget(a);
    if (!ref) return "has no scaleTargetRef: it scales nothing";
    const type = KINDS[ref.kind];
    const found = type ? ofType(resources, type).some((w) => metaName(w) === ref.name && (a.props.metadata?.namespace === undefined || w.props.metadata?.namespace === undefined || w.props.metadata.namespace === a.props.metadata.namespace)) : false;
    return found ? undefined : `scales ${ref.kind} ${ref.name}, which this stack does not create: the app's pods are never scaled`;
}

/**
 * A Kafka consumer's ScaledObject against the triggers the platform generates from the runbook:
 * one kafka trigger per runbook topic, on the runbook's consumer group, adding a consumer no later
 * than the generated lag threshold (the runbook's consumer-lag warning over min + 1 consumers).
 * Another trigger in their place (CPU at 99%) or another group leaves the app's lag unwatched.
 */
function kafkaTriggerProblems(rb: Runbook, a: Subject): Finding[] {
    const kafka = rb.data.kafka;
    const svc = serviceOf(rb, scaleTarget(a)?.name);
    if (!kafka || !svc || !scaledByKeda(rb, svc)) return [];
    const [group] = kafka.consumerGroups;
    // The program refuses a runbook without a consumer-lag warning (or a group); k8s-hpa-runbook-targets names the missing warning.
    if (!group || !rb.alerts.find((a) => a.signal === "kafka_consumer_lag")?.levels.some((l) => l.severity === "warning")) return [];
    const threshold = kafkaLagThreshold(rb, svc.scaling.min);
    const triggers = asArray<Record<string, any>>(a.props.spec?.triggers).filter((t) => isRecord(t) && t.type === "kafka");
    const out: Finding[] = [];
    for (const topic of kafka.topics) {
        const why = `the runbook has ${svc.name} consume ${topic.name} as group ${group} ${cite(kafka.source)}, and KEDA adds a consumer once lag passes ${threshold} (its consumer-lag warning over ${svc.scaling.min} + 1 consumers)`;
        const mine = triggers.filter((t) => t.metadata?.topic === topic.name);
        if (mine.length === 0) {
            const have = asArray<Record<string, any>>(a.props.spec?.triggers).map((t) => (isRecord(t) ? `${t.type}${t.metadata?.topic ? ` on ${t.metadata.topic}` : ""}` : "?"));
            out.push(finding(`${label(a)}: no kafka trigger on topic ${topic.name} (triggers: ${have.join(", ") || "none"}): the app's lag never scales it; ${why}`, { urn: a.urn, key: "data.kafka.topics" }));
            continue;
        }
        for (const t of mine) {
            if (t.metadata?.consumerGroup !== group) out.push(finding(`${label(a)}: its kafka trigger on ${topic.name} reads consumerGroup ${JSON.stringify(t.metadata?.consumerGroup)}, not ${group}: it scales on a group the app does not consume as; ${why}`, { urn: a.urn, key: "data.kafka.consumerGroups" }));
            const lag = num(t.metadata?.lagThreshold);
            if (lag === undefined || lag > threshold) out.push(finding(`${label(a)}: its kafka trigger on ${topic.name} has lagThreshold ${JSON.stringify(t.metadata?.lagThreshold)}, above ${threshold}; ${why}`, { urn: a.urn, key: "data.kafka.topics" }));
        }
    }
    return out;
}

/**
 * Autoscalers that exist yet cannot scale: aimed at no workload of the stack; an HPA whose scale-up
 * is disabled or held back longer than the platform's scale-out delay; a KEDA ScaledObject paused by
 * annotation or triggered by a Kafka topic the stack does not have.
 */
export const k8sAutoscalerEffective = stackRule({
    name: "k8s-autoscaler-effective",
    description:
        "Every HPA and KEDA ScaledObject targets a Deployment or StatefulSet of the stack; its scale-up is not disabled, not stabilized longer than the platform's scale-out delay and not slower than Kubernetes' default the platform generates; its scale-down waits the runbook's scale-in cooldown (or stays disabled where the runbook says so); a ScaledObject is not paused and its Kafka triggers are the generated ones (the runbook's topics, consumer group and lag threshold).",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Keep the autoscalers capabilities/kubernetes builds: scaleTargetRef to the service's Deployment, no behavior that disables or slows scale-up, scale-down stabilized for the scale-in cooldown, no paused annotation, the generated Kafka triggers.",
    notApplicable: (resources) => absentTarget(resources, "kubernetes") ?? (ofType(resources, HPA, SCALED_OBJECT).length ? undefined : "the stack has no autoscaler"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const topics = new Set(ofType(resources, KAFKA_TOPIC).flatMap((t) => [t.props.spec?.topicName, t.props.metadata?.name].filter((x): x is string => typeof x === "string")));
        for (const a of ofType(resources, HPA, SCALED_OBJECT)) {
            const key = "services";
            const problem = targetProblem(resources, a);
            if (problem) out.push(finding(`${label(a)} ${problem}`, { urn: a.urn, key }));
            for (const m of scaleUpProblems(a, label(a))) out.push(finding(m, { urn: a.urn, key }));
            const svc = serviceOf(ctx.runbook, scaleTarget(a)?.name);
            const down = svc ? scaleDownProblem(a, label(a), svc) : undefined;
            if (down) out.push(down);
            if (a.type === SCALED_OBJECT) {
                out.push(...kafkaTriggerProblems(ctx.runbook, a));
                const ann = isRecord(a.props.metadata?.annotations) ? a.props.metadata.annotations : {};
                for (const k of Object.keys(ann).filter((x) => PAUSED.test(x))) if (ann[k] !== undefined && String(ann[k]) !== "false") out.push(finding(`${label(a)} is paused (${k}: ${JSON.stringify(ann[k])}): KEDA stops scaling it`, { urn: a.urn, key }));
                for (const t of asArray<Record<string, any>>(a.props.spec?.triggers).filter((x) => isRecord(x) && x.type === "kafka")) {
                    const topic = t.metadata?.topic;
                    if (typeof topic === "string" && topics.size > 0 && !topics.has(topic)) {
                        out.push(finding(`${label(a)}: its kafka trigger reads topic ${topic}, not a topic of this stack (${[...topics].join(", ")}): the app's lag never scales it`, { urn: a.urn, key }));
                    }
                }
            }
        }
        return out;
    },
});
