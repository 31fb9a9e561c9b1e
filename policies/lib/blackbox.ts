import type { Env, Runbook } from "../../runbooks";
import { awsNames } from "../../capabilities/aws/names";
import { names } from "../../capabilities/kubernetes/names";
import type { Subject } from "./policy";
import { ofType } from "./targets";
import { asArray, durationToSeconds, isRecord } from "./values";

/**
 * Held to what the generator produces: blackbox_exporter's modules (BLACKBOX_MODULES, in the
 * Kubernetes chart's values, the AWS collector's BLACKBOX_CONFIG and Docker's config file), and
 * the hosts a stack publishes per service, which stand in for the runbook's host where the stack
 * file moves it (`runbook-platform:hosts`): the pack reads the plan, never the program's settings.
 */

type Module = Record<string, any>;

/**
 * `http` settings a module may add to the generated ones because they only make a probe fail more
 * often (a check the generator does not make, never one it makes undone). Any other added setting
 * (valid_status_codes beyond 2xx, tls_config.insecure_skip_verify, another CA, a proxy) is a finding.
 */
const TIGHTENING: Readonly<Record<string, (v: unknown) => boolean>> = {
    valid_status_codes: (v) => asArray<unknown>(v).length > 0 && asArray<unknown>(v).every((c) => typeof c === "number" && c >= 200 && c <= 299),
    fail_if_not_ssl: (v) => v === true,
    no_follow_redirects: (v) => v === true,
    fail_if_body_matches_regexp: (v) => Array.isArray(v),
    fail_if_header_matches: (v) => Array.isArray(v),
    fail_if_header_not_matches: (v) => Array.isArray(v),
    tls_config: (v) => isRecord(v) && Object.entries(v).every(([k, x]) => (k === "insecure_skip_verify" && x === false) || k === "min_version"),
};

/** JSON with every object's keys sorted: the plan shows inputs with sorted keys, the generator writes its own order. */
export const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (isRecord(x) && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
/** Equal as data, whatever the key order. */
export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** Why one module differs from the generated one: another prober, a longer timeout, a generated setting changed, a loosening setting added. */
function moduleProblems(name: string, have: unknown, want: Module): string[] {
    if (!isRecord(have)) return [`module ${name} is missing: every Probe that asks for it fails with "unknown module"`];
    const out: string[] = [];
    if (have.prober !== want.prober) out.push(`module ${name} has prober ${JSON.stringify(have.prober)}, not ${JSON.stringify(want.prober)}`);
    const t = durationToSeconds(have.timeout);
    const wantT = durationToSeconds(want.timeout)!;
    if (have.timeout !== undefined && (t === undefined || t > wantT)) out.push(`module ${name} has timeout ${JSON.stringify(have.timeout)}, longer than the generated ${want.timeout}`);
    const http = isRecord(have.http) ? have.http : {};
    for (const [k, v] of Object.entries(want.http as Module)) {
        if (k === "fail_if_body_not_matches_regexp") {
            const mine = asArray<unknown>(http[k]);
            const lost = asArray<unknown>(v).filter((x) => !mine.includes(x));
            if (lost.length) out.push(`module ${name} no longer requires the body to match ${JSON.stringify(lost)}: an answer that says the service is unhealthy passes`);
        } else if (!same(http[k], v)) out.push(`module ${name} has http.${k} ${JSON.stringify(http[k])}, not the generated ${JSON.stringify(v)}`);
    }
    for (const [k, v] of Object.entries(http)) {
        if (k in (want.http as Module)) continue;
        if (TIGHTENING[k]?.(v)) continue;
        out.push(`module ${name} adds http.${k} ${JSON.stringify(v)}, which the platform does not set: ${k === "valid_status_codes" ? "a status outside 2xx counts as up" : k === "tls_config" ? "the certificate check is loosened" : "it changes what counts as up"}`);
    }
    const extra = Object.keys(have).filter((k) => !["prober", "timeout", "http"].includes(k));
    if (extra.length) out.push(`module ${name} sets ${extra.join(", ")}, which the platform does not`);
    return out;
}

/** Every difference between a blackbox modules map and the generated one (modules the platform does not define are not probed by its Probes: left alone). */
export function modulesProblems(have: unknown, want: Readonly<Record<string, Module>>): string[] {
    if (!isRecord(have)) return [`no modules (${JSON.stringify(have)}): every probe fails with "unknown module"`];
    return Object.entries(want).flatMap(([name, m]) => moduleProblems(name, have[name], m));
}

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";

/** Target group ARNs a listener rule forwards to (plain or weighted). */
function forwardedGroups(rule: Subject): string[] {
    return asArray<Record<string, any>>(rule.props.actions)
        .filter(isRecord)
        .flatMap((a) => [a.targetGroupArn, ...asArray<Record<string, any>>(a.forward?.targetGroups).map((g) => g?.arn)])
        .filter((x): x is string => typeof x === "string");
}

/**
 * The hosts the stack publishes for each runbook service: the Kubernetes Ingress rules whose backend
 * is the service's Service, or the AWS listener rules (host header) that forward to one of its
 * target groups. A service the stack publishes nowhere keeps the runbook's host.
 */
export function publishedHosts(resources: readonly Subject[], rb: Runbook, env: Env, namespace: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const add = (svc: string, host: unknown) => {
        if (typeof host === "string" && !out.get(svc)?.includes(host)) out.set(svc, [...(out.get(svc) ?? []), host]);
    };
    const n = names(rb.app, namespace);
    for (const svc of rb.services) {
        for (const ing of ofType(resources, INGRESS)) {
            for (const rule of asArray<Record<string, any>>(ing.props.spec?.rules).filter(isRecord)) {
                if (asArray<Record<string, any>>(rule.http?.paths).some((p) => p?.backend?.service?.name === n.service(svc.name))) add(svc.name, rule.host);
            }
        }
        const groups = ([undefined, "blue", "green"] as const).map((c) => `:targetgroup/${awsNames(rb.app, env).targetGroup(svc.name, c)}/`);
        for (const lr of ofType(resources, LISTENER_RULE)) {
            if (!forwardedGroups(lr).some((arn) => groups.some((g) => arn.includes(g)))) continue;
            for (const c of asArray<Record<string, any>>(lr.props.conditions)) for (const h of asArray<unknown>(c?.hostHeader?.values)) add(svc.name, h);
        }
        if (!out.has(svc.name)) add(svc.name, svc.host);
    }
    return out;
}

/** The https URLs a TLS probe of the service may fetch: its health path on any host the stack publishes for it. */
export function tlsProbeUrls(rb: Runbook, hosts: ReadonlyMap<string, readonly string[]>, service: string): string[] {
    const svc = rb.services.find((s) => s.name === service);
    return svc ? (hosts.get(service) ?? [svc.host]).map((h) => `https://${h}${svc.healthPath}`) : [];
}
