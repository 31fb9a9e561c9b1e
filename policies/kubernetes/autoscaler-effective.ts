import { DEFAULTS } from "../../runbooks/defaults";
import { HPA, SCALED_OBJECT } from "../lib/autoscalers";
import { DEPLOYMENT, STATEFULSET, metaName, scaleTarget } from "../lib/kubernetes";
import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord, num } from "../lib/values";

const KAFKA_TOPIC = "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic";
const KINDS: Readonly<Record<string, string>> = { Deployment: DEPLOYMENT, StatefulSet: STATEFULSET };
const PAUSED = ["autoscaling.keda.sh/paused", "autoscaling.keda.sh/paused-replicas"];

/** Why an autoscaler scales nothing of the stack: no scaleTargetRef, or one naming a workload the stack does not have. */
function targetProblem(resources: readonly Subject[], a: Subject): string | undefined {
    const ref = scaleTarget(a);
    if (!ref) return "has no scaleTargetRef: it scales nothing";
    const type = KINDS[ref.kind];
    const found = type ? ofType(resources, type).some((w) => metaName(w) === ref.name && (a.props.metadata?.namespace === undefined || w.props.metadata?.namespace === undefined || w.props.metadata.namespace === a.props.metadata.namespace)) : false;
    return found ? undefined : `scales ${ref.kind} ${ref.name}, which this stack does not create: the app's pods are never scaled`;
}

/**
 * Autoscalers that exist yet cannot scale: aimed at no workload of the stack; an HPA whose scale-up
 * is disabled or held back longer than the platform's scale-out delay; a KEDA ScaledObject paused by
 * annotation or triggered by a Kafka topic the stack does not have.
 */
export const k8sAutoscalerEffective = stackRule({
    name: "k8s-autoscaler-effective",
    description:
        "Every HPA and KEDA ScaledObject targets a Deployment or StatefulSet of the stack; an HPA's scale-up is not disabled and not stabilized longer than the platform's scale-out delay; a ScaledObject is not paused and its Kafka triggers read a topic of the stack.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Keep the autoscalers capabilities/kubernetes builds: scaleTargetRef to the service's Deployment, no behavior that disables or delays scale-up, no paused annotation, triggers on the app's topic.",
    notApplicable: (resources) => absentTarget(resources, "kubernetes") ?? (ofType(resources, HPA, SCALED_OBJECT).length ? undefined : "the stack has no autoscaler"),
    check: (resources) => {
        const out: Finding[] = [];
        const delay = DEFAULTS.scaleOutDelaySeconds;
        const topics = new Set(ofType(resources, KAFKA_TOPIC).flatMap((t) => [t.props.spec?.topicName, t.props.metadata?.name].filter((x): x is string => typeof x === "string")));
        for (const a of ofType(resources, HPA, SCALED_OBJECT)) {
            const key = "services";
            const problem = targetProblem(resources, a);
            if (problem) out.push(finding(`${label(a)} ${problem}`, { urn: a.urn, key }));
            if (a.type === HPA) {
                const up = a.props.spec?.behavior?.scaleUp;
                if (isRecord(up)) {
                    if (up.selectPolicy === "Disabled") out.push(finding(`${label(a)}: behavior.scaleUp.selectPolicy is Disabled: it never adds a pod`, { urn: a.urn, key }));
                    const window = num(up.stabilizationWindowSeconds);
                    if (window !== undefined && window > delay.value) {
                        out.push(finding(`${label(a)}: behavior.scaleUp.stabilizationWindowSeconds is ${window}, longer than ${delay.value}s (platform default: ${delay.reason})`, { urn: a.urn, key }));
                    }
                    if (asArray(up.policies).length > 0 && asArray<Record<string, any>>(up.policies).every((p) => num(p.value) === 0)) out.push(finding(`${label(a)}: every behavior.scaleUp policy adds 0 pods`, { urn: a.urn, key }));
                }
            } else {
                const ann = isRecord(a.props.metadata?.annotations) ? a.props.metadata.annotations : {};
                for (const k of PAUSED) if (ann[k] !== undefined && String(ann[k]) !== "false") out.push(finding(`${label(a)} is paused (${k}: ${JSON.stringify(ann[k])}): KEDA stops scaling it`, { urn: a.urn, key }));
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
