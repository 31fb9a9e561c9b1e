import { mongoStatefulSetSpec } from "../../capabilities/kubernetes/mongodb-statefulset";
import { names, type Names } from "../../capabilities/kubernetes/names";
import { redisStatefulSetSpec } from "../../capabilities/kubernetes/redis-statefulset";
import type { Runbook } from "../../runbooks";
import { containers, metaName, podSpec, STATEFULSET } from "../lib/kubernetes";
import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

type Spec = Record<string, any>;

/** The data stores the platform runs as StatefulSets, with the generator of each one's spec. */
const STORES: readonly { store: "redis" | "mongodb"; name: (n: Names) => string; spec: (rb: Runbook, n: Names) => Spec | undefined; generator: string }[] = [
    { store: "redis", name: (n) => n.redis, spec: (rb, n) => (rb.data.redis ? (redisStatefulSetSpec(rb, n) as Spec) : undefined), generator: "capabilities/kubernetes/redis-statefulset.ts redisStatefulSetSpec" },
    { store: "mongodb", name: (n) => n.mongodb, spec: (rb, n) => (rb.data.mongodb ? (mongoStatefulSetSpec(rb, n) as Spec) : undefined), generator: "capabilities/kubernetes/mongodb-statefulset.ts mongoStatefulSetSpec" },
];

/** Container name → mount name → mount paths, for the volumes named. */
function mountsOf(spec: Spec, volumes: ReadonlySet<string>): Map<string, Map<string, string[]>> {
    const out = new Map<string, Map<string, string[]>>();
    for (const c of asArray<Spec>(spec.template?.spec?.containers).filter(isRecord)) {
        const m = new Map<string, string[]>();
        for (const vm of asArray<Spec>(c.volumeMounts).filter((x) => isRecord(x) && volumes.has(String(x.name)))) m.set(String(vm.name), [...(m.get(String(vm.name)) ?? []), String(vm.mountPath)]);
        out.set(String(c.name), m);
    }
    return out;
}

/**
 * The data of a StatefulSet data store (Redis, MongoDB) lives on the per-pod volumes the
 * generator claims: every generated volumeClaimTemplate is there, no pod volume of the same name
 * replaces it (an emptyDir is gone with the pod), and each container mounts it where generated
 * (mounted elsewhere, the data dir is the container's own filesystem). A restart then keeps the
 * data the runbook's backups and retention assume.
 */
export const k8sStatefulSetDataVolume = stackRule({
    name: "k8s-statefulset-data-volume",
    description: "Every Redis and MongoDB StatefulSet keeps its data on the generated volumeClaimTemplates, mounted where generated, with no emptyDir or other pod volume in their place.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Keep the StatefulSet specs capabilities/kubernetes/redis-statefulset.ts and mongodb-statefulset.ts build: volumeClaimTemplates `data` mounted at the data directory, no pod volume named like a claim.",
    notApplicable: (resources, ctx) => absentTarget(resources, "kubernetes") ?? (ctx.runbook.data.redis || ctx.runbook.data.mongodb ? undefined : `the ${ctx.app} runbook runs neither Redis nor MongoDB`),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const sets = ofType(resources, STATEFULSET);
        for (const s of sets) {
            const n = names(ctx.app, String(s.props.metadata?.namespace ?? ctx.kubernetesNamespace ?? ctx.app));
            const store = STORES.find((x) => x.name(n) === metaName(s));
            const gen = store?.spec(ctx.runbook, n);
            if (!store || !gen) continue;
            out.push(...differences(s, gen, store));
        }
        return out;
    },
});

function differences(s: Subject, gen: Spec, store: (typeof STORES)[number]): Finding[] {
    const out: Finding[] = [];
    const key = `data.${store.store}`;
    const claims = new Set(asArray<Spec>(gen.volumeClaimTemplates).map((v) => String(v.metadata?.name)));
    const have = new Set(asArray<Spec>(s.props.spec?.volumeClaimTemplates).filter(isRecord).map((v) => String(v.metadata?.name)));
    const podVolumes = asArray<Spec>(podSpec(s)?.volumes).filter(isRecord);
    const at = `${label(s)} (${store.store})`;
    for (const claim of claims) {
        if (!have.has(claim)) out.push(finding(`${at}: volumeClaimTemplates has no "${claim}" (has ${JSON.stringify([...have])}); allowed: the generated claim "${claim}" (${store.generator}): without it the data is not on a persistent volume`, { urn: s.urn, key }));
        const shadow = podVolumes.find((v) => v.name === claim);
        if (shadow) out.push(finding(`${at}: pod volume "${claim}" is ${JSON.stringify(Object.fromEntries(Object.entries(shadow).filter(([k]) => k !== "name")))}, in place of the claim of that name, so the data is gone with the pod; allowed: no pod volume named "${claim}" (${store.generator})`, { urn: s.urn, key }));
    }
    const want = mountsOf(gen, claims);
    const got = mountsOf(s.props.spec ?? {}, claims);
    for (const [container, mounts] of want) {
        for (const [claim, paths] of mounts) {
            const planned = containers(s).find((c) => c.name === container) ? (got.get(container)?.get(claim) ?? []) : undefined;
            if (planned === undefined) continue;
            const lost = paths.filter((p) => !planned.includes(p));
            if (lost.length) out.push(finding(`${at}: container ${container} mounts "${claim}" at ${JSON.stringify(planned)}, not at ${JSON.stringify(lost)}, so what it writes there stays in the container's filesystem; allowed: ${JSON.stringify(paths)} (${store.generator})`, { urn: s.urn, key }));
        }
    }
    return out;
}
