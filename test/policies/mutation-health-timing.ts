import type { StackPlan } from "../../cli/harness/runtime";
import { START_GRACE_SECONDS } from "../../capabilities/kubernetes/apps";
import { LABEL } from "../../capabilities/kubernetes/names";
import type { Runbook } from "../../runbooks";
import { UNKNOWN_STRING } from "../../policies/lib/inputs";
import { serviceDownBudget } from "../../policies/lib/probes";
import { serviceOf } from "../../policies/lib/workloads";
import { sample, type Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Issue 13, health timings the program itself used to break (program13): the part of each timing
 * the older bounds left out, put back one subject at a time on the baseline plan. ECS: interval ×
 * retries at the ServiceDown level, the last check's timeout past it. Kubernetes: the start carried
 * by liveness' initial delay with no startup probe (the old program's shape), on a runbook service
 * and on a data store with its own down level. MSK: the cluster on a revision other than its
 * configuration's latestRevision as the engine sends it (known), and a literal revision while the
 * configuration changes (unknown). `healthTimingTightenings` only tighten the same subjects.
 */

type Planned = StackPlan["resources"][number];
const PER_SWITCH = 1;
const ECS = ["aws-ecs-health-timing"];
const PROBES = ["k8s-workload-probes-resources"];
const MSK = ["aws-msk-cluster-configuration"];
const CONFIGURATION = "aws:msk/configuration:Configuration";

/** Edits the health checks in a task definition's container definitions (a JSON text). */
const checks = (edit: (hc: Props) => void) => (p: Props) => {
    const cs = JSON.parse(p.containerDefinitions) as Props[];
    cs.filter((c) => c.healthCheck).forEach((c) => edit(c.healthCheck));
    p.containerDefinitions = JSON.stringify(cs);
};
/** The first container of a workload that has a liveness probe. */
const live = (p: Props) => (p.spec?.template?.spec?.containers ?? []).find((c: Props) => c.livenessProbe) as Props | undefined;
/** The old program's shape: no startup probe, liveness held off by its initial delay for the start grace. */
const startByDelay = (p: Props) => {
    p.spec = structuredClone(p.spec);
    const c = live(p)!;
    delete c.startupProbe;
    c.livenessProbe = { ...c.livenessProbe, initialDelaySeconds: START_GRACE_SECONDS };
};
const storeOf = (r: Planned) => (r.props as Props).spec?.template?.metadata?.labels?.[LABEL.dataService] as string | undefined;

export function healthTimingMutations(rb: Runbook, plan: StackPlan): Mutation[] {
    const out: Mutation[] = [];
    const of = (type: string, match: (r: Planned) => boolean = () => true) => plan.resources.filter((r) => r.type === type && match(r));
    const add = (kind: string, policies: string[], targets: readonly Planned[], edit: (pl: StackPlan, r: Planned) => StackPlan, what: string) => {
        for (const r of sample(targets, PER_SWITCH, `${plan.stack}:${kind}`)) out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `P13:${kind}:${r.urn}`, edit: (pl) => edit(pl, r) });
    };
    const budget = serviceDownBudget(rb);

    // 1. ECS: interval × retries exactly the ServiceDown level, the last check's timeout past it.
    const tasks = of("aws:ecs/taskDefinition:TaskDefinition", (r) => /"healthCheck"/.test(String((r.props as Props).containerDefinitions)) && !!serviceOf(rb, String((r.props as Props).family ?? ""), r.name));
    if (budget) {
        add("ecs-hc-timeout-past", ECS, tasks, (pl, r) => editUrn(pl, r.urn, checks((hc) => (hc.interval = Math.ceil(budget.seconds / hc.retries)))), "healthCheck interval × retries → the ServiceDown level, timeout kept");
    }

    // 2. Kubernetes: the start carried by liveness' initial delay, no startup probe.
    const apps = new Set(rb.services.map((s) => s.name));
    const deployments = of("kubernetes:apps/v1:Deployment", (r) => apps.has(live(r.props as Props)?.name) && !!live(r.props as Props)?.startupProbe);
    add("liveness-start-delay", PROBES, deployments, (pl, r) => editUrn(pl, r.urn, startByDelay), `startupProbe removed, liveness initialDelaySeconds → ${START_GRACE_SECONDS}`);
    const stores = of("kubernetes:apps/v1:StatefulSet", (r) => rb.alerts.some((a) => a.signal === `${storeOf(r)}_down`) && !!live(r.props as Props)?.startupProbe);
    add("data-liveness-start-delay", PROBES, stores, (pl, r) => editUrn(pl, r.urn, startByDelay), `startupProbe removed, liveness initialDelaySeconds → ${START_GRACE_SECONDS}`);

    // 3. MSK: the configuration's latestRevision as the engine sends it (its outputs), the cluster on another.
    const clusters = of("aws:msk/cluster:Cluster", (r) => typeof (r.props as Props).configurationInfo?.revision === "number");
    const configOf = (pl: StackPlan) => pl.resources.find((x) => x.type === CONFIGURATION);
    const withLatest = (latest: (revision: number) => unknown) => (pl: StackPlan, r: Planned) => {
        const config = configOf(pl);
        return config ? editUrn(pl, config.urn, (p) => (p.latestRevision = latest((r.props as Props).configurationInfo.revision))) : pl;
    };
    add("msk-revision-pinned", MSK, clusters, withLatest((revision) => revision + 1), "configuration's latestRevision one past the cluster's revision");
    add("msk-revision-literal", MSK, clusters, withLatest(() => UNKNOWN_STRING), "configuration changing (latestRevision unknown), the cluster's revision a literal");
    return out;
}

/** Edits that only tighten the same subjects: the pack must report nothing new. */
export function healthTimingTightenings(plan: StackPlan): { id: string; edit: (plan: StackPlan) => StackPlan }[] {
    const out: { id: string; edit: (plan: StackPlan) => StackPlan }[] = [];
    for (const r of plan.resources) {
        const p = r.props as Props;
        if (r.type === "aws:ecs/taskDefinition:TaskDefinition" && /"healthCheck"/.test(String(p.containerDefinitions))) {
            out.push({ id: `${r.name}: health check every 5 s, 2 retries, 3 s timeout`, edit: (pl) => editUrn(pl, r.urn, checks((hc) => Object.assign(hc, { interval: 5, retries: 2, timeout: 3 }))) });
        }
        if ((r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet") && live(p)?.startupProbe) {
            out.push({
                id: `${r.name}: liveness every 5 s, a startup probe of half the grace`,
                edit: (pl) =>
                    editUrn(pl, r.urn, (q) => {
                        q.spec = structuredClone(q.spec);
                        const c = live(q)!;
                        c.livenessProbe = { ...c.livenessProbe, periodSeconds: 5 };
                        c.startupProbe = { ...c.startupProbe, failureThreshold: Math.max(1, Math.floor(c.startupProbe.failureThreshold / 2)) };
                    }),
            });
        }
        if (r.type === "aws:msk/cluster:Cluster" && typeof p.configurationInfo?.revision === "number") {
            // The engine's view of an existing configuration: latestRevision known and the cluster on it.
            const config = plan.resources.find((x) => x.type === CONFIGURATION);
            if (config) out.push({ id: `${r.name}: on its configuration's latestRevision as the engine sends it`, edit: (pl) => editUrn(pl, config.urn, (q) => (q.latestRevision = p.configurationInfo.revision)) });
        }
    }
    return out;
}
