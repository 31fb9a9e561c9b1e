import test from "ava";
import { postgresRoles } from "../../../capabilities/postgres-roles";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { UNSET } from "../../../capabilities/alerting/delivery";
import { localArtifacts } from "../../../capabilities/docker/artifacts";
import { backupJobs } from "../../../capabilities/docker/backups";
import { dataImage, exporterImage, imageRepository, isPinned } from "../../../capabilities/docker/versions";
import { kafkaEnv, kafkaServerProperties, checkKafka } from "../../../capabilities/docker/kafka";
import { dockerLogOptions, lokiConfig } from "../../../capabilities/docker/logging";
import { backupPlan } from "../../../capabilities/backups/plan";
import { bucketBackup } from "../../../capabilities/docker/minio";
import { dockerMongoUsers, replicaSetConfig } from "../../../capabilities/docker/mongodb";
import { serviceEnv } from "../../../capabilities/docker/services";
import { platformLimits } from "../../../capabilities/docker/sizing";
import { localEndpoints, publishedPorts } from "../../../capabilities/docker/topology";
import { kafkaBrokerConfig } from "../../../capabilities/datastores";
import { dockerResources } from "../../../capabilities/sizing";
import { EXPORTERS, runsAsContainer } from "../../../capabilities/alerting/exporters";
import { getRunbook, type Dataset, type Runbook } from "../../../runbooks";
import { APPS, REPO } from "./helpers";

/** The Docker target's decisions as plain functions, without the engine or the mocks. */

const copy = (app: Parameters<typeof getRunbook>[0]): Runbook => structuredClone(getRunbook(app)) as Runbook;

for (const app of APPS) {
    const rb = getRunbook(app);
    test(`${app}: host ports keep the runbook's monitoring ports and give everything else its own port`, (t) => {
        const ports = publishedPorts(rb);
        t.is(new Set(ports.map((p) => p.external)).size, ports.length, "one owner per host port");
        for (const [name, port] of Object.entries(rb.monitoring.ports)) t.is(ports.find((p) => p.name === name)?.external, port, `monitoring.ports.${name}`);
        const taken: number[] = [];
        for (const p of ports) {
            if (!p.fromRunbook) {
                // The usual port, or the next free one above it.
                for (let q = p.internal; q < p.external; q++) t.true(taken.includes(q), `${p.name}: ${q} was free, yet ${p.external} was chosen`);
            }
            taken.push(p.external);
        }
        for (const svc of rb.services) t.is(ports.some((p) => p.name === svc.name), svc.role !== "worker", `${svc.name} published unless a worker`);
        const endpoints = localEndpoints(rb);
        t.is(endpoints.grafana, `http://127.0.0.1:${rb.monitoring.ports.grafana}`);
        for (const url of Object.values(endpoints)) t.regex(url, /^[a-z]+:\/\/127\.0\.0\.1:\d+$/);
    });

    test(`${app}: data-service images are exact releases of the runbook's versions; exporters are the contract's repositories`, (t) => {
        for (const service of ["postgres", "redis", "mongodb", "kafka"] as const) {
            const spec = rb.data[service];
            if (!spec) {
                t.throws(() => dataImage(rb, service), { message: new RegExp(`data\\.${service}`) });
                continue;
            }
            const image = dataImage(rb, service);
            t.true(isPinned(image), image);
            t.true(image.slice(image.lastIndexOf(":") + 1).startsWith(spec.version), `${image} is version ${spec.version}`);
        }
        for (const id of Object.keys(EXPORTERS) as (keyof typeof EXPORTERS)[]) {
            if (!runsAsContainer(id)) continue;
            t.is(imageRepository(exporterImage(id)), EXPORTERS[id].image);
            t.true(isPinned(exporterImage(id)));
        }
    });

    test(`${app}: service limits convert to the docker provider's units (MiB, CPUs as a decimal)`, (t) => {
        for (const svc of rb.services) {
            const r = dockerResources(svc.resources);
            t.is(r.memory, svc.resources.limits.memoryMiB);
            t.is(r.memoryReservation, svc.resources.reservations.memoryMiB);
            t.is(Number(r.cpus), svc.resources.limits.cpu);
            t.is(r.cpuShares, Math.round(svc.resources.reservations.cpu * 1024));
        }
    });

    test(`${app}: backup jobs, their log retention and Loki's follow the runbook`, (t) => {
        const jobs = backupJobs(rb);
        t.deepEqual(
            jobs.map((j) => [j.dataset, j.env.CRON_SCHEDULE, j.env.RETENTION_DAYS]),
            rb.backups.map((b) => [b.dataset, b.cron, `${b.retentionDays}`]),
        );
        t.is((lokiConfig(rb) as { limits_config: { retention_period: string } }).limits_config.retention_period, `${rb.logs.retentionDays * 24}h`);
        t.is(dockerLogOptions(rb)["max-size"] as string | undefined, rb.logs.rotation === "size" ? `${rb.logs.rotateMaxSizeMB}m` : undefined);
    });
}

test("a backup cron the runner cannot evaluate fails at plan time, naming the field", (t) => {
    const rb = copy("bunty");
    rb.backups[0].cron = "0 1 * * MON";
    t.throws(() => backupJobs(rb), { message: /backups\[0\]\.cron/ });
});

test("two monitoring ports on the same number fail at plan time, naming the field", (t) => {
    const rb = copy("bunty");
    rb.monitoring.ports.loki = rb.monitoring.ports.grafana;
    t.throws(() => publishedPorts(rb), { message: /monitoring\.ports/ });
});

test("Kafka's settings reach server.properties through the image's KAFKA_* convention", (t) => {
    const rb = getRunbook("personal-finance-hub");
    const props = kafkaServerProperties(rb, 2, 29093);
    for (const [k, v] of Object.entries(kafkaBrokerConfig(rb.data.kafka!))) t.is(props[k], v, k);
    t.is(props["node.id"], "2");
    t.true(props["advertised.listeners"].includes("EXTERNAL://127.0.0.1:29093"));
    // The apache/kafka image's documented rule, read backwards: `___` is `-`, `__` is `_`, `_` is `.`.
    const back = Object.fromEntries(
        Object.entries(kafkaEnv(props)).map(([k, v]) => [
            k.slice("KAFKA_".length).toLowerCase().replace(/___/g, "-").replace(/__/g, "\0").replace(/_/g, ".").replace(/\0/g, "_"),
            v,
        ]),
    );
    t.deepEqual(back, props);
    const bad = copy("personal-finance-hub");
    bad.data.kafka!.topics[0].replicationFactor = bad.data.kafka!.brokers + 1;
    t.throws(() => checkKafka(bad), { message: /data\.kafka\.topics\[0\]\.replicationFactor.*data\.kafka\.brokers/ });
});

test("the replica set has the runbook's member count, member 1 preferred", (t) => {
    for (const app of ["personal-finance-hub", "gravitypm"] as const) {
        const rb = getRunbook(app);
        const config = replicaSetConfig(rb);
        t.is(config.members.length, rb.data.mongodb!.replicaSetMembers);
        t.true(config.members[0].priority > Math.max(...config.members.slice(1).map((m) => m.priority)));
    }
});

test("file backups copy where the runbook says, else to a local backup bucket; a dataset without a bucket fails early", (t) => {
    const planned = (rb: Runbook, dataset: Dataset) => backupPlan(rb).find((p) => p.dataset === dataset)!;
    const formula = getRunbook("formula-pm");
    const sync = formula.data.objectStorage!.backupSync!;
    t.deepEqual(bucketBackup(formula, planned(formula, "files")), { source: `local/${sync.from}`, dest: `local/${sync.to}/files` });
    const gravity = getRunbook("gravitypm");
    t.deepEqual(bucketBackup(gravity, planned(gravity, "files")), { source: "local/gravitypm-files", dest: "local/gravitypm-backups/files" });
    t.deepEqual(bucketBackup(gravity, planned(gravity, "config")), { source: "local/gravitypm-config", dest: "local/gravitypm-backups/config" });
    const none = copy("gravitypm");
    none.data.objectStorage!.buckets = ["gravitypm-files"];
    t.throws(() => backupJobs(none), { message: /data\.objectStorage\.buckets/ });
});

test("the app's environment carries credentials only as values built from the generated secrets", (t) => {
    const rb = getRunbook("personal-finance-hub");
    const { env, secretEnv } = serviceEnv(rb, rb.services[0]);
    // The app's own role and password, never the administrator's (capabilities/postgres-roles.ts).
    const app = postgresRoles(rb.app, rb.data.postgres!).app;
    t.not(app, rb.data.postgres!.user);
    t.is(secretEnv.DATABASE_URL.secret, "postgresApp");
    t.is(secretEnv.DATABASE_URL.value("pw"), `postgres://${app}:pw@postgres:5432/${rb.data.postgres!.database}`);
    t.is(secretEnv.DATABASE_READ_URL.value("pw"), `postgres://${app}:pw@postgres-replica-1:5432/${rb.data.postgres!.database}?target_session_attrs=standby`);
    // The app's own MongoDB user, never root (capabilities/mongodb-users.ts).
    t.is(secretEnv.MONGODB_URI.secret, "mongodbApp");
    t.true(secretEnv.MONGODB_URI.value("pw").startsWith(`mongodb://${dockerMongoUsers(rb).app}:pw@mongo-1:27017,mongo-2:27017,mongo-3:27017/${rb.data.mongodb!.database}?replicaSet=`));
    t.is(env.KAFKA_BROKERS, "kafka-1:9092,kafka-2:9092,kafka-3:9092");
    t.false(JSON.stringify(env).includes("pw"));
    const pfm = getRunbook("pfm-community");
    t.is(serviceEnv(pfm, pfm.services[0]).env.SOLANA_RPC_URL, pfm.externalDependencies[0].url, "the runbook's own variable name");
});

test("Alertmanager keeps the rendered routing and only the integrations a stack has credentials for", (t) => {
    for (const app of APPS) {
        const rb = getRunbook(app);
        const none = YAML.parse(localArtifacts(rb, "local").alertmanager);
        t.false(JSON.stringify(none).includes(UNSET), `${app}: no stand-in credential survives`);
        t.true(none.receivers.every((r: Record<string, unknown>) => Object.keys(r).join() === "name"));
        t.is(none.global.slack_api_url, undefined);
        const full = YAML.parse(localArtifacts(rb, "local", { pagerdutyRoutingKey: "pd-key", slackWebhookUrl: "https://hooks.example.com/x" }).alertmanager);
        t.false(JSON.stringify(full).includes(UNSET), `${app}: no stand-in credential survives`);
        t.is(full.global.slack_api_url, "https://hooks.example.com/x");
        const pager = full.receivers.find((r: { pagerduty_configs?: unknown }) => r.pagerduty_configs);
        t.is(pager.pagerduty_configs[0].routing_key, "pd-key");
        t.true(full.receivers.every((r: Record<string, unknown>) => !("email_configs" in r) && !("webhook_configs" in r)), "no relay or dead man's switch on a laptop");
        t.deepEqual(full.route, none.route, "the routing is the same either way");
    }
});

test("image references: pinned means a version tag or a digest, never latest", (t) => {
    t.true(isPinned("postgres:16.4-alpine"));
    t.true(isPinned(`registry.local:5000/x/y@sha256:${"a".repeat(64)}`));
    t.false(isPinned("postgres:latest"));
    t.false(isPinned("postgres"));
    t.false(isPinned("registry.local:5000/postgres"));
    t.is(imageRepository("registry.local:5000/x/y:1.2"), "registry.local:5000/x/y");
});

test("docs/docker.md lists every URL the local stacks publish", (t) => {
    const docs = fs.readFileSync(path.join(REPO, "docs/docker.md"), "utf8");
    const table = docs.slice(docs.indexOf("| | pfm-community |"), docs.indexOf("Two apps' platforms"));
    const header = table.split("\n")[0].split("|").map((c) => c.trim());
    const rows = table.split("\n").filter((l) => l.startsWith("|")).map((l) => l.split("|").map((c) => c.trim()));
    for (const app of APPS) {
        const column = header.indexOf(app);
        t.true(column > 0, app);
        const cells = rows.map((r) => r[column]).join(" ");
        for (const [name, url] of Object.entries(localEndpoints(getRunbook(app)))) t.true(cells.includes(url), `${app}: ${name} ${url}`);
        const listed = cells.match(/[a-z]+:\/\/127\.0\.0\.1:\d+/g) ?? [];
        t.deepEqual([...new Set(listed)].sort(), Object.values(localEndpoints(getRunbook(app))).sort(), `${app}: nothing listed that is not published`);
    }
});

test("platform containers are sized on purpose: Redis from the runbook's maxmemory, unknown components refused", (t) => {
    const rb = copy("bunty");
    t.true(platformLimits(rb, "redis").memory >= 2 * rb.data.redis!.maxmemoryMB);
    rb.data.redis!.maxmemoryMB = 3000;
    t.is(platformLimits(rb, "redis").memory, 6000);
    t.is(platformLimits(rb, "kafka-exporter").memory, platformLimits(rb, "postgres-exporter").memory);
    t.throws(() => platformLimits(rb, "something-new"), { message: /something-new/ });
});
