import test from "ava";
import { getRunbook } from "../../runbooks";
import { compliantAndBroken, find, type Fake } from "./helpers";

/**
 * Scaling switched off although present (issue 13, class 2): an autoscaler whose minimum equals its
 * maximum scales nothing. Bounds come from the runbook's scaling of each service.
 */

const PFH = "personal-finance-hub";
const pfh = getRunbook(PFH);
const scaled = pfh.services.filter((s) => s.scaling.max > s.scaling.min);

function targets(): Fake[] {
    return scaled.map((svc) => ({ type: "aws:appautoscaling/target:Target", name: `${svc.name}-target`, props: { resourceId: `service/cluster/${svc.name}`, minCapacity: svc.scaling.min, maxCapacity: svc.scaling.max } }));
}

function autoscalers(): Fake[] {
    return scaled.map((svc) =>
        svc.name === "consumer"
            ? { type: "kubernetes:keda.sh/v1alpha1:ScaledObject", name: `${svc.name}-scaler`, props: { spec: { scaleTargetRef: { name: svc.name }, minReplicaCount: svc.scaling.min, maxReplicaCount: svc.scaling.max } } }
            : { type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name: `${svc.name}-hpa`, props: { spec: { scaleTargetRef: { kind: "Deployment", name: svc.name }, minReplicas: svc.scaling.min, maxReplicas: svc.scaling.max } } },
    );
}

test("aws-appautoscaling-room-to-scale and k8s-hpa-room-to-scale: min = max is scaling switched off", async (t) => {
    t.true(scaled.some((s) => s.name === "backend") && scaled.some((s) => s.name === "consumer"), "pfh scales backend (HPA) and consumer (KEDA)");
    const backend = scaled.find((s) => s.name === "backend")!;
    const consumer = scaled.find((s) => s.name === "consumer")!;
    await compliantAndBroken(t, "aws-appautoscaling-room-to-scale", `${PFH}-production`, targets, {
        "maximum lowered to the minimum": {
            edit: (rs) => (find(rs, "backend-target").props.maxCapacity = backend.scaling.min),
            expect: new RegExp(`minimum ${backend.scaling.min} and maximum ${backend.scaling.min} tasks leave no room to scale.*between ${backend.scaling.min} and ${backend.scaling.max}.*services.backend.scaling.max`),
        },
        "minimum raised to the maximum": {
            edit: (rs) => (find(rs, "consumer-target").props.minCapacity = consumer.scaling.max),
            expect: /consumer-target.*leave no room to scale.*services.consumer.scaling.max/,
        },
    });
    await compliantAndBroken(t, "k8s-hpa-room-to-scale", `${PFH}-staging`, autoscalers, {
        "HPA pinned": { edit: (rs) => (find(rs, "backend-hpa").props.spec.minReplicas = backend.scaling.max), expect: /backend-hpa.*leave no room to scale.*services.backend.scaling.max/ },
        "ScaledObject pinned": { edit: (rs) => (find(rs, "consumer-scaler").props.spec.maxReplicaCount = consumer.scaling.min), expect: /consumer-scaler.*replicas leave no room to scale.*services.consumer.scaling.max/ },
    });
});
