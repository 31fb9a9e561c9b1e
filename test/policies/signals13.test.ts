import test from "ava";
import YAML from "yaml";
import { blackboxConfig as awsBlackboxConfig, collectorConfig, COLLECTOR_CONFIG, type CollectorEndpoints } from "../../capabilities/aws/collector";
import { requiredExporters } from "../../capabilities/alerting/exporters";
import { BLACKBOX_CONFIG_PATH, blackboxConfig as dockerBlackboxConfig } from "../../capabilities/docker/exporters";
import { minioMonitorSpec } from "../../capabilities/kubernetes/minio";
import { blackboxValues, kafkaExporterMonitorSpec, probeSpecs, serviceMonitorSpec } from "../../capabilities/kubernetes/monitoring";
import { names, serviceSelector } from "../../capabilities/kubernetes/names";
import { reachabilityProbeSpecs } from "../../capabilities/kubernetes/reachability";
import { CHARTS } from "../../capabilities/kubernetes/versions";
import { getRunbook } from "../../runbooks";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * Issue 13, review findings 5, 6 and 12: signals dropped or bent on the way to the rules. Fixtures
 * are what capabilities/ generates (the AWS agent's prometheus.yml, the monitors, the blackbox
 * modules and Probes), broken one field at a time; each test ends with edits that only tighten.
 */

const BUNTY = "bunty";
const bunty = getRunbook(BUNTY);
const bn = names(BUNTY, BUNTY);
const backend = bunty.services.find((s) => s.name === "backend")!;
const frontend = bunty.services.find((s) => s.name === "frontend")!;

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const AT: CollectorEndpoints = { region: "us-east-1", remoteWriteUrl: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-fixture/api/v1/remote_write", namespace: "bunty.production.internal", kafkaBrokers: [] };

function collector(): Fake[] {
    return [
        { type: "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", name: "discovery", props: { name: AT.namespace } },
        { type: OBJECT, name: "collector-config-prometheus", props: { key: COLLECTOR_CONFIG.key, content: collectorConfig(bunty, "production", requiredExporters(bunty, "aws"), AT) } },
    ];
}
/** Edits the agent's file as data. */
const conf = (edit: (c: Record<string, any>) => void) => (r: Fake[]) => {
    const o = find(r, "collector-config-prometheus");
    const c = YAML.parse(o.props.content);
    edit(c);
    o.props.content = YAML.stringify(c);
};
const job = (c: Record<string, any>, name: string) => c.scrape_configs.find((j: Record<string, any>) => j.job_name === name);

test("aws-collector-config-intact: the agent's prometheus.yml as generated", async (t) => {
    await compliantAndBroken(t, "aws-collector-config-intact", `${BUNTY}-production`, collector, {
        "remote_write drops http_*": { edit: conf((c) => (c.remote_write[0].write_relabel_configs = [{ source_labels: ["__name__"], regex: "http_.*", action: "drop" }])), expect: /remote_write\[0\]\.write_relabel_configs is .*http_\.\*.*none generated/ },
        "remote_write drops 5xx samples": { edit: conf((c) => (c.remote_write[0].write_relabel_configs = [{ source_labels: ["status"], regex: "5..", action: "drop" }])), expect: /write_relabel_configs is .*5\.\./ },
        "remote_write to another region": { edit: conf((c) => (c.remote_write[0].url = AT.remoteWriteUrl.replace("us-east-1", "eu-west-1"))), expect: /remote_write\[0\]\.url is .*eu-west-1.*the stack's AMP workspace/ },
        "a second remote_write": { edit: conf((c) => c.remote_write.push({ url: "https://metrics.example.invalid/write" })), expect: /remote_write has 2 entries, not the generated 1/ },
        "global scrape_interval 10m": { edit: conf((c) => (c.global.scrape_interval = "10m")), expect: /global\.scrape_interval is "10m", slower than the generated 15s/ },
        "external label env staging": { edit: conf((c) => (c.global.external_labels.env = "staging")), expect: /global\.external_labels is \{"env":"staging"\}, not the generated \{"env":"production"\}/ },
        "app job drops http_*": { edit: conf((c) => (job(c, "app-backend").metric_relabel_configs = [{ source_labels: ["__name__"], regex: "http_.*", action: "drop" }])), expect: /scrape job app-backend sets metric_relabel_configs/ },
        "app job stamps another component": { edit: conf((c) => (job(c, "app-backend").relabel_configs[1].replacement = "frontend")), expect: /scrape job app-backend has relabel_configs .*not the generated/ },
        "app job every minute": { edit: conf((c) => (job(c, "app-backend").scrape_interval = "1m")), expect: /scrape job app-backend has scrape_interval "1m", slower/ },
        "health probe on tcp_connect": { edit: conf((c) => (job(c, "probe-health-backend").params = { module: ["tcp_connect"] })), expect: /scrape job probe-health-backend has params .*tcp_connect/ },
        "health probe of the frontend's tasks": { edit: conf((c) => (job(c, "probe-health-backend").dns_sd_configs = job(c, "probe-health-frontend").dns_sd_configs)), expect: /scrape job probe-health-backend has dns_sd_configs/ },
        "tls probe of another host": { edit: conf((c) => (job(c, "probe-tls-backend").static_configs = [{ targets: [`https://${frontend.host}${backend.healthPath}`] }])), expect: new RegExp(`probe-tls-backend has static_configs .*allowed: https://${backend.host!.replace(/\./g, "\\.")}`) },
        "a job deleted": { edit: conf((c) => (c.scrape_configs = c.scrape_configs.filter((j: Record<string, any>) => j.job_name !== "postgres"))), expect: /no scrape job postgres/ },
        "a job that fakes the backend up": {
            edit: conf((c) => c.scrape_configs.push({ job_name: "always-up", static_configs: [{ targets: ["127.0.0.1:9090"], labels: { app: BUNTY, component: "backend" } }] })),
            expect: /scrape job "always-up" is not generated/,
        },
        "more jobs from a file": { edit: conf((c) => (c.scrape_config_files = ["/tmp/*.yml"])), expect: /the file sets scrape_config_files/ },
        "not YAML": { edit: (r) => (find(r, "collector-config-prometheus").props.content = "global: ["), expect: /not a YAML map/ },
    });
    const tight = collector();
    conf((c) => {
        c.global.scrape_interval = "10s";
        job(c, "app-backend").scrape_interval = "5s";
    })(tight);
    t.deepEqual((await check("aws-collector-config-intact", `${BUNTY}-production`, tight)).messages, []);
});

const SM = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const PM = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const monitor = (type: string, name: string, spec: unknown): Fake => ({ type, name, props: { metadata: { name, namespace: BUNTY }, spec: structuredClone(spec) } });

function monitors(): Fake[] {
    return [
        monitor(SM, "backend", serviceMonitorSpec(bunty, bn, serviceSelector(bn, "backend"), "http", "backend", backend.metricsPath)),
        monitor(SM, "redis", serviceMonitorSpec(bunty, bn, { "platform.runbooks/data-service": "redis" }, "metrics", "redis")),
        monitor(SM, "postgres", serviceMonitorSpec(bunty, bn, { "app.kubernetes.io/name": "bunty-postgres-exporter" }, "metrics", "postgres")),
        ...(minioMonitorSpec(bunty, bn) ? [monitor(SM, "minio", minioMonitorSpec(bunty, bn))] : []),
    ];
}
const ep0 = (r: Fake[], name: string) => find(r, name).props.spec.endpoints[0] as Record<string, any>;

test("k8s-servicemonitor-intact: every endpoint keeps the generated relabelings, metricRelabelings and interval", async (t) => {
    await compliantAndBroken(t, "k8s-servicemonitor-intact", `${BUNTY}-staging`, monitors, {
        "backend drops http_*": { edit: (r) => (ep0(r, "backend").metricRelabelings = [{ sourceLabels: ["__name__"], regex: "http_.*", action: "drop" }]), expect: /endpoints\[0\] \(component backend\) has metricRelabelings .*http_\.\*.*dropped or renamed/ },
        "backend drops 5xx samples": { edit: (r) => (ep0(r, "backend").metricRelabelings = [{ sourceLabels: ["status"], regex: "5..", action: "drop" }]), expect: /metricRelabelings .*5\.\./ },
        "redis keeps pod 0 only": { edit: (r) => ep0(r, "redis").relabelings.push({ sourceLabels: ["__meta_kubernetes_pod_name"], regex: ".*-0", action: "keep" }), expect: /\(component redis\) has relabelings .*keep.*leaves some pods unscraped/ },
        "backend every 10 minutes": { edit: (r) => (ep0(r, "backend").interval = "10m"), expect: /interval "10m", slower than the generated 15s/ },
        "targets overwrite the labels": { edit: (r) => (ep0(r, "postgres").honorLabels = true), expect: /honorLabels true, which the platform does not set/ },
        "a sample limit": { edit: (r) => (find(r, "backend").props.spec.sampleLimit = 1), expect: /sets spec\.sampleLimit 1/ },
        "the backend stamped as another component": { edit: (r) => (ep0(r, "backend").relabelings[1].replacement = "frontend"), expect: /stamps component "frontend", which no generated ServiceMonitor stamps/ },
        "the backend's monitor gone": { edit: (r) => r.splice(0, 1), expect: /no ServiceMonitor endpoint stamps component backend/ },
        "the backend scraped on another path": { edit: (r) => (ep0(r, "backend").path = "/nothing"), expect: /path "\/nothing", not the generated "\/metrics"/ },
    });
    const tight = monitors();
    ep0(tight, "backend").interval = "5s";
    t.deepEqual((await check("k8s-servicemonitor-intact", `${BUNTY}-staging`, tight)).messages, []);
});

test("k8s-servicemonitor-intact: the Kafka exporter's PodMonitor as generated", async (t) => {
    const PFH = "personal-finance-hub";
    const pfh = getRunbook(PFH);
    const pn = names(PFH, PFH);
    const pods = (): Fake[] => [
        { ...monitor(PM, "kafka", kafkaExporterMonitorSpec(pfh, pn)), props: { metadata: { name: "kafka", namespace: PFH }, spec: structuredClone(kafkaExporterMonitorSpec(pfh, pn)) } },
        ...pfh.services.filter((s) => s.metricsPath).map((s) => ({ type: SM, name: s.name, props: { metadata: { name: s.name, namespace: PFH }, spec: structuredClone(serviceMonitorSpec(pfh, pn, serviceSelector(pn, s.name), "http", s.name, s.metricsPath)) } })),
    ];
    await compliantAndBroken(t, "k8s-servicemonitor-intact", `${PFH}-staging`, pods, {
        "consumer lag dropped": { edit: (r) => (find(r, "kafka").props.spec.podMetricsEndpoints[0].metricRelabelings = [{ sourceLabels: ["__name__"], regex: "kafka_consumergroup_lag", action: "drop" }]), expect: /podMetricsEndpoints\[0\] \(component kafka\) has metricRelabelings/ },
    });
});

const REL = "kubernetes:helm.sh/v3:Release";
const PROBE = "kubernetes:monitoring.coreos.com/v1:Probe";
const reach = reachabilityProbeSpecs(bunty, bn, [{ subject: "backend", host: backend.host!, path: backend.healthPath }]);

function blackbox(): Fake[] {
    return [
        { type: REL, name: "blackbox", props: { chart: CHARTS.blackboxExporter.chart, values: structuredClone(blackboxValues(bn)) } },
        ...[...probeSpecs(bunty, bn), ...reach].map((p) => ({ type: PROBE, name: p.part, props: { metadata: { name: `${BUNTY}-${p.part}`, namespace: bn.monitoring }, spec: structuredClone(p.spec) } })),
    ];
}
const modules = (r: Fake[]) => find(r, "blackbox").props.values.config.modules as Record<string, any>;
const probe = (r: Fake[], part: string) => find(r, part).props.spec as Record<string, any>;

test("platform-blackbox-probes-intact: Kubernetes modules and Probes as generated", async (t) => {
    const stack = `${BUNTY}-staging`;
    await compliantAndBroken(t, "platform-blackbox-probes-intact", stack, blackbox, {
        "503 counts as up": { edit: (r) => (modules(r).http_2xx.http.valid_status_codes = [200, 503]), expect: /module http_2xx adds http\.valid_status_codes \[200,503\].*a status outside 2xx counts as up/ },
        "certificates not verified": { edit: (r) => (modules(r).http_2xx.http.tls_config = { insecure_skip_verify: true }), expect: /adds http\.tls_config .*insecure_skip_verify.*certificate check is loosened/ },
        "a minute to answer": { edit: (r) => (modules(r).http_2xx.timeout = "60s"), expect: /module http_2xx has timeout "60s", longer than the generated 10s/ },
        "the JSON-RPC answer no longer checked": { edit: (r) => (modules(r).http_jsonrpc.http.fail_if_body_not_matches_regexp = []), expect: /module http_jsonrpc no longer requires the body to match/ },
        "another config Secret": { edit: (r) => (find(r, "blackbox").props.values.configExistingSecretName = "mine"), expect: /values\.configExistingSecretName is "mine"/ },
        "backend health probe aimed at the frontend": { edit: (r) => (probe(r, "health-backend").targets.staticConfig.static = [...probe(r, "health-frontend").targets.staticConfig.static]), expect: /health-backend.*probes \["http:\/\/bunty-frontend.*allowed: http:\/\/bunty-backend/ },
        "backend health probe on tcp_connect": { edit: (r) => (probe(r, "health-backend").module = "tcp_connect"), expect: /has module "tcp_connect", not the generated "http_2xx"/ },
        "tls probe relabelled": { edit: (r) => (probe(r, "tls-backend").metricRelabelings = [{ sourceLabels: ["__name__"], regex: "probe_success", action: "drop" }]), expect: /sets metricRelabelings, which the platform does not/ },
        "tls probe of another host": { edit: (r) => (probe(r, "tls-backend").targets.staticConfig.static = ["https://example.org/health"]), expect: /tls-backend.*probes \["https:\/\/example.org\/health"\]/ },
        "a probe deleted": { edit: (r) => r.splice(r.findIndex((x) => x.name === "health-frontend"), 1), expect: /no Probe with job bunty-health-frontend/ },
        "reachability probe in-cluster": { edit: (r) => (probe(r, reach[0].part).targets.staticConfig.static = ["http://localhost:9115/-/healthy"]), expect: /the outside check of/ },
        "one more probe under the app's labels": {
            edit: (r) => r.push({ type: PROBE, name: "always-up", props: { metadata: { name: "always-up" }, spec: { ...structuredClone(probe(r, "health-backend")), jobName: "always-up", targets: { staticConfig: { static: ["http://localhost:9115/-/healthy"], labels: { app: BUNTY, component: "backend", probe: "health" } } } } } }),
            expect: /is a Probe the platform does not generate, labelled app=bunty/,
        },
    });
    // Tightening: a stricter status list, a shorter timeout, TLS required, a faster probe; a TLS probe on the host an Ingress publishes.
    const tight = blackbox();
    Object.assign(modules(tight).http_2xx.http, { valid_status_codes: [200], fail_if_not_ssl: true });
    modules(tight).http_2xx.timeout = "5s";
    probe(tight, "health-backend").interval = "5s";
    const staged = "api-staging.bunty.io";
    tight.push({ type: "kubernetes:networking.k8s.io/v1:Ingress", name: "backend-ingress", props: { metadata: { name: "backend", namespace: BUNTY }, spec: { rules: [{ host: staged, http: { paths: [{ backend: { service: { name: bn.service("backend") } } }] } }] } } });
    probe(tight, "tls-backend").targets.staticConfig.static = [`https://${staged}${backend.healthPath}`];
    t.deepEqual((await check("platform-blackbox-probes-intact", stack, tight)).messages, []);
});

test("platform-blackbox-probes-intact: the AWS collector's BLACKBOX_CONFIG and Docker's config file", async (t) => {
    const task = (): Fake[] => [
        { type: "aws:ecs/taskDefinition:TaskDefinition", name: "collector-task", props: { containerDefinitions: JSON.stringify([{ name: "blackbox-exporter", environment: [{ name: "BLACKBOX_CONFIG", value: awsBlackboxConfig() }] }]) } },
    ];
    const envConf = (edit: (c: Record<string, any>) => void) => (r: Fake[]) => {
        const defs = JSON.parse(find(r, "collector-task").props.containerDefinitions);
        const c = YAML.parse(defs[0].environment[0].value);
        edit(c);
        defs[0].environment[0].value = YAML.stringify(c);
        find(r, "collector-task").props.containerDefinitions = JSON.stringify(defs);
    };
    await compliantAndBroken(t, "platform-blackbox-probes-intact", `${BUNTY}-production`, task, {
        "any status is up": { edit: envConf((c) => (c.modules.http_2xx.http.valid_status_codes = [200, 301, 404, 500, 503])), expect: /container blackbox-exporter BLACKBOX_CONFIG: module http_2xx adds http\.valid_status_codes/ },
        "certificates not verified": { edit: envConf((c) => (c.modules.http_2xx.http.tls_config = { insecure_skip_verify: true })), expect: /BLACKBOX_CONFIG: module http_2xx adds http\.tls_config/ },
        "module gone": { edit: envConf((c) => delete c.modules.http_jsonrpc), expect: /module http_jsonrpc is missing/ },
    });
    const docker = (): Fake[] => [{ type: "docker:index/container:Container", name: "blackbox", props: { uploads: [{ file: BLACKBOX_CONFIG_PATH, content: YAML.stringify(dockerBlackboxConfig()) }] } }];
    await compliantAndBroken(t, "platform-blackbox-probes-intact", `${BUNTY}-local`, docker, {
        "insecure": { edit: (r) => (r[0].props.uploads[0].content = YAML.stringify({ modules: { ...dockerBlackboxConfig().modules, http_2xx: { prober: "http", timeout: "10s", http: { preferred_ip_protocol: "ip4", tls_config: { insecure_skip_verify: true } } } } })), expect: new RegExp(`${BLACKBOX_CONFIG_PATH}: module http_2xx adds http\\.tls_config`) },
    });
});

