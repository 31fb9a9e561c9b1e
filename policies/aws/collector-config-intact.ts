import YAML from "yaml";
import { COLLECTOR_CONFIG, collectorConfig, type CollectorEndpoints } from "../../capabilities/aws/collector";
import { requiredExporters } from "../../capabilities/alerting/exporters";
import { SCRAPE_INTERVAL } from "../../capabilities/alerting/metrics";
import { publishedHosts, same, tlsProbeUrls } from "../lib/blackbox";
import { isUnknown } from "../lib/inputs";
import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, durationToSeconds, isRecord } from "../lib/values";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const NAMESPACE = "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace";
const MSK = "aws:msk/cluster:Cluster";
/** Amazon Managed Prometheus's remote-write endpoint: the workspace's own id is an output the analyzer does not see. */
const AMP_REMOTE_WRITE = /^https:\/\/aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com\/workspaces\/[A-Za-z0-9-]+\/api\/v1\/remote_write$/;
/** Scrape settings a job may lower (scraping more often is tighter). */
const AT_MOST = ["scrape_interval", "scrape_timeout"];
const WHY = "the AMP rules read what the agent scrapes and writes; anything dropped, slowed or relabelled on the way leaves an alert blind while `up` stays 1";

const slower = (have: unknown, want: string) => {
    const s = durationToSeconds(have);
    return s === undefined || s > durationToSeconds(want)!;
};

/**
 * What the agent's file is built from that the analyzer cannot see (the workspace URL, the MSK
 * brokers are outputs): read from the file where it only says where (the AMP URL of the stack's
 * region, the broker hosts), from the plan where it is an input (the Cloud Map namespace).
 */
function endpointsOf(resources: readonly Subject[], obj: Subject, conf: Record<string, any>): CollectorEndpoints {
    const rw = asArray<Record<string, any>>(conf.remote_write)[0] ?? {};
    const region = obj.region ?? (typeof rw.sigv4?.region === "string" ? rw.sigv4.region : "<the stack's region>");
    const url = typeof rw.url === "string" && AMP_REMOTE_WRITE.exec(rw.url)?.[1] === region ? rw.url : `https://aps-workspaces.${region}.amazonaws.com/workspaces/<the stack's workspace>/api/v1/remote_write`;
    const namespaces = ofType(resources, NAMESPACE).map((n) => n.props.name).filter((x): x is string => typeof x === "string");
    const brokers = [
        ...new Set(
            asArray<Record<string, any>>(conf.scrape_configs)
                .filter((j) => j?.job_name === "kafka-jmx")
                .flatMap((j) => asArray<Record<string, any>>(j.static_configs).flatMap((s) => asArray<unknown>(s?.targets)))
                .filter((t): t is string => typeof t === "string")
                .map((t) => t.replace(/:\d+$/, "")),
        ),
    ];
    const msk = ofType(resources, MSK).length > 0;
    return { region, remoteWriteUrl: url, namespace: namespaces[0] ?? "<the stack's Cloud Map namespace>", kafkaBrokers: brokers.length ? brokers : msk ? ["<the MSK brokers>"] : [] };
}

/** Why one scrape job differs from the generated one, field by field. */
function jobProblems(at: string, have: Record<string, any>, want: Record<string, any>, tlsUrls: readonly string[]): string[] {
    const out: string[] = [];
    for (const k of new Set([...Object.keys(want), ...Object.keys(have)])) {
        if (k === "job_name") continue;
        if (AT_MOST.includes(k) && !(k in want)) {
            if (slower(have[k], SCRAPE_INTERVAL)) out.push(`${at} has ${k} ${JSON.stringify(have[k])}, slower than the generated ${SCRAPE_INTERVAL}`);
            continue;
        }
        // A TLS probe may fetch its service's health path on any host the stack publishes for it.
        if (k === "static_configs" && tlsUrls.length) {
            const targets = asArray<Record<string, any>>(have[k]).flatMap((s) => asArray<unknown>(s?.targets));
            const shape = asArray<Record<string, any>>(have[k]).map((s) => Object.keys(s ?? {}).sort().join(","));
            if (targets.length && targets.every((t) => typeof t === "string" && tlsUrls.includes(t)) && shape.every((s) => s === "targets")) continue;
            out.push(`${at} has static_configs ${JSON.stringify(have[k])}; allowed: ${tlsUrls.join(" or ")}`);
            continue;
        }
        if (same(have[k], want[k])) continue;
        if (!(k in want)) out.push(`${at} sets ${k} ${JSON.stringify(have[k])}, which the platform does not`);
        else if (!(k in have)) out.push(`${at} has no ${k}; generated: ${JSON.stringify(want[k])}`);
        else out.push(`${at} has ${k} ${JSON.stringify(have[k])}, not the generated ${JSON.stringify(want[k])}`);
    }
    return out;
}

/** Every difference between the agent's prometheus.yml and the one collectorConfig generates for the stack. */
function collectorProblems(have: Record<string, any>, want: Record<string, any>, tlsUrls: (service: string) => string[]): string[] {
    const out: string[] = [];
    const g = isRecord(have.global) ? have.global : {};
    for (const k of ["scrape_interval", "evaluation_interval"]) if (g[k] !== undefined && slower(g[k], want.global[k])) out.push(`global.${k} is ${JSON.stringify(g[k])}, slower than the generated ${want.global[k]}`);
    if (!same(g.external_labels, want.global.external_labels)) out.push(`global.external_labels is ${JSON.stringify(g.external_labels)}, not the generated ${JSON.stringify(want.global.external_labels)}: the rules select the stack's series by them`);
    const extraGlobal = Object.keys(g).filter((k) => !(k in want.global) && k !== "scrape_timeout");
    if (extraGlobal.length) out.push(`global sets ${extraGlobal.join(", ")}, which the platform does not`);
    if (g.scrape_timeout !== undefined && slower(g.scrape_timeout, want.global.scrape_interval)) out.push(`global.scrape_timeout is ${JSON.stringify(g.scrape_timeout)}, longer than the generated interval ${want.global.scrape_interval}`);
    const rw = asArray<Record<string, any>>(have.remote_write);
    const wantRw = want.remote_write as Record<string, any>[];
    if (rw.length !== wantRw.length) out.push(`remote_write has ${rw.length} entries, not the generated ${wantRw.length} (${wantRw.map((w) => w.url).join(", ")})`);
    rw.forEach((w, i) => {
        const exp = wantRw[i];
        if (!exp || !isRecord(w)) return;
        if (w.write_relabel_configs !== undefined && !same(w.write_relabel_configs, exp.write_relabel_configs))
            out.push(`remote_write[${i}].write_relabel_configs is ${JSON.stringify(w.write_relabel_configs)}; the platform writes every scraped series (none generated)`);
        for (const k of new Set([...Object.keys(exp), ...Object.keys(w)])) {
            if (k === "write_relabel_configs" || same(w[k], exp[k])) continue;
            out.push(`remote_write[${i}].${k} is ${JSON.stringify(w[k])}, not the generated ${JSON.stringify(exp[k])}${k === "url" ? " (the stack's AMP workspace in its region)" : ""}`);
        }
    });
    const jobs = asArray<Record<string, any>>(have.scrape_configs).filter(isRecord);
    for (const wj of want.scrape_configs as Record<string, any>[]) {
        const mine = jobs.filter((j) => j.job_name === wj.job_name);
        if (mine.length === 0) out.push(`no scrape job ${wj.job_name}: the series it scrapes are never written`);
        const tls = /^probe-tls-(.+)$/.exec(wj.job_name)?.[1];
        for (const j of mine) out.push(...jobProblems(`scrape job ${wj.job_name}`, j, wj, tls ? tlsUrls(tls) : []));
    }
    const names = new Set((want.scrape_configs as Record<string, any>[]).map((j) => j.job_name));
    for (const j of jobs.filter((x) => !names.has(x.job_name))) out.push(`scrape job ${JSON.stringify(j.job_name)} is not generated: its series (with whatever labels it stamps) mix with the generated jobs'`);
    const extra = Object.keys(have).filter((k) => !(k in want));
    if (extra.length) out.push(`the file sets ${extra.join(", ")}, which the platform does not (scrape_config_files adds jobs; the agent evaluates no rules)`);
    return out;
}

/**
 * The metrics collector's prometheus.yml (an S3 object the agent copies at start) is the one the
 * generator writes for the stack (review finding 5): no write_relabel_configs dropping series on
 * the way to AMP, no slower global or per-job interval, the generated external labels, every
 * generated scrape job with its relabel_configs, targets, params (the blackbox module) and no
 * metric_relabel_configs, and no job, remote_write or file the generator does not make.
 */
export const awsCollectorConfigIntact = stackRule({
    name: "aws-collector-config-intact",
    description:
        "The AWS metrics collector's prometheus.yml is the generated one: one remote_write to the stack's AMP workspace with no write_relabel_configs, global scrape and evaluation intervals no slower, the generated external labels, every generated scrape job (app, blackbox probe, exporter) with its relabel_configs, targets, module and no metric_relabel_configs, and no other job.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Keep the object capabilities/aws/collector.ts collectorConfig writes (components/targets/aws/collector.ts uploads it); change a job in the generator, not in the bucket.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, OBJECT).some((o) => o.props.key === COLLECTOR_CONFIG.key) ? undefined : "the stack has no collector configuration object"),
    check: (resources, ctx) => {
        const out: Finding[] = [];
        for (const obj of ofType(resources, OBJECT).filter((o) => o.props.key === COLLECTOR_CONFIG.key)) {
            if (isUnknown(obj.props.content)) continue;
            let conf: unknown;
            try {
                conf = YAML.parse(String(obj.props.content));
            } catch {
                conf = undefined;
            }
            if (!isRecord(conf)) {
                out.push(finding(`${label(obj)}: its content is not a YAML map: the agent does not start and nothing reaches AMP`, { urn: obj.urn }));
                continue;
            }
            const want = YAML.parse(collectorConfig(ctx.runbook, ctx.env, requiredExporters(ctx.runbook, "aws"), endpointsOf(resources, obj, conf))) as Record<string, any>;
            const hosts = publishedHosts(resources, ctx.runbook, ctx.env, ctx.app);
            for (const p of collectorProblems(conf, want, (svc) => tlsProbeUrls(ctx.runbook, hosts, svc)))
                out.push(finding(`${label(obj)} (${COLLECTOR_CONFIG.key}): ${p}; ${WHY} (generated by capabilities/aws/collector.ts collectorConfig from the runbook's alerts)`, { urn: obj.urn }));
        }
        return out;
    },
});
