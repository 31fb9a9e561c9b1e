import YAML from "yaml";
import type { StackPlan } from "../../cli/harness/runtime";
import { COLLECTOR_CONFIG } from "../../capabilities/aws/collector";
import { CHARTS } from "../../capabilities/kubernetes/versions";
import type { Runbook } from "../../runbooks";
import type { Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Signals bent on the way to the rules (issue 13, review findings 5, 6 and 12): the AWS agent's
 * prometheus.yml dropping http_* before AMP or scraping every ten minutes, the backend's
 * ServiceMonitor dropping 5xx samples, the Redis monitor keeping pod 0 only, blackbox modules that
 * count 503 as up or skip the certificate check, a health Probe that only opens a TCP connection.
 * Each is one edit of one subject of the baseline plan.
 */

type Planned = StackPlan["resources"][number];
const COLLECTOR = ["aws-collector-config-intact"];
const MONITORS = ["k8s-servicemonitor-intact"];
const BLACKBOX = ["platform-blackbox-probes-intact"];

const yamlEdit = (edit: (c: Props) => void) => (p: Props) => {
    const c = YAML.parse(String(p.content)) as Props;
    edit(c);
    p.content = YAML.stringify(c);
};

/** The blackbox modules in the collector task's BLACKBOX_CONFIG, edited. */
const blackboxEnv = (edit: (modules: Props) => void) => (p: Props) => {
    const defs = JSON.parse(String(p.containerDefinitions)) as Props[];
    for (const c of defs) {
        const e = (c.environment ?? []).find((x: Props) => x.name === "BLACKBOX_CONFIG");
        if (!e) continue;
        const conf = YAML.parse(e.value) as Props;
        edit(conf.modules);
        e.value = YAML.stringify(conf);
    }
    p.containerDefinitions = JSON.stringify(defs);
};

export function signalMutations(rb: Runbook, plan: StackPlan): Mutation[] {
    const out: Mutation[] = [];
    const one = (match: (r: Planned) => boolean) => plan.resources.find(match);
    const add = (kind: string, policies: string[], r: Planned | undefined, edit: (p: Props) => void, what: string) => {
        if (r) out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `S:${kind}:${r.urn}`, edit: (pl) => editUrn(pl, r.urn, edit) });
    };
    const props = (r: Planned) => r.props as Props;

    // 5. The AWS agent's file: series dropped before AMP, a slow scrape.
    const config = one((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && props(r).key === COLLECTOR_CONFIG.key && typeof props(r).content === "string");
    add("collector-write-relabel", COLLECTOR, config, yamlEdit((c) => (c.remote_write[0].write_relabel_configs = [{ source_labels: ["__name__"], regex: "http_.*", action: "drop" }])), "remote_write drops http_*");
    add("collector-interval", COLLECTOR, config, yamlEdit((c) => (c.global.scrape_interval = "10m")), "global.scrape_interval → 10m");
    // 6. The collector's blackbox exporter: 503 is up, certificates unchecked.
    const task = one((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && String(props(r).containerDefinitions ?? "").includes("BLACKBOX_CONFIG"));
    add("collector-blackbox", BLACKBOX, task, blackboxEnv((m) => (m.http_2xx.http.valid_status_codes = [200, 503])), "BLACKBOX_CONFIG http_2xx accepts 503");

    // 5 and 12. Staging monitors: the backend's 5xx samples dropped, Redis kept on pod 0 only.
    const sm = (r: Planned) => r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
    const component = (r: Planned) => (props(r).spec?.endpoints?.[0]?.relabelings ?? []).find((x: Props) => x.targetLabel === "component")?.replacement;
    const app = rb.services.find((s) => s.metricsPath);
    add("monitor-drop-5xx", MONITORS, one((r) => sm(r) && component(r) === app?.name), (p) => (p.spec.endpoints[0].metricRelabelings = [{ sourceLabels: ["status"], regex: "5..", action: "drop" }]), "drops status 5xx samples");
    add("monitor-keep-pod0", MONITORS, one((r) => sm(r) && component(r) === "redis"), (p) => p.spec.endpoints[0].relabelings.push({ sourceLabels: ["__meta_kubernetes_pod_name"], regex: ".*-0", action: "keep" }), "keeps pod 0 only");
    // 6. Staging blackbox: certificates unchecked; a health probe that only connects.
    add("blackbox-insecure", BLACKBOX, one((r) => r.type === "kubernetes:helm.sh/v3:Release" && props(r).chart === CHARTS.blackboxExporter.chart), (p) => (p.values.config.modules.http_2xx.http.tls_config = { insecure_skip_verify: true }), "http_2xx skips the certificate check");
    add("probe-tcp", BLACKBOX, one((r) => r.type === "kubernetes:monitoring.coreos.com/v1:Probe" && props(r).spec?.targets?.staticConfig?.labels?.probe === "health"), (p) => (p.spec.module = "tcp_connect"), "module → tcp_connect");
    return out;
}
