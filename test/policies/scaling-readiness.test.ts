import test from "ava";
import { deploymentSpec, hpaSpec, kafkaLagThreshold, pdbSpec, PDB_MAX_UNAVAILABLE, PROBE_TIMINGS, scaledObjectSpec } from "../../capabilities/kubernetes/apps";
import { names, serviceSelector } from "../../capabilities/kubernetes/names";
import { TARGET_HEALTH, targetHealthPath } from "../../capabilities/aws/target-health";
import { GRAFANA_HEALTH_PATH } from "../../capabilities/dashboards";
import { SCALE_OUT_COOLDOWN_SECONDS, scaleInTracking } from "../../components/targets/aws/services";
import { getRunbook, type Service } from "../../runbooks";
import { scaleInRule } from "../../runbooks/language/scale-in";
import { HPA, scaleDownProblem, scaleUpProblems } from "../../policies/lib/autoscalers";
import { podsEvictable } from "../../policies/lib/workloads";
import type { Subject } from "../../policies/lib/policy";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * Review findings 4, 5, 10, 11 and 14a (scaling, readiness and disruption switched off): the
 * compliant fixtures are what the program builds (capabilities/kubernetes/apps.ts, the AWS
 * ingress's TARGET_HEALTH and scaleInTracking), each broken by the reviewer's one edit.
 */

const PFH = "personal-finance-hub";
const pfh = getRunbook(PFH);
const n = names(PFH, PFH);
const svc = (name: string) => pfh.services.find((s) => s.name === name)!;
const consumer = pfh.services.find((s) => s.role === "worker")!;
const api = pfh.services.find((s) => s.role !== "worker")!;
const IMAGE = "ghcr.io/personal-finance-hub/app:1.3.2";

function k8s(): Fake[] {
    const out: Fake[] = [];
    for (const s of pfh.services) {
        const spec = structuredClone(deploymentSpec(pfh, n, s, IMAGE)) as Record<string, any>;
        out.push({ type: "kubernetes:apps/v1:Deployment", name: `${s.name}-deployment`, props: { metadata: { name: n.service(s.name), namespace: PFH }, spec } });
        out.push({ type: "kubernetes:policy/v1:PodDisruptionBudget", name: `${s.name}-pdb`, props: { metadata: { name: n.service(s.name), namespace: PFH }, spec: structuredClone(pdbSpec(n, s)) } });
        const scaler = s === consumer ? { type: "kubernetes:keda.sh/v1alpha1:ScaledObject", spec: scaledObjectSpec(pfh, n, s) } : { type: HPA, spec: hpaSpec(n, s) };
        out.push({ type: scaler.type, name: `${s.name}-scaler`, props: { metadata: { name: n.service(s.name), namespace: PFH }, spec: structuredClone(scaler.spec) } });
    }
    return out;
}

const scaler = (rs: Fake[], s: Service) => find(rs, `${s.name}-scaler`).props.spec;
const kedaHpa = (rs: Fake[]) => (scaler(rs, consumer).advanced ??= { horizontalPodAutoscalerConfig: {} }).horizontalPodAutoscalerConfig;
const trickle = { policies: [{ type: "Pods", value: 1, periodSeconds: 1800 }] };
const STAGING = `${PFH}-staging`;

test("k8s-autoscaler-effective: KEDA's HPA and Kafka triggers, scale-up speed and the scale-in cooldown (findings 5, 11)", async (t) => {
    const [group] = pfh.data.kafka!.consumerGroups;
    const cooldown = scaleInRule(api.scaling).cooldownSeconds;
    await compliantAndBroken(t, "k8s-autoscaler-effective", STAGING, k8s, {
        "KEDA's scale-up disabled": { edit: (rs) => (kedaHpa(rs).behavior = { scaleUp: { selectPolicy: "Disabled" } }), expect: /advanced\.horizontalPodAutoscalerConfig\.behavior\.scaleUp\.selectPolicy is Disabled/ },
        "the Kafka trigger replaced by CPU at 99%": { edit: (rs) => (scaler(rs, consumer).triggers = [{ type: "cpu", metricType: "Utilization", metadata: { value: "99" } }]), expect: new RegExp(`no kafka trigger on topic ${pfh.data.kafka!.topics[0].name} \\(triggers: cpu\\)`) },
        "consumerGroup nobody": { edit: (rs) => (scaler(rs, consumer).triggers[0].metadata.consumerGroup = "nobody"), expect: new RegExp(`reads consumerGroup "nobody", not ${group}.*data\\.kafka\\.consumerGroups`) },
        "lagThreshold above the generated one": { edit: (rs) => (scaler(rs, consumer).triggers[0].metadata.lagThreshold = `${kafkaLagThreshold(pfh, consumer.scaling.min) + 1}`), expect: new RegExp(`lagThreshold "${kafkaLagThreshold(pfh, consumer.scaling.min) + 1}", above ${kafkaLagThreshold(pfh, consumer.scaling.min)}`) },
        "KEDA scale-up 1 pod per 1800 s": { edit: (rs) => (kedaHpa(rs).behavior = { scaleUp: trickle }), expect: /scaleUp\.policies \(1 pods per 1800s\) add pods slower than the generated 100% per 15s or 4 pods per 15s/ },
        "HPA scale-up 1 pod per 1800 s": { edit: (rs) => (scaler(rs, api).behavior = { scaleUp: trickle }), expect: /behavior\.scaleUp\.policies \(1 pods per 1800s\) add pods slower/ },
        "HPA scale-up: Min of two policies": { edit: (rs) => (scaler(rs, api).behavior = { scaleUp: { selectPolicy: "Min", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }, { type: "Pods", value: 4, periodSeconds: 15 }] } }), expect: /selectPolicy is Min over .*the slowest policy wins/ },
        "HPA scale-down stabilization 0": { edit: (rs) => (scaler(rs, api).behavior = { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] } }), expect: new RegExp(`behavior\\.scaleDown\\.stabilizationWindowSeconds is 0s, shorter than ${cooldown}s.*services\\.${api.name}\\.scaling\\.scaleIn`) },
        "KEDA scale-down stabilization 0": { edit: (rs) => (kedaHpa(rs).behavior = { scaleDown: { stabilizationWindowSeconds: 0 } }), expect: /advanced\.horizontalPodAutoscalerConfig\.behavior\.scaleDown\.stabilizationWindowSeconds is 0s/ },
    });
    // As fast as Kubernetes' default, or faster, passes; so does a longer scale-down window.
    const fast = k8s();
    scaler(fast, api).behavior = { scaleUp: { policies: [{ type: "Percent", value: 200, periodSeconds: 15 }, { type: "Pods", value: 4, periodSeconds: 10 }] }, scaleDown: { stabilizationWindowSeconds: cooldown * 2 } };
    t.deepEqual((await check("k8s-autoscaler-effective", STAGING, fast)).messages, []);
});

test("scale-in: a runbook's own cooldown is the floor, a runbook that disables scale-in wants it disabled (finding 11)", (t) => {
    const hpa = (behavior?: Record<string, any>): Subject => ({ type: HPA, name: "hpa", urn: "urn:hpa", props: { spec: { ...hpaSpec(n, api), ...(behavior ? { behavior } : {}) } }, opts: { protect: false } });
    const own = { ...api, scaling: { ...api.scaling, scaleIn: { enabled: true, cooldown: "10m" } } } as Service;
    t.regex(scaleDownProblem(hpa(), "hpa", own)?.message ?? "", /stabilizationWindowSeconds is 300s, shorter than 600s.*the runbook/, "Kubernetes' 300 s default is short of the runbook's 10m");
    t.is(scaleDownProblem(hpa({ scaleDown: { stabilizationWindowSeconds: 600 } }), "hpa", own), undefined);
    const never = { ...api, scaling: { ...api.scaling, scaleIn: { enabled: false } } } as Service;
    t.regex(scaleDownProblem(hpa(), "hpa", never)?.message ?? "", /is not disabled \(selectPolicy: Disabled\).*never scales/);
    t.is(scaleDownProblem(hpa({ scaleDown: { selectPolicy: "Disabled" } }), "hpa", never), undefined);
    t.deepEqual(scaleUpProblems(hpa(), "hpa"), [], "the generated HPA (no behavior) scales up at Kubernetes' default");
});

function aws(): Fake[] {
    const out: Fake[] = [];
    for (const s of pfh.services) {
        const id = `service/pfh-production/${s.name}`;
        out.push({ type: "aws:appautoscaling/target:Target", name: `${s.name}-scaling`, props: { resourceId: id, scalableDimension: "ecs:service:DesiredCount", serviceNamespace: "ecs", minCapacity: s.scaling.min, maxCapacity: s.scaling.max } });
        out.push({
            type: "aws:appautoscaling/policy:Policy",
            name: `${s.name}-cpu`,
            props: { resourceId: id, scalableDimension: "ecs:service:DesiredCount", serviceNamespace: "ecs", policyType: "TargetTrackingScaling", targetTrackingScalingPolicyConfiguration: { targetValue: s.scaling.cpuTargetPercent, scaleOutCooldown: SCALE_OUT_COOLDOWN_SECONDS, ...scaleInTracking(s) } },
        });
    }
    return out;
}

test("aws-appautoscaling-policy-effective: suspended targets and a scale-in cooldown under the rule's (findings 4, 11)", async (t) => {
    const cooldown = scaleInRule(api.scaling).cooldownSeconds;
    await compliantAndBroken(t, "aws-appautoscaling-policy-effective", `${PFH}-production`, aws, {
        "every scaling suspended": {
            edit: (rs) => (find(rs, `${api.name}-scaling`).props.suspendedState = { dynamicScalingOutSuspended: true, dynamicScalingInSuspended: true, scheduledScalingSuspended: true }),
            expect: new RegExp(`suspendedState has dynamicScalingOutSuspended: true, dynamicScalingInSuspended: true, scheduledScalingSuspended: true: Application Auto Scaling stops scaling ${api.name}`),
        },
        "scale-out alone suspended": { edit: (rs) => (find(rs, `${consumer.name}-scaling`).props.suspendedState = { dynamicScalingOutSuspended: true }), expect: /suspendedState has dynamicScalingOutSuspended: true:/ },
        "scaleInCooldown 0": { edit: (rs) => (find(rs, `${api.name}-cpu`).props.targetTrackingScalingPolicyConfiguration.scaleInCooldown = 0), expect: new RegExp(`scaleInCooldown is 0s, shorter than ${cooldown}s.*platform default.*services\\.${api.name}\\.scaling\\.scaleIn`) },
    });
    const off = aws();
    find(off, `${api.name}-scaling`).props.suspendedState = { dynamicScalingOutSuspended: false, dynamicScalingInSuspended: false, scheduledScalingSuspended: false };
    t.deepEqual((await check("aws-appautoscaling-policy-effective", `${PFH}-production`, off)).messages, [], "suspendedState all false suspends nothing");
});

const BUNTY = getRunbook("bunty");
function targetGroups(): Fake[] {
    const group = (name: string, path: string): Fake => ({
        type: "aws:lb/targetGroup:TargetGroup",
        name: `bunty-ingress-${name}`,
        props: { name: `bunty-${name}`, targetType: "ip", protocol: "HTTP", port: 8080, healthCheck: { enabled: true, path, protocol: "HTTP", port: "traffic-port", ...TARGET_HEALTH } },
    });
    return [...BUNTY.services.map((s) => group(s.name, targetHealthPath(s))), group("grafana", GRAFANA_HEALTH_PATH)];
}

test("aws-lb-targetgroup-health-check: path, 2xx matcher, enabled, detection time (finding 10)", async (t) => {
    const first = BUNTY.services[0];
    const hc = (rs: Fake[], name = first.name) => find(rs, `bunty-ingress-${name}`).props.healthCheck;
    const most = TARGET_HEALTH.interval * TARGET_HEALTH.unhealthyThreshold;
    await compliantAndBroken(t, "aws-lb-targetgroup-health-check", "bunty-production", targetGroups, {
        "path /": { edit: (rs) => (hc(rs).path = "/"), expect: new RegExp(`healthCheck\\.path is "/", not ${targetHealthPath(first)}, the runbook's health path for ${first.name}.*services\\.${first.name}\\.healthPath`) },
        "Grafana's path /": { edit: (rs) => (hc(rs, "grafana").path = "/"), expect: new RegExp(`"bunty-ingress-grafana" healthCheck\\.path is "/", not ${GRAFANA_HEALTH_PATH}`) },
        "matcher 200-499": { edit: (rs) => (hc(rs).matcher = "200-499"), expect: /healthCheck\.matcher is "200-499": it counts answers outside 200-299/ },
        "matcher with a redirect": { edit: (rs) => (hc(rs).matcher = "200,302"), expect: /healthCheck\.matcher is "200,302"/ },
        "disabled": { edit: (rs) => (hc(rs).enabled = false), expect: /healthCheck\.enabled is false/ },
        "300 s × 10": { edit: (rs) => Object.assign(hc(rs), { interval: 300, unhealthyThreshold: 10 }), expect: new RegExp(`interval 300s × unhealthyThreshold 10 keeps a failing target in service for 3000s, longer than the platform's ${most}s`) },
        "a TCP check": { edit: (rs) => (hc(rs).protocol = "TCP"), expect: /healthCheck\.protocol is "TCP"/ },
    });
    const tighter = targetGroups();
    Object.assign(hc(tighter), { matcher: "200", interval: 10, unhealthyThreshold: 2 });
    t.deepEqual((await check("aws-lb-targetgroup-health-check", "bunty-production", tighter)).messages, [], "200 only, checked more often: tighter passes");
});

test("k8s-pdb-availability: every service's pods under a PDB that lets one go at a time (finding 14a)", async (t) => {
    const pdb = (rs: Fake[], s = api) => find(rs, `${s.name}-pdb`).props.spec;
    await compliantAndBroken(t, "k8s-pdb-availability", STAGING, k8s, {
        'maxUnavailable "100%"': { edit: (rs) => (pdb(rs).maxUnavailable = "100%"), expect: new RegExp(`maxUnavailable "100%" lets a drain evict ${api.scaling.max} of ${api.name}'s pods at once, more than ${PDB_MAX_UNAVAILABLE}`) },
        "minAvailable 0": { edit: (rs) => (delete pdb(rs).maxUnavailable, (pdb(rs).minAvailable = 0)), expect: new RegExp(`minAvailable 0 lets a drain evict ${api.scaling.max} of`) },
        "the PDB selects other pods": { edit: (rs) => (pdb(rs, consumer).selector = { matchLabels: { ...serviceSelector(n, consumer.name), "app.kubernetes.io/name": "nothing" } }), expect: new RegExp(`"${consumer.name}-deployment": no PodDisruptionBudget selects its pods`) },
        "no bound at all": { edit: (rs) => delete pdb(rs).maxUnavailable, expect: /sets neither maxUnavailable nor minAvailable/ },
    });
    t.deepEqual((await check("k8s-pdb-availability", STAGING, k8s().filter((r) => !/-pdb$/.test(r.name) || r.name === `${api.name}-pdb`))).messages.length, 1, "a deleted PDB: its service is named once");
});

test("podsEvictable: counts and percentages the way Kubernetes rounds them, at the most replicas", (t) => {
    t.is(podsEvictable({ maxUnavailable: 1 }, 2, 6), 1);
    t.is(podsEvictable({ maxUnavailable: "25%" }, 2, 6), 2, "25% of 6 rounds up to 2");
    t.is(podsEvictable({ minAvailable: "50%" }, 2, 6), 3);
    t.is(podsEvictable({ minAvailable: 1 }, 2, 6), 5);
    t.is(podsEvictable({}, 2, 6), undefined);
    t.is(podsEvictable({ maxUnavailable: "lots" }, 2), undefined);
});

test("k8s-workload-probes-resources: readiness that takes a failing pod out later than the platform's (finding 10)", async (t) => {
    const most = PROBE_TIMINGS.readiness.periodSeconds * PROBE_TIMINGS.readiness.failureThreshold;
    const deployments = () => k8s().filter((r) => r.type === "kubernetes:apps/v1:Deployment");
    const probe = (rs: Fake[]) => find(rs, `${svc(api.name).name}-deployment`).props.spec.template.spec.containers[0].readinessProbe;
    await compliantAndBroken(t, "k8s-workload-probes-resources", STAGING, deployments, {
        "period 300 s × 30": { edit: (rs) => Object.assign(probe(rs), { periodSeconds: 300, failureThreshold: 30 }), expect: new RegExp(`readinessProbe periodSeconds 300 × failureThreshold 30 keeps a failing pod in service for 9000s, longer than the platform's ${most}s`) },
        "failureThreshold alone raised": { edit: (rs) => (probe(rs).failureThreshold = PROBE_TIMINGS.readiness.failureThreshold + 1), expect: /keeps a failing pod in service for/ },
    });
});
