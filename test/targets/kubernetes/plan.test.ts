import test from "ava";
import { hasReplicaLagMonitor } from "../../../capabilities/kubernetes/postgres-exporter";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack, type PlannedResource, type StackPlan } from "../../../cli/harness/runtime";
import { readStackConfig, SECRET_PLACEHOLDER, STACKS_DIR } from "../../../cli/harness/stack-files";
import { resolveStack } from "../../../stacks/settings";
import { receiverName } from "../../../capabilities/alerting";
import { getRunbook, type AppId } from "../../../runbooks";
import { APPS, byType, EXACT_SEMVER, K, k8sObjects, modelFor, nameOf, nsOf, podLabelsOf, podSpecOf, run, stackNamespace, tempDir } from "./helpers";

/**
 * The five `-staging` stacks run through the real program under the SDK's mock runtime. Every
 * expected number is read from the runbook (`getRunbook`) or the stack file, never from the
 * generators under test.
 */

const plans = new Map<AppId, StackPlan>();
let protectedPlan: StackPlan;
test.before(async () => {
    for (const app of APPS) plans.set(app, await planStack(`${app}-staging`));
    protectedPlan = await planStack("personal-finance-hub-staging", { mutate: (c) => ({ ...c, protect: true }) });
});
const plan = (app: AppId) => plans.get(app) as StackPlan;
const props = (r: PlannedResource) => r.props as Record<string, any>;
const dirs: string[] = [];
test.after.always(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Types this file asserts on: a new kind of resource fails the coverage test until a test looks at it. */
const ASSERTED = new Set<string>([
    ...Object.values(K),
    "platform:index:Platform",
    "platform:index:Secrets",
    ...["Platform", "Monitoring", "Operators", "ObjectStorage", "Postgres", "Redis", "MongoDb", "Kafka", "AppService", "NamespaceCertificates", "Backups", "NetworkPolicies"].map((c) => `platform:kubernetes:${c}`),
]);

test("every registered type is one these tests assert on", (t) => {
    for (const app of APPS) {
        const unknown = [...new Set(plan(app).resources.map((r) => r.type))].filter((type) => !ASSERTED.has(type));
        t.deepEqual(unknown, [], app);
    }
});

test("one kubernetes provider per stack; every kubernetes resource uses it and has a parent", (t) => {
    for (const app of APPS) {
        const providers = byType(plan(app), K.provider);
        t.is(providers.length, 1, app);
        for (const r of plan(app).resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"))) {
            t.truthy(r.parent, `${app} ${r.name} has no parent`);
            t.is(r.options.provider?.split("::").slice(0, -1).join("::"), providers[0].urn, `${app} ${r.name} provider`);
        }
        for (const r of plan(app).resources.filter((x) => x.type.startsWith("platform:kubernetes:") && x.type !== "platform:kubernetes:Platform")) {
            t.truthy(r.parent, `${app} component ${r.name} is parented`);
        }
    }
});

/** Objects kubernetes-models has no model for, each checked by hand: ScaledObject and its TriggerAuthentication below, cert-manager's Certificate with the Ingresses. */
const UNMODELLED: readonly string[] = [K.scaledObject, K.triggerAuthentication, K.certificate];

test("every Kubernetes object passes kubernetes-models schema validation (ScaledObject and Certificate, which have no model, are checked by hand)", async (t) => {
    let validated = 0;
    let objects = 0;
    for (const app of APPS) {
        objects += k8sObjects(plan(app)).filter((r) => !UNMODELLED.includes(r.type)).length;
        for (const r of k8sObjects(plan(app))) {
            const p = props(r);
            t.is(`kubernetes:${p.apiVersion.includes("/") ? p.apiVersion : `core/${p.apiVersion}`}:${p.kind}`, r.type, `${r.name} apiVersion/kind match its type`);
            t.truthy(nameOf(r), `${app} ${r.name} has an explicit name`);
            const Model = await modelFor(p.apiVersion, p.kind);
            if (!Model) {
                t.true(UNMODELLED.includes(r.type), `${r.type} has no model; only ${UNMODELLED.join(", ")} may lack one`);
                continue;
            }
            t.notThrows(() => new Model(p).validate(), `${app} ${r.type} ${nameOf(r)}`);
            validated++;
        }
    }
    t.is(validated, objects);
    // The validator is live: a captured object with one field of the wrong type fails it.
    const cluster = byType(plan("bunty"), K.cnpgCluster)[0];
    const Cluster = await modelFor("postgresql.cnpg.io/v1", "Cluster");
    t.throws(() => new Cluster!({ ...props(cluster), spec: { ...props(cluster).spec, instances: "two" } }).validate());
    const cron = byType(plan("bunty"), K.cronJob)[0];
    const CronJob = await modelFor("batch/v1", "CronJob");
    t.throws(() => new CronJob!({ ...props(cron), spec: { ...props(cron).spec, jobTemplate: undefined } }).validate());
});

test("KEDA ScaledObject (no model): personal-finance-hub's consumer scales out before the runbook's Kafka lag warning; no HPA for it", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        const objects = byType(plan(app), K.scaledObject);
        if (!rb.data.kafka) {
            t.is(objects.length, 0, app);
            continue;
        }
        const workers = rb.services.filter((s) => s.role === "worker");
        t.deepEqual(workers.map((s) => s.name), ["consumer"]);
        t.is(objects.length, workers.length);
        const lag = rb.alerts.find((a) => a.signal === "kafka_consumer_lag")?.levels.find((l) => l.severity === "warning");
        t.truthy(lag);
        const deployments = byType(plan(app), K.deployment);
        for (const so of objects) {
            const spec = props(so).spec;
            const svc = rb.services.find((s) => deployments.some((d) => nameOf(d) === spec.scaleTargetRef.name && d.name.endsWith(`-${s.name}-deployment`)));
            t.truthy(svc, "scaleTargetRef names a Deployment of a runbook service");
            t.is(props(so).apiVersion, "keda.sh/v1alpha1");
            t.is(spec.scaleTargetRef.kind, "Deployment");
            t.is(spec.minReplicaCount, svc!.scaling.min);
            t.is(spec.maxReplicaCount, svc!.scaling.max);
            t.is(spec.triggers.length, rb.data.kafka.topics.length);
            for (const trig of spec.triggers) {
                t.is(trig.type, "kafka");
                t.true(Number(trig.metadata.lagThreshold) * spec.minReplicaCount < lag!.threshold, "a consumer joins before the lag warning");
                t.is(trig.metadata.consumerGroup, rb.data.kafka.consumerGroups[0]);
                t.true(rb.data.kafka.topics.some((tp) => tp.name === trig.metadata.topic));
                t.regex(trig.metadata.bootstrapServers, /-kafka-bootstrap\..*:9092$/);
                // KEDA logs in to Kafka (its listeners require SCRAM): a TriggerAuthentication whose keys exist in a planned Secret.
                const auth = byType(plan(app), K.triggerAuthentication).find((a) => nameOf(a) === trig.authenticationRef?.name);
                t.truthy(auth, `${app}: the Kafka trigger's TriggerAuthentication ${trig.authenticationRef?.name} is planned`);
                const refs: { parameter: string; name: string; key: string }[] = props(auth!).spec.secretTargetRef;
                t.deepEqual(refs.map((r) => r.parameter).sort(), ["password", "sasl", "username"]);
                for (const r of refs) {
                    const secret = byType(plan(app), K.secret).find((s) => nameOf(s) === r.name);
                    t.truthy(secret && r.key in (props(secret).stringData ?? {}), `${app}: ${r.parameter} from ${r.name}/${r.key}`);
                }
            }
            const hpas = byType(plan(app), K.hpa).filter((h) => props(h).spec.scaleTargetRef.name === spec.scaleTargetRef.name);
            t.is(hpas.length, 0, "KEDA owns the consumer: no HPA");
        }
    }
});

test("Deployments: probes, requests and limits on every container; runbook services carry the runbook's numbers and images", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        const images = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "stacks", `Pulumi.${app}-staging.yaml`), "utf8")).config["runbook-platform:images"];
        for (const d of [...byType(plan(app), K.deployment), ...byType(plan(app), K.statefulSet)]) {
            for (const c of podSpecOf(d)?.containers ?? []) {
                for (const k of ["requests", "limits"]) for (const res of ["cpu", "memory"]) t.truthy(c.resources?.[k]?.[res], `${app} ${d.name}/${c.name} ${k}.${res}`);
                t.truthy(c.readinessProbe, `${app} ${d.name}/${c.name} readiness`);
                t.truthy(c.livenessProbe, `${app} ${d.name}/${c.name} liveness`);
            }
        }
        for (const svc of rb.services) {
            const [d] = byType(plan(app), K.deployment).filter((x) => x.name === `${app}-${svc.name}-deployment`);
            t.truthy(d, `${app} ${svc.name} has a Deployment`);
            const [c] = podSpecOf(d)!.containers;
            t.is(c.image, images[svc.name]);
            t.is(props(d).spec.replicas, svc.scaling.desired);
            t.deepEqual(d.options.ignoreChanges, ["spec.replicas"], "the autoscaler owns replicas");
            t.deepEqual(c.resources, {
                limits: { cpu: `${svc.resources.limits.cpu * 1000}m`, memory: `${svc.resources.limits.memoryMiB}Mi` },
                requests: { cpu: `${svc.resources.reservations.cpu * 1000}m`, memory: `${svc.resources.reservations.memoryMiB}Mi` },
            });
            for (const probe of [c.readinessProbe, c.livenessProbe]) t.is(probe.httpGet.path, svc.healthPath);
            t.deepEqual(c.ports.map((p: any) => p.containerPort), [svc.port]);
            t.is(c.name, svc.name, "container named after the service (cAdvisor's component label)");
        }
    }
});

test("HPAs and PDBs point at existing Deployments; HPA numbers are the runbook's", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        const deployments = byType(plan(app), K.deployment);
        for (const hpa of byType(plan(app), K.hpa)) {
            const spec = props(hpa).spec;
            const target = deployments.find((d) => nameOf(d) === spec.scaleTargetRef.name && nsOf(d) === nsOf(hpa));
            t.truthy(target, `${app} HPA ${nameOf(hpa)} targets an existing Deployment`);
            t.is(spec.scaleTargetRef.kind, "Deployment");
            const svc = rb.services.find((s) => target!.name === `${app}-${s.name}-deployment`)!;
            t.is(spec.minReplicas, svc.scaling.min);
            t.is(spec.maxReplicas, svc.scaling.max);
            const util = (name: string) => spec.metrics.find((m: any) => m.resource.name === name).resource.target.averageUtilization;
            t.is(util("cpu"), svc.scaling.cpuTargetPercent);
            t.is(util("memory"), svc.scaling.memoryTargetPercent);
        }
        const kedaScaled = rb.data.kafka ? rb.services.filter((s) => s.role === "worker").length : 0;
        t.is(byType(plan(app), K.hpa).length, rb.services.length - kedaScaled, `${app}: one HPA per service not scaled by KEDA`);
        const pdbs = byType(plan(app), K.pdb);
        t.is(pdbs.length, rb.services.length);
        for (const pdb of pdbs) {
            const spec = props(pdb).spec;
            t.true(spec.maxUnavailable === 1 || spec.minAvailable === 1);
            const selected = deployments.filter((d) => Object.entries(spec.selector.matchLabels).every(([k, v]) => podLabelsOf(d)[k] === v) && nsOf(d) === nsOf(pdb));
            t.is(selected.length, 1, `${app} PDB ${nameOf(pdb)} selects exactly one Deployment's pods`);
        }
    }
});

test("Services select existing pods; Ingress per public host with TLS from the stack's ClusterIssuer", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        const workloads = [...byType(plan(app), K.deployment), ...byType(plan(app), K.statefulSet)];
        for (const s of byType(plan(app), K.service)) {
            const sel = props(s).spec.selector;
            t.true(workloads.some((w) => Object.entries(sel).every(([k, v]) => k === "statefulset.kubernetes.io/pod-name" || podLabelsOf(w)[k] === v)), `${app} Service ${nameOf(s)} selects pods`);
        }
        const settings = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "stacks", `Pulumi.${app}-staging.yaml`), "utf8")).config;
        const hosts: Record<string, string> = settings["runbook-platform:hosts"] ?? Object.fromEntries(rb.services.filter((s) => s.host).map((s) => [s.name, `staging.${s.host}`]));
        const ingresses = byType(plan(app), K.ingress);
        t.is(ingresses.length, Object.keys(hosts).length, app);
        for (const [svc, host] of Object.entries(hosts)) {
            const ing = ingresses.find((i) => props(i).spec.rules[0].host === host);
            t.truthy(ing, `${app} ${svc} ingress for ${host}`);
            t.deepEqual(props(ing!).spec.tls[0].hosts, [host]);
            // TLS from the namespace's shared cert-manager Certificate (one order for every host), issued by the stack's ClusterIssuer.
            const certificate = plan(app).resources.find((r) => r.type === "kubernetes:cert-manager.io/v1:Certificate" && props(r).spec.secretName === props(ing!).spec.tls[0].secretName);
            t.truthy(certificate, `${app} ${svc}: a Certificate issues the Ingress's TLS secret`);
            t.true(props(certificate!).spec.dnsNames.includes(host));
            t.is(props(certificate!).spec.issuerRef.name, settings["runbook-platform:kubernetes"].clusterIssuer);
            t.false("cert-manager.io/cluster-issuer" in props(ing!).metadata.annotations, "no per-Ingress certificate order");
            t.is(props(ing!).spec.ingressClassName, settings["runbook-platform:kubernetes"].ingressClass);
            const backend = props(ing!).spec.rules[0].http.paths[0].backend.service.name;
            t.true(byType(plan(app), K.service).some((s) => nameOf(s) === backend), "backend Service exists");
        }
    }
});

test("namespaces: the stack's namespace for the app, a monitoring and an operators namespace; every object is in one of them", (t) => {
    for (const app of APPS) {
        const ns = stackNamespace(app);
        const names = byType(plan(app), K.namespace).map(nameOf).sort();
        t.deepEqual(names, [ns, `${ns}-monitoring`, `${ns}-operators`].sort());
        for (const r of k8sObjects(plan(app)).filter((x) => x.type !== K.namespace)) t.true(names.includes(nsOf(r)!), `${app} ${r.name} in ${nsOf(r)}`);
        for (const r of byType(plan(app), K.release)) t.true(names.includes(props(r).namespace), `${app} release ${r.name}`);
    }
});

test("Helm releases are pinned: exact chart version, chart and repository set, explicit release name", (t) => {
    for (const app of APPS) {
        const releases = byType(plan(app), K.release);
        t.true(releases.length >= 6);
        for (const r of releases) {
            const p = props(r);
            t.regex(p.version, EXACT_SEMVER, `${app} ${p.chart}`);
            t.truthy(p.chart);
            t.regex(p.repositoryOpts.repo, /^https:\/\//);
            t.truthy(p.name);
        }
        const charts = releases.map((r) => props(r).chart).sort();
        const rb = getRunbook(app);
        const expected = ["kube-prometheus-stack", "loki", "promtail", "prometheus-blackbox-exporter", "prometheus-pushgateway", "minio"];
        if (rb.data.postgres) expected.push("cloudnative-pg");
        if (rb.data.kafka) expected.push("strimzi-kafka-operator", "keda");
        t.deepEqual(charts, expected.sort(), app);
    }
});

test("pods are hardened: non-root, no privilege escalation, ALL capabilities dropped, never privileged; images pinned, never latest", (t) => {
    for (const app of APPS) {
        const workloads = [K.deployment, K.statefulSet, K.cronJob, K.job].flatMap((type) => byType(plan(app), type));
        t.true(workloads.length > 5);
        for (const w of workloads) {
            const spec = podSpecOf(w)!;
            t.is(spec.hostNetwork ?? false, false);
            for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                const at = `${app} ${w.name}/${c.name}`;
                t.true(c.securityContext?.runAsNonRoot === true || spec.securityContext?.runAsNonRoot === true, `${at} runAsNonRoot`);
                t.is(c.securityContext?.allowPrivilegeEscalation, false, `${at} allowPrivilegeEscalation`);
                t.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"], `${at} drops ALL`);
                t.not(c.securityContext?.privileged, true, `${at} privileged`);
                t.regex(c.image, /^[^:@]+(:[0-9][^:]*|:RELEASE\.[^:]+|@sha256:[a-f0-9]{64}|:v[0-9][^:]*|:[a-z0-9.-]+)$/, `${at} image ${c.image}`);
                t.notRegex(c.image, /:latest$/, at);
                t.true(/:[^/]+$/.test(c.image), `${at} has a tag`);
            }
        }
    }
});

test("Secrets hold only Pulumi secrets: every stringData is secret, generated passwords and operator receivers flow in", (t) => {
    for (const app of APPS) {
        const secrets = byType(plan(app), K.secret);
        t.true(secrets.length >= 4);
        for (const s of secrets) {
            t.true(s.secretPaths.includes("stringData"), `${app} ${s.name} stringData is secret`);
            t.is(s.inputs.stringData, SECRET_PLACEHOLDER, `${app} ${s.name} never shown`);
        }
        const passwords = byType(plan(app), K.password);
        const generated = (suffix: string) => `generated-${passwords.find((p) => p.name.endsWith(suffix))!.name}`;
        const grafana = secrets.find((s) => nameOf(s).endsWith("grafana-admin"))!;
        t.is(props(grafana).stringData["admin-password"], generated("grafana-admin"));
        const am = secrets.find((s) => nameOf(s).endsWith("alertmanager-config"))!;
        const config = YAML.parse(props(am).stringData["alertmanager.yaml"]);
        // Offline, the operator's secrets are placeholders: what reaches the config is the config value, not a literal.
        const pager = config.receivers.find((r: any) => r.pagerduty_configs);
        t.is(pager.pagerduty_configs[0].routing_key, SECRET_PLACEHOLDER);
        t.is(config.global.slack_api_url, SECRET_PLACEHOLDER);
        const rb = getRunbook(app);
        if (rb.data.postgres) t.is(props(secrets.find((s) => nameOf(s).endsWith("postgres-app"))!).stringData.password, generated("secrets-postgres"));
        if (rb.data.redis) t.regex(props(secrets.find((s) => nameOf(s).endsWith("redis-auth"))!).stringData["auth.conf"], new RegExp(`^requirepass ${generated("secrets-redis")}$`, "m"));
        const appEnv = props(secrets.find((s) => nameOf(s).endsWith("app-env"))!).stringData;
        if (rb.data.postgres) t.true(appEnv.DATABASE_URL.includes(`${rb.data.postgres.user}:${generated("secrets-postgres")}@`));
        if (rb.data.mongodb) t.true(appEnv.MONGODB_URI.includes(`/${rb.data.mongodb.database}?`));
        if (rb.data.postgres && rb.data.postgres.readReplicas > 0) t.truthy(appEnv.DATABASE_READ_URL);
    }
});

test("a stack with a dead man's switch and a mail relay: the Watchdog's webhook and the runbook's alert e-mail reach the cluster's Alertmanager", async (t) => {
    const stack = "formula-pm-staging";
    const rb = getRunbook("formula-pm");
    const file = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8"));
    file.config["runbook-platform:alerting"] = { smtp: { smarthost: "smtp.example.com:587", from: "alertmanager@example.com", authUsername: "alertmanager" } };
    file.config["runbook-platform:deadMansSwitchUrl"] = { secure: "v1:ciphertext" };
    file.config["runbook-platform:smtpPassword"] = { secure: "v1:ciphertext" };
    const withDelivery = await planStack(stack, { stackFileText: YAML.stringify(file) });
    const am = byType(withDelivery, K.secret).find((s) => nameOf(s).endsWith("alertmanager-config"))!;
    const config = YAML.parse(props(am).stringData["alertmanager.yaml"]);
    const receiver = (severity: Parameters<typeof receiverName>[1]) => config.receivers.find((r: { name: string }) => r.name === receiverName(rb.app, severity));
    t.deepEqual(receiver("watchdog").webhook_configs.map((w: { url: string }) => w.url), [SECRET_PLACEHOLDER], "the switch URL comes from the secret");
    t.deepEqual(receiver("warning").email_configs.map((e: { to: string }) => e.to), [rb.incident.channels.email]);
    t.is(config.global.smtp_smarthost, "smtp.example.com:587");
    t.is(config.global.smtp_auth_username, "alertmanager");
    t.is(config.global.smtp_auth_password, SECRET_PLACEHOLDER);
    // The committed stack has neither: no webhook, no e-mail.
    const committed = YAML.parse(props(byType(plan("formula-pm"), K.secret).find((s) => nameOf(s).endsWith("alertmanager-config"))!).stringData["alertmanager.yaml"]);
    t.false(JSON.stringify(committed).includes("webhook_configs") || JSON.stringify(committed).includes("email_configs"));
});

test("monitoring: kube-prometheus-stack takes Alertmanager's config and Grafana's admin from Secrets, with the runbook's ports; Loki keeps logs the runbook's retention", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        const release = (chart: string) => props(byType(plan(app), K.release).find((r) => props(r).chart === chart)!);
        const kps = release("kube-prometheus-stack").values;
        const secretNames = byType(plan(app), K.secret).map(nameOf);
        t.true(kps.alertmanager.alertmanagerSpec.useExistingSecret);
        t.true(secretNames.includes(kps.alertmanager.alertmanagerSpec.configSecret));
        t.true(secretNames.includes(kps.grafana.admin.existingSecret));
        t.is(kps.grafana.service.port, rb.monitoring.ports.grafana);
        t.is(kps.prometheus.service.port, rb.monitoring.ports.prometheus);
        t.is(kps.alertmanager.service.port, rb.monitoring.ports.alertmanager);
        t.is(kps.grafana.sidecar.dashboards.label, "grafana_dashboard");
        const loki = release("loki").values.loki;
        t.is(loki.limits_config.retention_period, `${rb.logs.retentionDays * 24}h`);
        t.true(loki.compactor.retention_enabled);
        t.is(loki.server.http_listen_port, rb.monitoring.ports.loki);
        t.true(release("promtail").values.config.clients[0].url.includes(`:${rb.monitoring.ports.loki}/loki/api/v1/push`));
        const dashboards = byType(plan(app), K.configMap).filter((c) => props(c).metadata.labels?.grafana_dashboard === "1");
        t.deepEqual(dashboards.map((d) => Object.keys(props(d).data)[0]).sort(), rb.monitoring.dashboards.map((id) => `${id}.json`).sort());
        for (const d of dashboards) t.is(JSON.parse(Object.values(props(d).data)[0] as string).uid, Object.keys(props(d).data)[0].replace(/\.json$/, ""));
    }
});

test("PrometheusRules: every runbook alert level is a rule with the runbook's threshold and for; the specs pass promtool check rules", (t) => {
    const dir = tempDir("rules");
    dirs.push(dir);
    for (const app of APPS) {
        const rb = getRunbook(app);
        const rules = byType(plan(app), K.prometheusRule);
        // Besides the outside reachability rules (their own test below).
        t.is(rules.filter((r) => !props(r).metadata.name.endsWith("-reachability-alerts")).length, 2, `${app}: the runbook's rules and the scheduled-job rule`);
        const all = rules.flatMap((r) => props(r).spec.groups.flatMap((g: any) => g.rules));
        for (const alert of rb.alerts) {
            for (const level of alert.levels) {
                const rule = all.find((r: any) => r.labels?.alert_id === alert.id && r.labels?.severity === level.severity);
                t.truthy(rule, `${app} ${alert.id} ${level.severity}`);
                t.true(rule.expr.endsWith(`${alert.direction === "above" ? ">" : "<"} ${level.threshold}`), `${app} ${alert.id} threshold`);
                t.is(rule.for, level.for);
                t.is(rule.labels.env, "staging");
            }
        }
        const failed = all.find((r: any) => /ScheduledJobFailed$/.test(r.alert));
        t.truthy(failed);
        t.regex(failed.expr, /kube_job_status_failed\{namespace="[^"]+", job_name=~"[^"]+"\} *\) *> *0$/);
        for (const cj of byType(plan(app), K.cronJob)) t.regex(`${nameOf(cj)}-29000000`, new RegExp(`^${/job_name=~"([^"]+)"/.exec(failed.expr)![1]}$`), `the failure rule watches ${nameOf(cj)}`);
        for (const r of rules) {
            const file = path.join(dir, `${app}-${nameOf(r)}.yml`);
            fs.writeFileSync(file, YAML.stringify(props(r).spec));
            const res = run("promtool", ["check", "rules", file]);
            t.is(res.status, 0, `${app} ${nameOf(r)}: ${res.out}`);
        }
    }
});

test("scrapes and probes: a ServiceMonitor per metrics endpoint and data-service exporter, a Probe per health, TLS and external check, all stamped with app and component", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        const monitors = [...byType(plan(app), K.serviceMonitor), ...byType(plan(app), K.podMonitor)];
        const components = (m: PlannedResource) =>
            (props(m).spec.endpoints ?? props(m).spec.podMetricsEndpoints).flatMap((e: any) => e.relabelings.filter((rl: any) => rl.targetLabel === "component").map((rl: any) => rl.replacement));
        const stamped = monitors.flatMap(components).sort();
        // With read replicas, a PodMonitor reads each PostgreSQL instance's lag (component postgres too).
        const replicaLag = hasReplicaLagMonitor(rb) ? ["postgres"] : [];
        // Every Kubernetes stack runs MinIO (the backup store, where the runbook has no object storage): it is scraped everywhere.
        const expected = [...rb.services.filter((s) => s.metricsPath).map((s) => s.name), ...(["postgres", "redis", "mongodb", "kafka"] as const).filter((d) => rb.data[d]), "objectStorage", ...replicaLag].sort();
        t.deepEqual(stamped, expected, app);
        for (const m of monitors) {
            for (const e of props(m).spec.endpoints ?? props(m).spec.podMetricsEndpoints) t.true(e.relabelings.some((rl: any) => rl.targetLabel === "app" && rl.replacement === app));
            // MinIO's Service is the chart's, rendered by helm and not in the plan: test/alerting/minio.test.ts checks the selection against the rendered chart.
            if (m.type === K.serviceMonitor && !components(m).includes("objectStorage")) {
                const sel = props(m).spec.selector.matchLabels;
                const svcs = byType(plan(app), K.service).filter((s) => Object.entries(sel).every(([k, v]) => props(s).metadata.labels?.[k] === v));
                t.true(svcs.length >= 1, `${app} ServiceMonitor ${nameOf(m)} selects a Service`);
                const port = props(m).spec.endpoints[0].port;
                t.true(svcs.every((s) => props(s).spec.ports.some((p: any) => p.name === port)), `${app} ${nameOf(m)} port ${port}`);
            }
        }
        for (const svc of rb.services.filter((s) => s.metricsPath)) {
            const m = monitors.find((x) => components(x).includes(svc.name))!;
            t.is(props(m).spec.endpoints[0].path, svc.metricsPath);
        }
        const probes = byType(plan(app), K.probe).map((p) => props(p).spec);
        for (const svc of rb.services) {
            const health = probes.find((p) => p.targets.staticConfig.labels.component === svc.name && p.targets.staticConfig.labels.probe === "health");
            t.truthy(health, `${app} ${svc.name} health probe`);
            t.true(health.targets.staticConfig.static[0].endsWith(`:${svc.port}${svc.healthPath}`));
        }
        for (const dep of rb.externalDependencies) {
            const ext = probes.find((p) => p.targets.staticConfig.labels.component === dep.name);
            t.deepEqual(ext?.targets.staticConfig.static, [dep.url], `${app} ${dep.name}`);
            t.is(ext.module, dep.probe === "jsonrpc" ? "http_jsonrpc" : "http_2xx");
        }
        for (const p of probes) t.regex(p.prober.url, /blackbox-exporter\..*:9115$/);
        // Certificates are checked where this stack serves them (the Ingress hosts), never production's.
        const { hosts } = resolveStack(`${app}-staging`, readStackConfig(`${app}-staging`).config);
        const tls = probes.filter((p) => p.targets.staticConfig.labels.probe === "tls");
        t.is(tls.length > 0, Object.keys(hosts).length > 0, `${app}: a certificate check where the stack serves a host`);
        for (const p of tls) {
            const svc = rb.services.find((s) => s.name === p.targets.staticConfig.labels.component)!;
            t.deepEqual(p.targets.staticConfig.static, [`https://${hosts[svc.name]}${svc.healthPath}`], `${app} ${svc.name}`);
            t.not(hosts[svc.name], svc.host, `${app} ${svc.name}: the staging host, not the runbook's production host`);
        }
    }
});

test("stateful resources take the stack's protect: off as the staging stacks say, on (and retained) when a stack protects", (t) => {
    const stateful = (p: StackPlan) => [K.namespace, K.statefulSet, K.cnpgCluster, K.kafka, K.nodePool, K.release].flatMap((type) => byType(p, type)).filter((r) => r.type !== K.release || ["loki", "minio"].includes(props(r).chart));
    for (const app of APPS) for (const r of stateful(plan(app))) t.false(r.options.protect, `${app} ${r.name}`);
    const all = stateful(protectedPlan);
    t.is(all.length, 10, "3 namespaces, Redis and MongoDB, the CloudNativePG cluster, Kafka and its pool, Loki and MinIO");
    for (const r of all) {
        t.true(r.options.protect, r.name);
        if (r.type !== K.release) t.true(r.options.retainOnDelete, r.name);
    }
    const stateless = [K.deployment, K.service, K.cronJob].flatMap((type) => byType(protectedPlan, type));
    for (const r of stateless) t.false(r.options.protect, `${r.name} is not state`);
});

test("external reachability: every ingress host is probed at its public https URL by blackbox_exporter, and a rule pages as the runbook's service_down critical when it fails", (t) => {
    let probed = 0;
    for (const app of APPS) {
        const plan = plans.get(app)!;
        const rb = getRunbook(app);
        // The hosts users reach: the Ingress objects' rules, read from the plan.
        const hosts = byType(plan, "kubernetes:networking.k8s.io/v1:Ingress").flatMap((i) => ((i.props as any).spec.rules as { host: string; http: { paths: { backend: { service: { name: string } } }[] } }[]).map((r) => r.host));
        const probes = byType(plan, "kubernetes:monitoring.coreos.com/v1:Probe").filter((p) => (p.props as any).spec.targets.staticConfig.labels.probe === "reachability");
        t.deepEqual(probes.map((p) => (p.props as any).spec.targets.staticConfig.labels.host).sort(), [...hosts].sort(), app);
        const level = rb.alerts.find((a) => a.signal === "service_down")!.levels.find((l) => l.severity === "critical")!;
        const rules = byType(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").filter((r) => (r.props as any).metadata.name.endsWith("-reachability-alerts"));
        t.is(rules.length, hosts.length ? 1 : 0, app);
        const alerting = rules.flatMap((r) => ((r.props as any).spec.groups as { rules: { alert: string; for: string; expr: string; labels: Record<string, string> }[] }[]).flatMap((g) => g.rules));
        for (const p of probes) {
            const spec = (p.props as any).spec;
            const host = spec.targets.staticConfig.labels.host as string;
            const service = rb.services.find((s) => s.name === spec.targets.staticConfig.labels.component)!;
            t.deepEqual(spec.targets.staticConfig.static, [`https://${host}${service.healthPath}`], `${app} ${host}: the public URL, not the in-cluster Service`);
            t.regex(spec.prober.url, /blackbox/);
            const rule = alerting.find((r) => r.labels.host === host);
            t.truthy(rule, `${app} ${host}: no rule`);
            t.like(rule!, { for: level.for, labels: { severity: "critical", app, env: "staging" } });
            t.true(rule!.expr.includes(`host="${host}"`) && rule!.expr.includes("absent("), `${app} ${host}: a failed or silent probe`);
            probed++;
        }
    }
    t.true(probed > 0);
});
