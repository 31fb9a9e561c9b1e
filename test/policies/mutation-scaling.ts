import type { StackPlan } from "../../cli/harness/runtime";
import type { Runbook } from "../../runbooks";
import type { Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Scaling, readiness and disruption switched off (review findings 4, 5, 10, 11, 14a): an
 * Application Auto Scaling target suspended, a scale-in cooldown of 0, KEDA's HPA disabled or
 * trickling, its Kafka trigger replaced or on another group, an HPA trickling or shedding at once,
 * an ALB health check on `/`, accepting 4xx, disabled or slow, a readiness probe of 300 s × 30, a
 * PDB letting every pod go. Each is one edit of one subject of the baseline plan (one per switch
 * and stack, every one with MUTATIONS_ALL=1), so the suite stays fast.
 */

type Planned = StackPlan["resources"][number];
const PER_SWITCH = 1;


const kedaBehavior = (p: Props, behavior: Props) => (p.spec = { ...p.spec, advanced: { ...p.spec.advanced, horizontalPodAutoscalerConfig: { ...p.spec.advanced?.horizontalPodAutoscalerConfig, behavior } } });
const trickle = { policies: [{ type: "Pods", value: 1, periodSeconds: 1800 }] };
const readiness = (p: Props) => p.spec.template.spec.containers[0].readinessProbe as Props;

export function scalingMutations(rb: Runbook, plan: StackPlan, sample: <T>(xs: readonly T[], n: number, seed: string) => T[]): Mutation[] {
    const out: Mutation[] = [];
    const of = (type: string, match: (r: Planned) => boolean = () => true) => plan.resources.filter((r) => r.type === type && match(r));
    const add = (kind: string, policies: string[], targets: readonly Planned[], edit: (p: Props) => void, what: string) => {
        for (const r of sample(targets, PER_SWITCH, `${plan.stack}:${kind}`)) out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `S:${kind}:${r.urn}`, edit: (pl) => editUrn(pl, r.urn, edit) });
    };

    const AAS = ["aws-appautoscaling-policy-effective"];
    add("aas-suspended", AAS, of("aws:appautoscaling/target:Target"), (p) => (p.suspendedState = { dynamicScalingOutSuspended: true, dynamicScalingInSuspended: true, scheduledScalingSuspended: true }), "suspendedState all true");
    add("aas-scale-in", AAS, of("aws:appautoscaling/policy:Policy", (r) => (r.props as Props).targetTrackingScalingPolicyConfiguration?.scaleInCooldown !== undefined), (p) => (p.targetTrackingScalingPolicyConfiguration = { ...p.targetTrackingScalingPolicyConfiguration, scaleInCooldown: 0 }), "scaleInCooldown → 0");

    const SCALE = ["k8s-autoscaler-effective"];
    const keda = of("kubernetes:keda.sh/v1alpha1:ScaledObject");
    const kafkaKeda = keda.filter((r) => ((r.props as Props).spec?.triggers ?? []).some((t: Props) => t.type === "kafka"));
    add("keda-scale-up-disabled", SCALE, keda, (p) => kedaBehavior(p, { scaleUp: { selectPolicy: "Disabled" } }), "KEDA's HPA scaleUp disabled");
    add("keda-scale-up-trickle", SCALE, keda, (p) => kedaBehavior(p, { scaleUp: trickle }), "KEDA's HPA scaleUp 1 pod per 1800 s");
    add("keda-scale-down", SCALE, keda, (p) => kedaBehavior(p, { scaleDown: { stabilizationWindowSeconds: 0 } }), "KEDA's HPA scaleDown stabilization → 0");
    if (rb.data.kafka) {
        add("keda-cpu-trigger", SCALE, kafkaKeda, (p) => (p.spec = { ...p.spec, triggers: [{ type: "cpu", metricType: "Utilization", metadata: { value: "99" } }] }), "Kafka trigger → CPU 99%");
        add("keda-group", SCALE, kafkaKeda, (p) => (p.spec = { ...p.spec, triggers: p.spec.triggers.map((t: Props) => (t.type === "kafka" ? { ...t, metadata: { ...t.metadata, consumerGroup: "nobody" } } : t)) }), "consumerGroup → nobody");
    }
    const hpas = of("kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    add("hpa-scale-up-trickle", SCALE, hpas, (p) => (p.spec = { ...p.spec, behavior: { ...p.spec.behavior, scaleUp: trickle } }), "scaleUp 1 pod per 1800 s");
    add("hpa-scale-down", SCALE, hpas, (p) => (p.spec = { ...p.spec, behavior: { ...p.spec.behavior, scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] } } }), "scaleDown stabilization → 0");

    const TG = ["aws-lb-targetgroup-health-check"];
    const groups = of("aws:lb/targetGroup:TargetGroup", (r) => (r.props as Props).healthCheck !== undefined);
    const hc = (edit: (h: Props) => void) => (p: Props) => {
        p.healthCheck = { ...p.healthCheck };
        edit(p.healthCheck);
    };
    add("tg-path", TG, groups, hc((h) => (h.path = "/")), "health check path → /");
    add("tg-matcher", TG, groups, hc((h) => (h.matcher = "200-499")), "matcher → 200-499");
    add("tg-disabled", TG, groups, hc((h) => (h.enabled = false)), "health check disabled");
    add("tg-slow", TG, groups, hc((h) => Object.assign(h, { interval: 300, unhealthyThreshold: 10 })), "interval 300 s × 10");

    const apps = new Set(rb.services.map((s) => s.name));
    const deployments = of("kubernetes:apps/v1:Deployment", (r) => apps.has((r.props as Props).spec?.template?.spec?.containers?.[0]?.name) && readiness(r.props as Props) !== undefined);
    add("readiness-slow", ["k8s-workload-probes-resources"], deployments, (p) => {
        p.spec = structuredClone(p.spec);
        Object.assign(readiness(p), { periodSeconds: 300, failureThreshold: 30 });
    }, "readinessProbe 300 s × 30");
    add("pdb-all", ["k8s-pdb-availability"], of("kubernetes:policy/v1:PodDisruptionBudget"), (p) => {
        p.spec = { ...p.spec, maxUnavailable: "100%" };
        delete p.spec.minAvailable;
    }, 'maxUnavailable → "100%"');
    return out;
}
