import YAML from "yaml";
import { blackboxConfig as awsBlackboxConfig } from "../../capabilities/aws/collector";
import { GRAFANA_HEALTH_PATH } from "../../capabilities/dashboards/grafana";
import { BLACKBOX_CONFIG_PATH, blackboxConfig as dockerBlackboxConfig } from "../../capabilities/docker/exporters";
import { blackboxValues, probeSpecs, type ProbeSpec } from "../../capabilities/kubernetes/monitoring";
import { names } from "../../capabilities/kubernetes/names";
import { reachabilityProbeSpecs } from "../../capabilities/kubernetes/reachability";
import { CHARTS } from "../../capabilities/kubernetes/versions";
import { GRAFANA_SUBJECT, REACHABILITY_PROBE } from "../../capabilities/reachability";
import type { Runbook } from "../../runbooks";
import { modulesProblems, publishedHosts, same, tlsProbeUrls } from "../lib/blackbox";
import { isUnknown } from "../lib/inputs";
import { finding, label, provenance, stackRule, type Finding, type Subject } from "../lib/policy";
import { ofType } from "../lib/targets";
import { asArray, durationToSeconds, isRecord } from "../lib/values";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const PROBE = "kubernetes:monitoring.coreos.com/v1:Probe";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const CONTAINER = "docker:index/container:Container";
const BLACKBOX_ENV = "BLACKBOX_CONFIG";
/** Chart values that replace or bypass the generated `config` (another Secret, another file). */
const CONFIG_BYPASS = ["configExistingSecretName", "secretConfig", "extraArgs"];
const MODULES_FROM = "capabilities/alerting/exporters.ts BLACKBOX_MODULES: the platform's probe definitions (a 2xx answer within the timeout, with the certificate verified; the JSON-RPC health answer)";


function parsed(text: unknown): Record<string, any> | undefined {
    if (typeof text !== "string") return undefined;
    try {
        const v = YAML.parse(text) as unknown;
        return isRecord(v) ? v : undefined;
    } catch {
        return undefined;
    }
}

/** The Kubernetes blackbox exporter release: its modules as generated, its config not replaced. */
function chartProblems(r: Subject, n: ReturnType<typeof names>): Finding[] {
    const want = blackboxValues(n) as Record<string, any>;
    const values = isRecord(r.props.values) ? r.props.values : {};
    if (isUnknown(values)) return [];
    const at = `${label(r)} values`;
    const out = modulesProblems(values.config?.modules, want.config.modules).map((p) => `${at}.config: ${p}; allowed: the generated modules (${MODULES_FROM})`);
    for (const k of CONFIG_BYPASS) if (values[k] !== undefined && want[k] === undefined) out.push(`${at}.${k} is ${JSON.stringify(values[k])}: the exporter reads another configuration than the generated modules (${MODULES_FROM})`);
    return out.map((m) => finding(m, { urn: r.urn }));
}

/** Why a Probe differs from the generated spec: module, prober, a slower interval, labels, other targets, settings the platform does not make. */
function probeProblems(p: Subject, want: ProbeSpec, urls: readonly string[], why: string): string[] {
    const spec = isRecord(p.props.spec) ? p.props.spec : {};
    const at = `${label(p)} (job ${want.jobName})`;
    const out: string[] = [];
    if (spec.module !== want.module) out.push(`${at} has module ${JSON.stringify(spec.module)}, not the generated ${JSON.stringify(want.module)}: it checks something else than ${why}`);
    if (!same(spec.prober, want.prober)) out.push(`${at} has prober ${JSON.stringify(spec.prober)}, not the stack's blackbox exporter ${JSON.stringify(want.prober)}`);
    const iv = durationToSeconds(spec.interval);
    if (spec.interval !== undefined && (iv === undefined || iv > durationToSeconds(want.interval)!)) out.push(`${at} has interval ${JSON.stringify(spec.interval)}, slower than the generated ${want.interval}`);
    const sc = spec.targets?.staticConfig;
    const wantSc = want.targets!.staticConfig!;
    if (!same(sc?.labels, wantSc.labels)) out.push(`${at} has target labels ${JSON.stringify(sc?.labels)}, not the generated ${JSON.stringify(wantSc.labels)}: the rules select the probe by them`);
    const targets = asArray<unknown>(sc?.static);
    if (targets.length === 0 || targets.some((t) => typeof t !== "string" || !urls.includes(t)))
        out.push(`${at} probes ${JSON.stringify(targets)}; allowed: ${urls.join(" or ")} (${why})`);
    const extra = Object.keys(spec).filter((k) => !(k in want));
    const extraTargets = Object.keys(spec.targets ?? {}).filter((k) => k !== "staticConfig");
    if (extra.length || extraTargets.length) out.push(`${at} sets ${[...extra, ...extraTargets.map((k) => `targets.${k}`)].join(", ")}, which the platform does not (relabelling or other targets change what probe_success measures)`);
    return out;
}

/** Every generated Probe present and as generated; the public hosts' reachability Probes as generated for the host they name. */
function probesProblems(resources: readonly Subject[], rb: Runbook, n: ReturnType<typeof names>, hosts: ReadonlyMap<string, readonly string[]>): Finding[] {
    const probes = ofType(resources, PROBE);
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const { spec: want } of probeSpecs(rb, n)) {
        const labels = want.targets!.staticConfig!.labels as Record<string, string>;
        const svc = rb.services.find((s) => s.name === labels.component);
        const from = svc ? provenance(svc, "healthPath", "host") : undefined;
        const why = labels.probe === "external" ? `the runbook's external dependency ${labels.component}` : `${labels.probe} of ${labels.component} (${from?.who} ${from?.cite})`;
        const urls = labels.probe === "tls" ? tlsProbeUrls(rb, hosts, labels.component) : want.targets!.staticConfig!.static!;
        const mine = probes.filter((p) => p.props.spec?.jobName === want.jobName);
        if (mine.length === 0) out.push(finding(`no Probe with job ${want.jobName}: nothing runs the ${why} check the rules read`));
        for (const p of mine) {
            seen.add(p.urn);
            out.push(...probeProblems(p, want, urls, why).map((m) => finding(m, { urn: p.urn })));
        }
    }
    for (const p of probes.filter((x) => !seen.has(x.urn))) {
        const l = p.props.spec?.targets?.staticConfig?.labels;
        if (!isRecord(l) || l.app !== rb.app) continue;
        if (l.probe === REACHABILITY_PROBE && typeof l.host === "string" && typeof l.component === "string") {
            const path = l.component === GRAFANA_SUBJECT ? GRAFANA_HEALTH_PATH : rb.services.find((s) => s.name === l.component)?.healthPath;
            if (path !== undefined) {
                const want = reachabilityProbeSpecs(rb, n, [{ subject: l.component, host: l.host, path }])[0].spec;
                out.push(...probeProblems(p, want, want.targets!.staticConfig!.static!, `the outside check of ${l.host}`).map((m) => finding(m, { urn: p.urn })));
                continue;
            }
        }
        out.push(finding(`${label(p)} is a Probe the platform does not generate, labelled app=${rb.app} (${JSON.stringify(l)}): its series mix with the generated probes' in the rules`, { urn: p.urn }));
    }
    return out;
}

/** The AWS collector's blackbox exporter: the modules in its BLACKBOX_CONFIG environment as generated. */
function taskProblems(t: Subject): Finding[] {
    if (typeof t.props.containerDefinitions !== "string") return [];
    let defs: unknown;
    try {
        defs = JSON.parse(t.props.containerDefinitions);
    } catch {
        return [];
    }
    const want = YAML.parse(awsBlackboxConfig()) as { modules: Record<string, any> };
    return asArray<Record<string, any>>(defs)
        .filter((c) => isRecord(c) && asArray<Record<string, any>>(c.environment).some((e) => e?.name === BLACKBOX_ENV))
        .flatMap((c) => {
            const text = asArray<Record<string, any>>(c.environment).find((e) => e?.name === BLACKBOX_ENV)!.value;
            const conf = parsed(text);
            const at = `${label(t)} container ${c.name} ${BLACKBOX_ENV}`;
            if (!conf) return [finding(`${at} is not a YAML map: the exporter starts with no modules`, { urn: t.urn })];
            return modulesProblems(conf.modules, want.modules).map((p) => finding(`${at}: ${p}; allowed: the generated modules (${MODULES_FROM})`, { urn: t.urn }));
        });
}

/** Docker's blackbox exporter: the config file it is given as generated. */
function containerProblems(c: Subject): Finding[] {
    const up = asArray<Record<string, any>>(c.props.uploads).find((u) => u?.file === BLACKBOX_CONFIG_PATH);
    if (!up || isUnknown(up.content)) return [];
    const conf = parsed(up.content);
    const at = `${label(c)} ${BLACKBOX_CONFIG_PATH}`;
    if (!conf) return [finding(`${at} is not a YAML map: the exporter starts with no modules`, { urn: c.urn })];
    return modulesProblems(conf.modules, dockerBlackboxConfig().modules).map((p) => finding(`${at}: ${p}; allowed: the generated modules (${MODULES_FROM})`, { urn: c.urn }));
}

/**
 * The blackbox probes measure what the rules say they measure (review finding 6): the exporter's
 * modules are the generated ones on every target (a 2xx within the timeout, certificates verified;
 * only checks that fail more often may be added), and every generated Probe on Kubernetes exists
 * with its module, prober, labels and target URL (AWS's probe jobs are held by
 * aws-collector-config-intact, with the rest of the agent's configuration).
 */
export const platformBlackboxProbesIntact = stackRule({
    name: "platform-blackbox-probes-intact",
    description:
        "The blackbox exporter's modules are the generated ones (Kubernetes chart values, the AWS collector's BLACKBOX_CONFIG, Docker's config file): no status outside 2xx accepted, no certificate check skipped, no longer timeout; every generated Kubernetes Probe exists with its module, prober, interval, labels and target URL, and no other Probe carries the app's labels.",
    tier: "runbook",
    target: "any",
    remediationSteps: "Keep the modules of capabilities/alerting/exporters.ts (BLACKBOX_MODULES) and the Probes of capabilities/kubernetes/monitoring.ts probeSpecs and capabilities/kubernetes/reachability.ts; change a probe in the generator, not in the stack.",
    check: (resources, ctx) => {
        const out: Finding[] = [];
        const n = names(ctx.app, ctx.kubernetesNamespace ?? ctx.app);
        for (const r of ofType(resources, RELEASE).filter((x) => x.props.chart === CHARTS.blackboxExporter.chart)) out.push(...chartProblems(r, n));
        if (ofType(resources, PROBE).length || ofType(resources, RELEASE).some((x) => x.props.chart === CHARTS.blackboxExporter.chart)) {
            out.push(...probesProblems(resources, ctx.runbook, n, publishedHosts(resources, ctx.runbook, ctx.env, n.namespace)));
        }
        for (const t of ofType(resources, TASK)) out.push(...taskProblems(t));
        for (const c of ofType(resources, CONTAINER)) out.push(...containerProblems(c));
        return out;
    },
});
