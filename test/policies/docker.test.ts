import test from "ava";
import YAML from "yaml";
import { getRunbook, type Runbook } from "../../runbooks";
import { crontabLine, intervalOf } from "../../policies/lib/backups";
import { alertmanagerConfig, rulesYaml, timingBreaks, type RuleTweak } from "./fixtures";
import { check, compliantAndBroken, find, type Fake } from "./helpers";
import { DATA_HEALTHCHECK } from "../../components/targets/docker/data/kind";

/** Docker policies against hand-built @pulumi/docker v5 Container and RemoteImage inputs. */

const APP = "gravitypm";
const rb = getRunbook(APP);
const LOCAL = `${APP}-local`;
const CONTAINER = "docker:index/container:Container";

function appContainer(r: Runbook, i = 0): Fake {
    const svc = r.services[i];
    return {
        type: CONTAINER,
        name: `${svc.name}-1`,
        props: {
            name: `${r.app}-local-${svc.name}-1`,
            image: `ghcr.io/${r.app}/${svc.name}:1.0.0`,
            restart: "unless-stopped",
            memory: svc.resources.limits.memoryMiB,
            memoryReservation: svc.resources.reservations.memoryMiB,
            cpus: String(svc.resources.limits.cpu),
            healthcheck: { tests: ["CMD-SHELL", `wget -q -O- http://127.0.0.1:${svc.port}${svc.healthPath}`], interval: "10s", timeout: "5s" },
            ports: [{ internal: svc.port, external: 8000 + i, ip: "127.0.0.1" }],
        },
    };
}

function dataContainer(): Fake {
    return {
        type: CONTAINER,
        name: "mongodb-1",
        props: {
            name: `${APP}-local-mongodb-1`,
            image: "mongo:7.0.14",
            restart: "unless-stopped",
            memory: 2048,
            cpus: "1",
            // The platform's data healthcheck timing: Docker's defaults (30 s, 3 retries) would miss the store's own down level.
            healthcheck: { tests: ["CMD", "mongosh", "--eval", "db.adminCommand('ping')"], ...DATA_HEALTHCHECK },
            ports: [{ internal: 27017, external: 27017, ip: "127.0.0.1" }],
        },
    };
}

function backupContainers(r: Runbook): Fake[] {
    return r.backups.map((b) => ({
        type: CONTAINER,
        name: `backup-${b.dataset}`,
        props: {
            name: `${r.app}-local-backup-${b.dataset}`,
            image: "postgres:16.4-alpine",
            restart: "unless-stopped",
            entrypoints: ["bash"],
            command: ["/opt/platform/cron-runner.sh", `/opt/backup/backup-${b.dataset}.sh`],
            envs: [`CRON_SCHEDULE=${b.cron}`, `RETENTION_DAYS=${b.retentionDays}`, `JOB_DATASET=${b.dataset}`],
        },
    }));
}

test("docker-container-limits: bounded containers, runbook limits on app services", async (t) => {
    const svc = rb.services[0];
    await compliantAndBroken(t, "docker-container-limits", LOCAL, () => [appContainer(rb), dataContainer()], {
        "memory limit doubled": { edit: (rs) => (rs[0].props.memory = svc.resources.limits.memoryMiB * 2), expect: new RegExp(`memory is ${svc.resources.limits.memoryMiB * 2} MB; the runbook gives ${svc.name} limits of ${svc.resources.limits.memoryMiB} MiB.*services.${svc.name}.resources`) },
        "memory given in bytes": { edit: (rs) => (rs[0].props.memory = svc.resources.limits.memoryMiB * 1024 * 1024), expect: /memory is \d+ MB/ },
        "CPU limit removed": { edit: (rs) => delete rs[0].props.cpus, expect: /CPU limit is not set/ },
        "reservation removed": { edit: (rs) => delete rs[0].props.memoryReservation, expect: /memoryReservation is not set/ },
        "a data container unbounded": { edit: (rs) => delete rs[1].props.memory, expect: /"mongodb-1": no memory limit/ },
    });
    const oneShot = { ...dataContainer(), props: { image: "mongo:7.0.14", restart: "no", name: "rs-init" } };
    t.deepEqual((await check("docker-container-limits", LOCAL, [oneShot])).messages, [], "a one-shot init container is not a workload");
    const quota = appContainer(rb);
    delete quota.props.cpus;
    Object.assign(quota.props, { cpuQuota: svc.resources.limits.cpu * 100000, cpuPeriod: 100000 });
    t.deepEqual((await check("docker-container-limits", LOCAL, [quota])).messages, [], "a CFS quota is a CPU limit");
});

test("docker-container-healthcheck: app services on their health path, data services checked", async (t) => {
    const svc = rb.services[1];
    await compliantAndBroken(t, "docker-container-healthcheck", LOCAL, () => [appContainer(rb, 1), dataContainer()], {
        "health check on another path": { edit: (rs) => (rs[0].props.healthcheck.tests = ["CMD-SHELL", "wget -q -O- http://127.0.0.1/"]), expect: new RegExp(`does not request ${svc.healthPath}.*services.${svc.name}.healthPath`) },
        "no health check": { edit: (rs) => delete rs[0].props.healthcheck, expect: /has no healthcheck/ },
        "database without a health check": { edit: (rs) => delete rs[1].props.healthcheck, expect: /runs mongodb without a healthcheck/ },
        "database on Docker's default timing": { edit: (rs) => (rs[1].props.healthcheck = { tests: rs[1].props.healthcheck.tests }), expect: /calls a hung mongodb container unhealthy only after \d+s, later than \d+s: the mongodb-down/ },
    });
});

test("docker-container-data-ports-loopback: data ports bind 127.0.0.1", async (t) => {
    await compliantAndBroken(t, "docker-container-data-ports-loopback", LOCAL, () => [appContainer(rb), dataContainer()], {
        "all interfaces": { edit: (rs) => (rs[1].props.ports[0].ip = "0.0.0.0"), expect: /publishes MongoDB port 27017 on 0.0.0.0:27017/ },
        "no ip given": { edit: (rs) => delete rs[1].props.ports[0].ip, expect: /on 0.0.0.0/ },
        "publish all": { edit: (rs) => (rs[1].props.publishAllPorts = true), expect: /publishAllPorts/ },
        "a Redis port on another container": { edit: (rs) => rs[0].props.ports.push({ internal: 6379, external: 6379 }), expect: /publishes Redis port 6379/ },
    });
});

test("docker-container-image-pinned: pulled images are pinned", async (t) => {
    const images = (): Fake[] => [
        { type: "docker:index/remoteImage:RemoteImage", name: "mongo-image", props: { name: "mongo:7.0.14", keepLocally: true } },
        { ...dataContainer(), props: { ...dataContainer().props, image: `sha256:${"a".repeat(64)}` } },
    ];
    await compliantAndBroken(t, "docker-container-image-pinned", LOCAL, images, {
        latest: { edit: (rs) => (rs[0].props.name = "mongo:latest"), expect: /"mongo:latest" the tag "latest" moves/ },
        "no tag": { edit: (rs) => (rs[1].props.image = "grafana/grafana"), expect: /"grafana\/grafana" has no tag/ },
        "registry port is not a tag": { edit: (rs) => (rs[0].props.name = "registry.local:5000/mongo"), expect: /has no tag/ },
    });
});

test("docker-backup-runbook-schedule: every dataset on the runbook's schedule and retention", async (t) => {
    const mongo = rb.backups.find((b) => b.dataset === "mongodb")!;
    await compliantAndBroken(t, "docker-backup-runbook-schedule", LOCAL, () => backupContainers(rb), {
        "mongodb daily instead of every 6h": { edit: (rs) => (find(rs, "backup-mongodb").props.envs[0] = "CRON_SCHEDULE=0 1 * * *"), expect: new RegExp(`rarer than every ${mongo.every}.*backups.mongodb.cron`) },
        "retention halved": { edit: (rs) => (find(rs, "backup-files").props.envs[1] = "RETENTION_DAYS=15"), expect: /keeps files backups 15 days, less than 30.*backups.files.retentionDays/ },
        "no retention": { edit: (rs) => find(rs, "backup-redis").props.envs.splice(1, 1), expect: /sets no retention for redis backups/ },
        "config backup missing": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "backup-config"), 1), expect: /has no backup schedule for config.*backups.config.cron/ },
    });
    const crontab: Fake = {
        type: CONTAINER,
        name: "cron",
        props: {
            image: "alpine:3.20",
            restart: "unless-stopped",
            envs: ["RETENTION_DAYS=30"],
            uploads: [{ file: "/etc/crontabs/root", content: rb.backups.map((b) => `${b.cron} /opt/backup/backup-${b.dataset}.sh`).join("\n") }],
        },
    };
    t.deepEqual((await check("docker-backup-runbook-schedule", LOCAL, [crontab])).messages, [], "an uploaded crontab is read too");
    const ofelia: Fake = {
        type: CONTAINER,
        name: "ofelia",
        props: {
            image: "mcuadros/ofelia:0.3.13",
            restart: "unless-stopped",
            labels: rb.backups.flatMap((b) => [
                { label: `ofelia.job-exec.${b.dataset}.schedule`, value: b.every === "6h" ? "@every 6h" : `0 ${b.cron}` },
                { label: `ofelia.job-exec.${b.dataset}.command`, value: `env RETENTION_DAYS=${b.retentionDays} /opt/backup/backup-${b.dataset}.sh` },
            ]),
        },
    };
    t.deepEqual((await check("docker-backup-runbook-schedule", LOCAL, [ofelia])).messages, [], "ofelia job labels (six-field cron, @every) are read too");
});

test("crontab lines and schedules in every dialect", (t) => {
    t.deepEqual(crontabLine("0 */6 * * * /opt/backup/backup-mongodb.sh"), { schedule: "0 */6 * * *", command: "/opt/backup/backup-mongodb.sh" });
    t.deepEqual(crontabLine("0 0 1 * * * bash -c x"), { schedule: "0 0 1 * * *", command: "bash -c x" });
    t.deepEqual(crontabLine("@every 6h run"), { schedule: "@every 6h", command: "run" });
    t.is(crontabLine("# 0 1 * * * commented"), undefined);
    t.is(crontabLine("listen_addresses = '*'"), undefined);
    t.is(intervalOf("0 */6 * * *"), 6 * 3600);
    t.is(intervalOf("0 0 */6 * * *"), 6 * 3600, "six fields: seconds first");
    t.is(intervalOf("cron(0 */6 * * ? *)"), 6 * 3600);
    t.is(intervalOf("cron(30 5 ? * 2 *)"), 7 * 86400, "AWS weekday 2 is Monday");
    t.is(intervalOf("rate(12 hours)"), 12 * 3600);
    t.is(intervalOf("@daily"), 86400);
    t.is(intervalOf("0 1,2 * * 0"), 7 * 86400 - 3600, "the longest gap counts, not the shortest");
    t.is(intervalOf("not a schedule"), undefined);
});

function lokiContainer(days: number, compactor = true): Fake {
    return {
        type: CONTAINER,
        name: "loki",
        props: {
            image: "grafana/loki:3.1.1",
            restart: "unless-stopped",
            volumes: [{ containerPath: "/loki", volumeName: "loki-data" }],
            uploads: [{ file: "/etc/loki/loki.yaml", content: YAML.stringify({ auth_enabled: false, limits_config: { retention_period: `${days * 24}h` }, compactor: { retention_enabled: compactor, delete_request_store: "filesystem" } }) }],
        },
    };
}

test("docker-loki-log-retention: Loki keeps the runbook's log retention", async (t) => {
    const pfm = getRunbook("pfm-community");
    await compliantAndBroken(t, "docker-loki-log-retention", "pfm-community-local", () => [lokiContainer(pfm.logs.retentionDays)], {
        "a week": { edit: (rs) => (rs[0] = lokiContainer(7)), expect: new RegExp(`retention_period is "168h" \\(7d\\); the platform default keeps logs ${pfm.logs.retentionDays} days \\(a platform default, not the runbook's.*logs.retentionDays`) },
        "compactor retention off": { edit: (rs) => (rs[0] = lokiContainer(pfm.logs.retentionDays, false)), expect: /retention_enabled is not true/ },
        "no Loki": { edit: (rs) => (rs[0] = appContainer(pfm)), expect: /configures no Loki retention/ },
    });
    const elk = await check("docker-loki-log-retention", LOCAL, [appContainer(rb)]);
    t.is(elk.outcome.status, "not-applicable", "gravitypm names ELK; with no Loki in the stack there is nothing to check");
});

function prometheus(r: Runbook, tweak?: RuleTweak): Fake[] {
    return [
        { type: CONTAINER, name: "prometheus", props: { image: "prom/prometheus:v2.54.1", restart: "unless-stopped", uploads: [{ file: "/etc/prometheus/rules.yml", content: rulesYaml(r, { tweak }) }] } },
        { type: CONTAINER, name: "alertmanager", props: { image: "prom/alertmanager:v0.27.0", restart: "unless-stopped", uploads: [{ file: "/etc/alertmanager/alertmanager.yml", contentBase64: Buffer.from(YAML.stringify(alertmanagerConfig())).toString("base64") }] } },
    ];
}

test("docker-prometheus-rules-runbook-alerts: the uploaded rules implement every level", async (t) => {
    const lag = rb.alerts.find((a) => a.id === "mongodb-replication-lag")!;
    await compliantAndBroken(t, "docker-prometheus-rules-runbook-alerts", LOCAL, () => prometheus(rb), {
        "threshold raised": {
            edit: (rs) => (rs[0].props.uploads[0].content = rulesYaml(rb, { tweak: (a, l, r) => (a.id === lag.id ? { ...r, expr: r.expr.replace(/> [0-9.]+$/, `> ${l.threshold * 3}`) } : r) })),
            expect: new RegExp(`fires at > ${lag.levels[0].threshold * 3}, looser than the runbook's threshold ${lag.levels[0].threshold}`),
        },
        "a below-alert lowered": {
            edit: (rs) => (rs[0].props.uploads[0].content = rulesYaml(rb, { tweak: (a, l, r) => (a.id === "availability" ? { ...r, expr: r.expr.replace(/< [0-9.]+$/, "< 99") } : r) })),
            expect: /fires at < 99, looser than the runbook's threshold 99.9.*alerts.availability.warning.threshold/,
        },
        "rules file missing": { edit: (rs) => (rs[0].props.uploads = []), expect: /no alert for/ },
    });
});

test("docker-alertmanager-critical-paging: checked where someone is paged", async (t) => {
    const staging = `${APP}-staging`;
    await compliantAndBroken(t, "docker-alertmanager-critical-paging", staging, () => prometheus(rb), {
        "critical to chat": {
            edit: (rs) => (rs[1].props.uploads[0].contentBase64 = Buffer.from(YAML.stringify(alertmanagerConfig({ criticalTo: "chat" }))).toString("base64")),
            expect: /routes critical alert .* to "chat" \(slack_configs\), none of which pages a person/,
        },
        "critical to a receiver without integrations": {
            edit: (rs) => (rs[1].props.uploads[0].contentBase64 = Buffer.from(YAML.stringify(alertmanagerConfig({ criticalTo: "blackhole" }))).toString("base64")),
            expect: /"blackhole" \(no integrations\)/,
        },
        ...timingBreaks(rb, (rs: Fake[], am) => (rs[1].props.uploads[0].contentBase64 = Buffer.from(YAML.stringify(am)).toString("base64"))),
    });
    t.is((await check("docker-alertmanager-critical-paging", LOCAL, prometheus(rb))).outcome.status, "not-applicable", "local stacks page no one");
});
