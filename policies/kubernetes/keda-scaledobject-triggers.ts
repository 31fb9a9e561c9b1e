import { scaledByKeda, scaledObjectSpec } from "../../capabilities/kubernetes/apps";
import { kafkaTriggerAuthenticationSpec } from "../../capabilities/kubernetes/kafka-users";
import { names } from "../../capabilities/kubernetes/names";
import type { Runbook, Service } from "../../runbooks";
import { SCALED_OBJECT } from "../lib/autoscalers";
import { metaName, scaleTarget } from "../lib/kubernetes";
import { cite, finding, label, provenance, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord, num } from "../lib/values";
import { serviceOf } from "../lib/workloads";

const TRIGGER_AUTH = "kubernetes:keda.sh/v1alpha1:TriggerAuthentication";
const SECRET = "kubernetes:core/v1:Secret";
type Trigger = Record<string, any>;

/** What names a trigger's source (one trigger per topic, per queue). */
const IDENTITY: Readonly<Record<string, string>> = { kafka: "topic", rabbitmq: "queueName" };
/** Metadata a trigger scales at: the platform's value or lower (scaling sooner is tighter). */
const AT_MOST = new Set(["lagThreshold", "value"]);
/** KEDA's polling interval where a ScaledObject sets none. */
const KEDA_DEFAULT_POLLING_SECONDS = 30;
const nsOf = (s: Subject) => String(s.props.metadata?.namespace ?? "default");

/**
 * Why one trigger of a KEDA-scaled worker differs from the generated one: another source (group,
 * bootstrap servers, vhost, protocol or mode), a higher threshold, a metricType of `Value` (the
 * threshold read as the total, not per replica), metadata the platform does not set (e.g.
 * `excludePersistentLag`, which leaves a stuck partition's lag out), or another authentication.
 */
function triggerProblems(at: string, t: Trigger, want: Trigger, why: string): string[] {
    const out: string[] = [];
    const meta = isRecord(t.metadata) ? t.metadata : {};
    for (const [k, v] of Object.entries(want.metadata as Record<string, string>)) {
        if (AT_MOST.has(k)) {
            const have = num(meta[k]);
            if (have === undefined || have > Number(v)) out.push(`${at} has ${k} ${JSON.stringify(meta[k])}, above ${v}; ${why}`);
        } else if (meta[k] !== v) out.push(`${at} has ${k} ${JSON.stringify(meta[k])}, not ${JSON.stringify(v)}; ${why}`);
    }
    const extra = Object.keys(meta).filter((k) => !(k in want.metadata));
    if (extra.length) out.push(`${at} sets ${extra.map((k) => `${k}: ${JSON.stringify(meta[k])}`).join(", ")}, which the platform does not: it changes what KEDA measures; allowed: ${Object.keys(want.metadata).join(", ")}; ${why}`);
    if (t.metricType !== undefined && t.metricType !== "AverageValue") out.push(`${at} has metricType ${JSON.stringify(t.metricType)}: the threshold is read against the total, not per replica, so replicas are added far later; allowed: unset or AverageValue; ${why}`);
    const ref = isRecord(t.authenticationRef) ? t.authenticationRef : undefined;
    if (!ref || ref.name !== want.authenticationRef.name || (ref.kind !== undefined && ref.kind !== "TriggerAuthentication")) {
        out.push(`${at} authenticates with ${ref ? `${ref.kind ?? "TriggerAuthentication"} ${JSON.stringify(ref.name)}` : "nothing (no authenticationRef)"}, not TriggerAuthentication ${want.authenticationRef.name}: KEDA cannot read the source and the worker is never scaled`);
    }
    return out;
}

/** The TriggerAuthentication a trigger names: present in the namespace, reading the stack's Secret as generated. */
function authProblems(resources: readonly Subject[], a: Subject, name: string, n: ReturnType<typeof names>, type: string): string[] {
    const auth = ofType(resources, TRIGGER_AUTH).find((x) => metaName(x) === name && nsOf(x) === nsOf(a));
    if (!auth) return [`${label(a)}: its ${type} trigger authenticates with TriggerAuthentication ${name}, which this stack does not create in ${nsOf(a)}: KEDA cannot read the source and the worker is never scaled`];
    const refs = asArray<Record<string, any>>(auth.props.spec?.secretTargetRef).filter(isRecord);
    const secrets = new Set(ofType(resources, SECRET).filter((x) => nsOf(x) === nsOf(a)).map(metaName));
    const out: string[] = [];
    const other = Object.keys(auth.props.spec ?? {}).filter((k) => k !== "secretTargetRef");
    if (other.length) out.push(`${label(auth)}: reads ${other.join(", ")} besides secretTargetRef; the platform authenticates KEDA from the stack's Secret only`);
    for (const r of refs) if (!secrets.has(String(r.name))) out.push(`${label(auth)}: secretTargetRef ${r.parameter} reads Secret ${JSON.stringify(r.name)}, which this stack does not create: KEDA logs in as someone else, or not at all`);
    if (type === "kafka") {
        const want = kafkaTriggerAuthenticationSpec(n).secretTargetRef.map((r) => `${r.parameter}=${r.name}/${r.key}`).sort();
        const have = refs.map((r) => `${r.parameter}=${r.name}/${r.key}`).sort();
        if (JSON.stringify(want) !== JSON.stringify(have)) out.push(`${label(auth)}: secretTargetRef is ${have.join(", ") || "empty"}, not the generated ${want.join(", ")} (KEDA's own KafkaUser, Describe only)`);
    }
    return out;
}

/** A ScaledObject on a service the runbook autoscales on CPU and memory: it must hold those targets. */
function resourceTriggerProblems(a: Subject, svc: Service): string[] {
    const from = provenance(svc.scaling, "cpuTargetPercent", "memoryTargetPercent");
    return (["cpu", "memory"] as const).flatMap((r) => {
        const want = svc.scaling[`${r}TargetPercent`];
        const t = asArray<Trigger>(a.props.spec?.triggers).find((x) => isRecord(x) && x.type === r && (x.metricType ?? "Utilization") === "Utilization");
        const have = num(t?.metadata?.value);
        return have !== undefined && have <= want
            ? []
            : [`${label(a)} scales ${svc.name} ${t ? `on ${r} at ${JSON.stringify(t.metadata?.value)}%` : `with no ${r} Utilization trigger (triggers: ${asArray<Trigger>(a.props.spec?.triggers).map((x) => x?.type).join(", ") || "none"})`}; ${from.who} autoscales ${svc.name} on CPU and memory, ${r} at ${want}% ${from.cite}, not on a queue or lag`];
    });
}

function scaledObjectProblems(resources: readonly Subject[], rb: Runbook, app: Parameters<typeof names>[0], a: Subject, svc: Service): string[] {
    const out: string[] = [];
    const spec = a.props.spec ?? {};
    const from = provenance(svc.scaling, "min");
    if (spec.idleReplicaCount !== undefined) out.push(`${label(a)} has idleReplicaCount ${JSON.stringify(spec.idleReplicaCount)}: KEDA drops ${svc.name} below its minimum whenever the triggers are idle; ${from.who} keeps at least ${svc.scaling.min} ${from.cite}`);
    // KEDA's fallback pins the target at fallback.replicas while a trigger's source fails, overriding
    // the other triggers, CPU and memory included (kedacore/keda#6659); the platform sets none.
    if (spec.fallback !== undefined) out.push(`${label(a)} has fallback ${JSON.stringify(spec.fallback)}: while a trigger's source fails KEDA holds ${svc.name} at ${JSON.stringify(spec.fallback?.replicas)} replicas whatever its other triggers ask (kedacore/keda#6659), so a metrics outage stops the runbook's scaling between ${svc.scaling.min} and ${svc.scaling.max}; allowed: no fallback (the HPA keeps the last replica count)`);
    if (spec.advanced?.scalingModifiers !== undefined) out.push(`${label(a)} has advanced.scalingModifiers ${JSON.stringify(spec.advanced.scalingModifiers)}: a formula replaces the triggers' metrics, which the platform does not generate; allowed: none`);
    if (!scaledByKeda(rb, svc)) return [...out, ...resourceTriggerProblems(a, svc)];
    const n = names(app, nsOf(a));
    const gen = scaledObjectSpec(rb, n, svc);
    const polling = num(spec.pollingInterval) ?? KEDA_DEFAULT_POLLING_SECONDS;
    if (polling > gen.pollingInterval) out.push(`${label(a)} has pollingInterval ${polling}s, longer than the platform's ${gen.pollingInterval}s: KEDA notices a backlog that much later`);
    const triggers = asArray<Trigger>(spec.triggers).filter(isRecord);
    const source = rb.data.kafka ? cite(rb.data.kafka.source) : "";
    for (const want of gen.triggers as readonly Trigger[]) {
        const id = IDENTITY[want.type];
        const what = `${want.type} trigger on ${want.metadata[id]}`;
        const why = `the platform generates ${JSON.stringify(want.metadata)} from the runbook ${want.type === "kafka" ? source : `(data.rabbitmq.queues)`}`;
        const mine = triggers.filter((t) => t.type === want.type && t.metadata?.[id] === want.metadata[id]);
        if (mine.length === 0) {
            // Kafka topics without a trigger are k8s-autoscaler-effective's finding.
            if (want.type !== "kafka") out.push(`${label(a)}: no ${what}: ${svc.name} is never scaled on it; ${why}`);
            continue;
        }
        for (const t of mine) out.push(...triggerProblems(`${label(a)}: its ${what}`, t, want, why));
    }
    for (const auth of new Set((gen.triggers as readonly Trigger[]).map((t) => `${t.type}:${t.authenticationRef.name}`))) {
        const [type, name] = auth.split(":");
        out.push(...authProblems(resources, a, name, n, type));
    }
    return out;
}

/**
 * KEDA ScaledObjects as the platform generates them from the runbook: a Kafka or RabbitMQ worker's
 * triggers on the runbook's topics and queues, its consumer group and vhost, in the generated mode
 * at the generated threshold or lower, authenticated through the stack's TriggerAuthentication;
 * no idle replica count below the minimum, no scaling formula, no slower polling. A ScaledObject
 * on a service the runbook scales on CPU and memory holds those targets.
 */
export const k8sKedaScaledObjectTriggers = stackRule({
    name: "k8s-keda-scaledobject-triggers",
    description:
        "KEDA ScaledObjects keep the generated triggers (the runbook's topics and queues, consumer group, vhost, mode, a threshold no higher, no metricType Value, no extra metadata such as excludePersistentLag), authenticate through the stack's TriggerAuthentication reading the stack's Secret, set no idleReplicaCount, fallback or scalingModifiers and poll no slower; one on a CPU/memory-scaled service holds the runbook's targets.",
    tier: "runbook",
    target: "kubernetes",
    remediationSteps: "Keep the ScaledObject and TriggerAuthentication capabilities/kubernetes builds (scaledObjectSpec, kafkaTriggerAuthenticationSpec); scale CPU/memory services with their HPA.",
    notApplicable: (resources) => absentTarget(resources, "kubernetes") ?? (ofType(resources, SCALED_OBJECT).length ? undefined : "the stack has no KEDA ScaledObject"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        for (const a of ofType(resources, SCALED_OBJECT)) {
            const svc = serviceOf(ctx.runbook, scaleTarget(a)?.name);
            if (!svc) continue;
            for (const m of scaledObjectProblems(resources, ctx.runbook, ctx.app, a, svc)) out.push(finding(m, { urn: a.urn, key: `services.${svc.name}.scaling` }));
        }
        return out;
    },
});
