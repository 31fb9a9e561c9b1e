import test from "ava";
import YAML from "yaml";
import { kafkaLagThreshold } from "../../capabilities/kubernetes/apps";
import { getRunbook, type Runbook, type Service } from "../../runbooks";
import { alertmanagerConfig, ruleGroups, timingBreaks, type RuleTweak } from "./fixtures";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/** Kubernetes policies against hand-built @pulumi/kubernetes inputs and CRD objects (apiVersion/kind/metadata/spec). */

const PFH = "personal-finance-hub";
const pfh = getRunbook(PFH);
const STAGING = `${PFH}-staging`;

function deployment(svc: Service): Fake {
    const r = svc.resources;
    return {
        type: "kubernetes:apps/v1:Deployment",
        name: svc.name,
        props: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: svc.name, namespace: PFH },
            spec: {
                replicas: svc.scaling.desired,
                template: {
                    spec: {
                        containers: [
                            {
                                name: svc.name,
                                image: `ghcr.io/${PFH}/${svc.name}:1.3.2`,
                                resources: { limits: { cpu: `${r.limits.cpu * 1000}m`, memory: `${r.limits.memoryMiB}Mi` }, requests: { cpu: `${r.reservations.cpu * 1000}m`, memory: `${r.reservations.memoryMiB}Mi` } },
                                readinessProbe: { httpGet: { path: svc.healthPath, port: svc.port } },
                                livenessProbe: { httpGet: { path: svc.healthPath, port: svc.port } },
                            },
                        ],
                    },
                },
            },
        },
    };
}

test("k8s-workload-probes-resources: sized and probed, runbook numbers on app services", async (t) => {
    const svc = pfh.services[0];
    await compliantAndBroken(t, "k8s-workload-probes-resources", STAGING, () => pfh.services.map(deployment), {
        "memory limit doubled": { edit: (rs) => (rs[0].props.spec.template.spec.containers[0].resources.limits.memory = `${svc.resources.limits.memoryMiB * 2}Mi`), expect: new RegExp(`resources.limits.memory is "${svc.resources.limits.memoryMiB * 2}Mi", not ${svc.resources.limits.memoryMiB}.*services.${svc.name}.resources`) },
        "limits removed": { edit: (rs) => delete rs[0].props.spec.template.spec.containers[0].resources.limits, expect: /no cpu limits/ },
        "requests in other units but lower": { edit: (rs) => (rs[0].props.spec.template.spec.containers[0].resources.requests.cpu = "0.1"), expect: /resources.requests.cpu is "0.1"/ },
        "readiness on another path": { edit: (rs) => (rs[1].props.spec.template.spec.containers[0].readinessProbe.httpGet.path = "/"), expect: new RegExp(`readinessProbe requests /; the runbook checks ${pfh.services[1].name} on ${pfh.services[1].healthPath}`) },
        "no liveness probe": { edit: (rs) => delete rs[1].props.spec.template.spec.containers[0].livenessProbe, expect: /no livenessProbe/ },
        "an unsized sidecar": { edit: (rs) => rs[0].props.spec.template.spec.containers.push({ name: "metrics-proxy", image: "nginx:1.27.1" }), expect: /container "metrics-proxy": no cpu requests/ },
    });
    const gi = deployment(svc);
    gi.props.spec.template.spec.containers[0].resources.limits.memory = `${svc.resources.limits.memoryMiB / 1024}Gi`;
    gi.props.spec.template.spec.containers[0].resources.limits.cpu = `${svc.resources.limits.cpu}`;
    t.deepEqual((await check("k8s-workload-probes-resources", STAGING, [gi])).messages, [], "1Gi is 1024Mi and 0.5 is 500m");
});

function hpas(r: Runbook): Fake[] {
    return r.services.map((svc) =>
        svc.name === "consumer"
            ? {
                  type: "kubernetes:keda.sh/v1alpha1:ScaledObject",
                  name: `${svc.name}-scaler`,
                  props: {
                      apiVersion: "keda.sh/v1alpha1",
                      kind: "ScaledObject",
                      spec: {
                          scaleTargetRef: { name: svc.name },
                          minReplicaCount: svc.scaling.min,
                          maxReplicaCount: svc.scaling.max,
                          triggers: [{ type: "kafka", metadata: { consumerGroup: r.data.kafka!.consumerGroups[0], topic: r.data.kafka!.topics[0].name, lagThreshold: String(kafkaLagThreshold(r, svc.scaling.min)) } }],
                      },
                  },
              }
            : {
                  type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                  name: `${svc.name}-hpa`,
                  props: {
                      spec: {
                          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: svc.name },
                          minReplicas: svc.scaling.min,
                          maxReplicas: svc.scaling.max,
                          metrics: [
                              { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: svc.scaling.cpuTargetPercent } } },
                              { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: svc.scaling.memoryTargetPercent } } },
                          ],
                      },
                  },
              },
    );
}

test("k8s-hpa-*: runbook targets, KEDA lag threshold, replica bounds", async (t) => {
    const backend = pfh.services.find((s) => s.name === "backend")!;
    const lag = pfh.alerts.find((a) => a.id === "kafka-consumer-lag")!.levels.find((l) => l.severity === "warning")!;
    const consumer = pfh.services.find((s) => s.name === "consumer")!;
    await compliantAndBroken(t, "k8s-hpa-runbook-targets", STAGING, () => hpas(pfh), {
        "CPU target raised": { edit: (rs) => (find(rs, "backend-hpa").props.spec.metrics[0].resource.target.averageUtilization = 90), expect: new RegExp(`cpu averageUtilization target is 90, ${backend.scaling.defaulted?.cpuTargetPercent ?? backend.scaling.defaulted?.["*"] ? "the platform default" : "the runbook"} scales backend at ${backend.scaling.cpuTargetPercent}%.*services.backend.scaling.cpuTargetPercent`) },
        "memory metric removed": { edit: (rs) => find(rs, "backend-hpa").props.spec.metrics.splice(1, 1), expect: /memory averageUtilization target is not set/ },
        "KEDA lag threshold at the runbook's warning": {
            edit: (rs) => (find(rs, "consumer-scaler").props.spec.triggers[0].metadata.lagThreshold = String(lag.threshold)),
            expect: new RegExp(`lagThreshold is ${lag.threshold} with minReplicaCount ${consumer.scaling.min}: no consumer is added before lag reaches ${lag.threshold * consumer.scaling.min}, not below the runbook's consumer-lag warning level ${lag.threshold}.*alerts.kafka-consumer-lag.warning.threshold`),
        },
        "no autoscaler for backend": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "backend-hpa"), 1), expect: /no HorizontalPodAutoscaler or ScaledObject scales backend/ },
    });
    await compliantAndBroken(t, "k8s-hpa-min-replicas", STAGING, () => hpas(pfh), {
        "minimum lowered": { edit: (rs) => (find(rs, "backend-hpa").props.spec.minReplicas = 1), expect: new RegExp(`minimum replicas 1, below ${backend.scaling.min}.*services.backend.scaling.min`) },
        "KEDA maximum lowered": { edit: (rs) => (find(rs, "consumer-scaler").props.spec.maxReplicaCount = 1), expect: /maximum replicas 1, below/ },
    });
});

function cnpg(r: Runbook, schedule = `0 ${r.backups.find((b) => b.dataset === "postgres")!.cron}`, retention = `${r.backups.find((b) => b.dataset === "postgres")!.retentionDays}d`): Fake[] {
    return [
        { type: "kubernetes:postgresql.cnpg.io/v1:Cluster", name: "pg", protect: true, props: { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "postgres" }, spec: { instances: 2, backup: { retentionPolicy: retention, barmanObjectStore: { destinationPath: "s3://backups/pg" } } } } },
        { type: "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", name: "pg-backup", props: { apiVersion: "postgresql.cnpg.io/v1", kind: "ScheduledBackup", metadata: { name: "postgres-daily" }, spec: { schedule, cluster: { name: "postgres" } } } },
    ];
}

test("k8s-cnpg-scheduledbackup-runbook-schedule: CloudNativePG on the runbook's schedule and retention", async (t) => {
    await compliantAndBroken(t, "k8s-cnpg-scheduledbackup-runbook-schedule", STAGING, () => cnpg(pfh), {
        "weekly backups": { edit: (rs) => (rs[1].props.spec.schedule = "0 0 1 * * 0"), expect: /up to 7d apart, rarer than every 1d.*backups.postgres.cron/ },
        "two weeks kept": { edit: (rs) => (rs[0].props.spec.backup.retentionPolicy = "14d"), expect: /keeps postgres backups 14 days, less than 30.*backups.postgres.retentionDays/ },
        "no retention policy": { edit: (rs) => delete rs[0].props.spec.backup.retentionPolicy, expect: /sets no retention for postgres/ },
        "no scheduled backup": { edit: (rs) => rs.splice(1, 1), expect: /has no backup schedule for postgres/ },
        "the scheduled backup suspended": { edit: (rs) => (rs[1].props.spec.suspend = true), expect: /is switched off: spec.suspend is true, so it backs up no postgres.*backups.postgres.cron/ },
    });
});

function cronJob(name: string, schedule: string, command: string[], env: Record<string, string>): Fake {
    return {
        type: "kubernetes:batch/v1:CronJob",
        name,
        props: {
            metadata: { name },
            spec: { schedule, jobTemplate: { spec: { template: { spec: { containers: [{ name: "job", image: "ghcr.io/platform/backup-tools:1.0.0", command, env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })) }] } } } } },
        },
    };
}

function backupJobs(r: Runbook): Fake[] {
    return [
        ...r.backups.filter((b) => b.dataset !== "postgres").map((b) => cronJob(`backup-${b.dataset}`, b.cron, ["bash", `/opt/backup/backup-${b.dataset}.sh`], { RETENTION_DAYS: String(b.retentionDays), BACKUP_DEST: "s3://backups" })),
        cronJob("restore-check", "30 5 * * *", ["bash", "/opt/backup/verify-latest.sh", "postgres"], {}),
    ];
}

test("k8s-cnpg-cluster-instances: a primary plus the runbook's read replicas", async (t) => {
    const replicas = pfh.data.postgres!.readReplicas;
    await compliantAndBroken(t, "k8s-cnpg-cluster-instances", STAGING, () => cnpg(pfh), {
        "no replica": { edit: (rs) => (rs[0].props.spec.instances = 1), expect: new RegExp(`spec.instances is 1; the runbook runs a primary and ${replicas} read replica.*data.postgres.readReplicas`) },
        "instances unset": { edit: (rs) => delete rs[0].props.spec.instances, expect: /spec.instances is 1/ },
    });
});

test("k8s-cronjob-backup-runbook-schedule: the other datasets dumped on schedule", async (t) => {
    await compliantAndBroken(t, "k8s-cronjob-backup-runbook-schedule", STAGING, () => backupJobs(pfh), {
        "redis monthly": { edit: (rs) => (find(rs, "backup-redis").props.spec.schedule = "0 1 1 * *"), expect: /rarer than every 1d.*backups.redis.cron/ },
        "mongodb kept a week": { edit: (rs) => (find(rs, "backup-mongodb").props.spec.jobTemplate.spec.template.spec.containers[0].env[0].value = "7"), expect: /keeps mongodb backups 7 days.*backups.mongodb.retentionDays/ },
        "mongodb job missing": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "backup-mongodb"), 1), expect: /no backup schedule for mongodb/ },
        "redis job suspended": { edit: (rs) => (find(rs, "backup-redis").props.spec.suspend = true), expect: /"backup-redis" spec.schedule is switched off: spec.suspend is true.*backups.redis.cron/ },
    });
});

test("k8s-cronjob-restore-check-cadence: a restore check as often as the runbook's restore test", async (t) => {
    const gravitypm = getRunbook("gravitypm");
    await compliantAndBroken(t, "k8s-cronjob-restore-check-cadence", "gravitypm-staging", () => backupJobs(gravitypm), {
        quarterly: { edit: (rs) => (find(rs, "restore-check").props.spec.schedule = "30 5 1 1,4,7,10 *"), expect: /rarer than monthly.*verification.restore-test/ },
        missing: { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "restore-check"), 1), expect: /schedules no restore check/ },
        suspended: { edit: (rs) => (find(rs, "restore-check").props.spec.suspend = true), expect: /is switched off: spec.suspend is true, so it proves no restore.*verification.restore-test/ },
    });
});

function monitoring(r: Runbook, tweak?: RuleTweak, am = alertmanagerConfig()): Fake[] {
    return [
        { type: "kubernetes:monitoring.coreos.com/v1:PrometheusRule", name: "rules", props: { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: `${r.app}-rules` }, spec: ruleGroups(r, { tweak }) } },
        { type: "kubernetes:core/v1:Secret", name: "alertmanager", secretPaths: ["stringData"], props: { metadata: { name: "alertmanager-config" }, stringData: { "alertmanager.yaml": YAML.stringify(am) } } },
    ];
}

test("k8s-prometheusrule-runbook-alerts and k8s-alertmanager-critical-paging", async (t) => {
    await compliantAndBroken(t, "k8s-prometheusrule-runbook-alerts", STAGING, () => monitoring(pfh), {
        "for doubled": { edit: (rs) => (rs[0] = monitoring(pfh, (a, l, r) => (a.id === "service-down" ? { ...r, for: "2m" } : r))[0]), expect: /waits 2m before firing, longer than the runbook's for 1m.*alerts.service-down.critical.for/ },
        "an alert removed": { edit: (rs) => (rs[0] = monitoring(pfh, (a, _l, r) => (a.id === "sendgrid-down" ? undefined : r))[0]), expect: /no alert for the runbook's warning level of .*sendgrid-down/ },
        "a severity label missing": { edit: (rs) => (rs[0] = monitoring(pfh, (a, l, r) => (a.id === "postgres-pool-usage" ? { ...r, labels: { alert_id: a.id } } : r))[0]), expect: /postgres-pool-usage.*severity \(none\)/ },
    });
    await compliantAndBroken(t, "k8s-alertmanager-critical-paging", STAGING, () => monitoring(pfh), {
        "critical to chat": { edit: (rs) => (rs[1] = monitoring(pfh, undefined, alertmanagerConfig({ criticalTo: "chat" }))[1]), expect: /to "chat" \(slack_configs\), none of which pages/ },
        "base64 data to a receiver without integrations": {
            edit: (rs) => (rs[1].props = { metadata: { name: "am" }, data: { "alertmanager.yaml": Buffer.from(YAML.stringify(alertmanagerConfig({ criticalTo: "blackhole" }))).toString("base64") } }),
            expect: /"blackhole" \(no integrations\)/,
        },
        ...timingBreaks(pfh, (rs, am) => (rs[1] = monitoring(pfh, undefined, am)[1])),
    });
    const crd = monitoring(pfh);
    crd[1] = {
        type: "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
        name: "amc",
        props: { spec: { route: { receiver: "chat", groupWait: "10s", groupInterval: "1m", repeatInterval: "5m", routes: [{ matchers: [{ name: "severity", value: "critical", matchType: "=" }], receiver: "pager" }] }, receivers: [{ name: "pager", pagerdutyConfigs: [{ routingKey: { name: "pd", key: "routingKey" } }] }, { name: "chat", slackConfigs: [{}] }] } },
    };
    t.deepEqual((await check("k8s-alertmanager-critical-paging", STAGING, crd)).messages, [], "the AlertmanagerConfig CRD's camelCase form is read too");
});

test("k8s supply chain and exposure: pinned images and charts, internal data services", async (t) => {
    await compliantAndBroken(t, "k8s-workload-image-pinned", STAGING, () => [deployment(pfh.services[0]), cronJob("backup-redis", "0 1 * * *", ["bash"], {})], {
        "latest app image": { edit: (rs) => (rs[0].props.spec.template.spec.containers[0].image = "ghcr.io/x/y:latest"), expect: /the tag "latest" moves/ },
        "untagged job image": { edit: (rs) => (rs[1].props.spec.jobTemplate.spec.template.spec.containers[0].image = "bitnami/kubectl"), expect: /"bitnami\/kubectl" has no tag/ },
    });
    await compliantAndBroken(t, "k8s-helm-release-version-pinned", STAGING, () => [{ type: "kubernetes:helm.sh/v3:Release", name: "kps", props: { chart: "kube-prometheus-stack", version: "65.1.1", repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" } } }], {
        "a range": { edit: (rs) => (rs[0].props.version = "^65.0.0"), expect: /version is "\^65.0.0"/ },
        "no version": { edit: (rs) => delete rs[0].props.version, expect: /not set \(latest\)/ },
    });
    const svc = (type: string, port: number): Fake => ({ type: "kubernetes:core/v1:Service", name: `svc-${port}`, props: { spec: { type, ports: [{ port, targetPort: port }] } } });
    await compliantAndBroken(t, "k8s-service-no-public-data-ports", STAGING, () => [svc("ClusterIP", 5432), svc("LoadBalancer", 443)], {
        "PostgreSQL behind a load balancer": { edit: (rs) => (rs[0].props.spec.type = "LoadBalancer"), expect: /type LoadBalancer exposes PostgreSQL port 5432/ },
        "Redis on a node port": { edit: (rs) => rs.push(svc("NodePort", 6379)), expect: /NodePort exposes Redis/ },
    });
    await compliantAndBroken(t, "k8s-stateful-resource-protect", STAGING, () => [...cnpg(pfh), { type: "kubernetes:core/v1:Namespace", name: "ns", protect: true, props: {} }, { type: "kubernetes:helm.sh/v3:Release", name: "kps", props: { chart: "kube-prometheus-stack" } }], {
        "cluster unprotected": { edit: (rs) => (rs[0].protect = false), expect: /"pg" is not protected.*\[runbook key: protect\]/ },
        "a redis chart unprotected": { edit: (rs) => rs.push({ type: "kubernetes:helm.sh/v3:Release", name: "redis", props: { chart: "oci://registry-1.docker.io/bitnamicharts/redis" } }), expect: /"redis" is not protected/ },
    });
});

test("k8s-loki-log-retention: chart values keep the runbook's retention", async (t) => {
    const loki = (period: string): Fake[] => [
        { type: "kubernetes:helm.sh/v3:Release", name: "loki", protect: true, props: { chart: "loki", version: "6.16.0", values: { deploymentMode: "SingleBinary", singleBinary: { replicas: 1, persistence: { enabled: true } }, loki: { limits_config: { retention_period: period }, compactor: { retention_enabled: true } } } } },
    ];
    await compliantAndBroken(t, "k8s-loki-log-retention", STAGING, () => loki(`${pfh.logs.retentionDays * 24}h`), {
        "two weeks": { edit: (rs) => (rs[0] = loki("336h")[0]), expect: /retention_period is "336h" \(14d\)/ },
        unparsable: { edit: (rs) => (rs[0] = loki("a month")[0]), expect: /retention_period is "a month"/ },
    });
});
