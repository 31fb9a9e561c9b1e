import test from "ava";
import { DEFAULTS } from "../../runbooks/defaults";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/** k8s-autoscaler-effective and aws-appautoscaling-policy-effective (issue 13, class D: scaling that cannot scale). */

function k8s(): Fake[] {
    return [
        { type: "kubernetes:apps/v1:Deployment", name: "backend", props: { metadata: { name: "pfh-backend", namespace: "pfh" }, spec: { template: { spec: { containers: [{ name: "backend" }] } } } } },
        { type: "kubernetes:apps/v1:Deployment", name: "consumer", props: { metadata: { name: "pfh-consumer", namespace: "pfh" }, spec: { template: { spec: { containers: [{ name: "consumer" }] } } } } },
        { type: "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic", name: "topic", props: { metadata: { name: "transactions" }, spec: { topicName: "personal_finance.transactions.v1" } } },
        { type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name: "hpa", props: { metadata: { name: "pfh-backend", namespace: "pfh" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "pfh-backend" }, minReplicas: 2, maxReplicas: 4 } } },
        {
            type: "kubernetes:keda.sh/v1alpha1:ScaledObject",
            name: "scaled",
            props: {
                metadata: { name: "pfh-consumer", namespace: "pfh" },
                spec: { scaleTargetRef: { kind: "Deployment", name: "pfh-consumer" }, triggers: [{ type: "kafka", metadata: { topic: "personal_finance.transactions.v1", lagThreshold: "333" } }] },
            },
        },
    ];
}

test("k8s-autoscaler-effective: autoscalers aim at the stack's workloads and may scale up in time", async (t) => {
    const d = DEFAULTS.scaleOutDelaySeconds.value;
    await compliantAndBroken(t, "k8s-autoscaler-effective", "personal-finance-hub-staging", k8s, {
        "scale-up disabled": { edit: (rs) => (find(rs, "hpa").props.spec.behavior = { scaleUp: { selectPolicy: "Disabled" } }), expect: /selectPolicy is Disabled/ },
        "scale-up held back an hour": { edit: (rs) => (find(rs, "hpa").props.spec.behavior = { scaleUp: { stabilizationWindowSeconds: 3600 } }), expect: new RegExp(`stabilizationWindowSeconds is 3600, longer than ${d}s \\(platform default`) },
        "an HPA aimed at a workload the stack lacks": { edit: (rs) => (find(rs, "hpa").props.spec.scaleTargetRef.name = "pfh-backend-old"), expect: /scales Deployment pfh-backend-old, which this stack does not create/ },
        "a ScaledObject without a target": { edit: (rs) => delete find(rs, "scaled").props.spec.scaleTargetRef, expect: /has no scaleTargetRef/ },
        "a paused ScaledObject": { edit: (rs) => (find(rs, "scaled").props.metadata.annotations = { "autoscaling.keda.sh/paused": "true" }), expect: /is paused \(autoscaling\.keda\.sh\/paused/ },
        "a trigger on another topic": { edit: (rs) => (find(rs, "scaled").props.spec.triggers[0].metadata.topic = "other.topic"), expect: /reads topic other\.topic, not a topic of this stack/ },
    });
    const tight = k8s();
    find(tight, "hpa").props.spec.behavior = { scaleUp: { stabilizationWindowSeconds: 0 } };
    t.deepEqual((await check("k8s-autoscaler-effective", "personal-finance-hub-staging", tight)).messages, []);
});

function aws(): Fake[] {
    const id = "service/pfh-production/backend";
    return [
        { type: "aws:appautoscaling/target:Target", name: "scaling", props: { resourceId: id, scalableDimension: "ecs:service:DesiredCount", serviceNamespace: "ecs", minCapacity: 2, maxCapacity: 4 } },
        {
            type: "aws:appautoscaling/policy:Policy",
            name: "cpu",
            props: { resourceId: id, scalableDimension: "ecs:service:DesiredCount", serviceNamespace: "ecs", policyType: "TargetTrackingScaling", targetTrackingScalingPolicyConfiguration: { targetValue: 70, scaleOutCooldown: 60, scaleInCooldown: 300 } },
        },
    ];
}

test("aws-appautoscaling-policy-effective: policies scale a target of the stack, without a long scale-out cooldown", async (t) => {
    await compliantAndBroken(t, "aws-appautoscaling-policy-effective", "personal-finance-hub-production", aws, {
        "a policy on another service": { edit: (rs) => (find(rs, "cpu").props.resourceId = "service/pfh-production/backend-old"), expect: /resourceId "service\/pfh-production\/backend-old" is no scalable target of this stack/ },
        "an hour's scale-out cooldown": { edit: (rs) => (find(rs, "cpu").props.targetTrackingScalingPolicyConfiguration.scaleOutCooldown = 3600), expect: /scaleOutCooldown is 3600s, longer than/ },
    });
});
