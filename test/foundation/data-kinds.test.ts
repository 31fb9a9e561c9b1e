import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { runbookSchema } from "../../runbooks";

/**
 * The data-kind extension point: a data service kind is its own modules per target plus one
 * registration line (or short entry) per concern, not branches spread over the platform.
 *
 * 1. RabbitMQ, the kind added through that point, is named outside its own modules only in the
 *    registration points listed here, each with the concern it registers. Naming it anywhere else
 *    fails: give the decision to the kind's module, or make the place a table and add a line.
 * 2. A per-kind branch (`if (rb.data.<kind>)`, `data.<kind> ? … : …`, `data.<kind> && …`, or
 *    destructuring `rb.data` into kinds) outside the kind's own modules may not be added anywhere:
 *    the branches that predate the extension point (and RabbitMQ's, listed above) are a ceiling
 *    per file; turning one into a table entry is the way to lower it.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const PLATFORM_DIRS = ["capabilities", "components", "stacks"];
const KINDS = Object.keys((runbookSchema.shape.data as unknown as { shape: Record<string, unknown> }).shape);

/** Each kind's own modules, by file name (any folder): what may decide per kind freely. */
const OWN_MODULES: Readonly<Record<string, readonly string[]>> = {
    postgres: ["postgres", "rds", "postgres-exporter"],
    redis: ["redis", "redis-statefulset", "elasticache"],
    kafka: ["kafka", "msk"],
    mongodb: ["mongodb", "mongodb-statefulset", "documentdb"],
    objectStorage: ["object-storage", "minio", "storage"],
    rabbitmq: ["rabbitmq", "amazonmq"],
};

/** Where RabbitMQ is registered outside its modules, and what for. */
const RABBITMQ_REGISTRATIONS: Readonly<Record<string, string>> = {
    "components/secrets.ts": "its generated password (DATA_PASSWORDS)",
    "components/targets/docker/data/index.ts": "Docker's data-service table",
    "components/targets/kubernetes/data/index.ts": "Kubernetes' data-service table",
    "components/targets/aws/data-services.ts": "AWS's data-service table (and what it contributes: credentials, broker name)",
    "components/targets/aws/index.ts": "the broker name handed to the services' scaling",
    "components/targets/aws/firewall.ts": "its security group",
    "components/targets/aws/services.ts": "the queue-depth scaling policy of its consumers",
    "capabilities/aws/names.ts": "the broker's name",
    "capabilities/aws/containers.ts": "the app's RABBITMQ_ environment from Secrets Manager",
    "capabilities/docker/names.ts": "its image among the pulled ones",
    "capabilities/docker/versions.ts": "its pinned image per version",
    "capabilities/docker/backups.ts": "its definitions backup container (the management API as the platform's administrator, in the AWS CLI's image) and its admin password among the secrets a container may read",
    "capabilities/docker/prometheus.ts": "its scrape job",
    "capabilities/docker/services.ts": "the app's RABBITMQ_ environment",
    "capabilities/docker/topology.ts": "its host, ports and published ports",
    "capabilities/docker/sizing.ts": "its limits",
    "capabilities/kubernetes/names.ts": "its object and operator release names",
    "capabilities/kubernetes/versions.ts": "its operator chart and image",
    "capabilities/kubernetes/security.ts": "its pods' selector and API access",
    "capabilities/kubernetes/data-ports.ts": "the ports the monitoring namespace scrapes and the operators namespace uses on its pods (scrapedPorts, operatorPorts)",
    "capabilities/kubernetes/operator-labels.ts": "the labels its operator puts on its pods (rabbitmqPodLabels) and the ones the generator means them to carry",
    "capabilities/kubernetes/sizing.ts": "its volume and pod resources",
    "capabilities/kubernetes/apps.ts": "the app's environment and KEDA's queue triggers",
    "capabilities/alerting/signals.ts": "its signals (capabilities/alerting/rabbitmq.ts) in SIGNAL_SPECS and the CloudWatch-only list",
    "capabilities/alerting/baseline.ts": "its baseline health (BASELINES)",
    "capabilities/alerting/exporters.ts": "its exporter, the broker's own Prometheus plugin (EXPORTERS, SELF_SERVED)",
    "capabilities/alerting/absence.ts": "the series its absence rules watch (the scrape's up)",
    "capabilities/alerting/promtool-scenarios.ts": "its signals' promtool scenarios",
    "capabilities/aws/alarms.ts": "its per-queue CloudWatch alarms (CLOUDWATCH_SOURCES)",
    "capabilities/aws/inventory.ts": "its queues among what the alarms watch",
    "components/targets/aws/args.ts": "the Amazon MQ broker's Args and its consumers' queue-depth scaling, derived from the runbook for the components",
    "capabilities/aws/alarm-metrics.ts": "the Broker dimension of its alarms (subjectDimensions)",
    "capabilities/docker/exporters.ts": "no exporter node: the broker serves its own metrics",
    "capabilities/backups/plan.ts": "its definitions dataset: the default backup where the runbook states none (KIND_DEFAULT_BACKUPS) and the helper its scripts source (OPS_HELPERS)",
    "capabilities/kubernetes/backups.ts": "its definitions backup and restore check CronJobs (connection from capabilities/kubernetes/rabbitmq.ts, the AWS CLI's image)",
    "capabilities/aws/backups.ts": "its definitions backup as a scheduled ECS task (BackupService `ECS`: Amazon MQ is no AWS Backup resource)",
    "capabilities/aws/coverage.ts": "the tests that prove a backup a scheduled ECS task takes (its definitions backup's), in that claim's testedBy",
};

/** Per-kind branches outside a kind's own modules that predate the extension point: a ceiling per file. */
const KNOWN_BRANCHES: Readonly<Record<string, number>> = {
    // Scenario builders per signal that read the kind their signal is about (replication lag: a replica to lag).
    "capabilities/alerting/promtool-scenarios.ts": 3,
    "capabilities/alerting/selectors.ts": 1,
    "capabilities/alerting/signals.ts": 1,
    "capabilities/aws/inventory.ts": 4,
    "capabilities/aws/validate.ts": 7,
    "capabilities/backups/plan.ts": 5,
    "capabilities/datastores.ts": 1,
    "capabilities/docker/backups.ts": 3,
    "capabilities/docker/exporters.ts": 1,
    "capabilities/docker/names.ts": 6,
    "capabilities/docker/prometheus.ts": 1,
    "capabilities/docker/sizing.ts": 1,
    "capabilities/docker/topology.ts": 5,
    "capabilities/kubernetes/apps.ts": 2,
    "capabilities/kubernetes/backups.ts": 2,
    "capabilities/kubernetes/sizing.ts": 3,
    "capabilities/kubernetes/versions.ts": 1,
    "components/targets/aws/firewall.ts": 5,
    "components/targets/kubernetes/index.ts": 1,
};

function platformFiles(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
            const rel = path.join(dir, e.name);
            if (e.isDirectory()) walk(rel);
            else if (e.name.endsWith(".ts")) out.push(rel.split(path.sep).join("/"));
        }
    };
    PLATFORM_DIRS.forEach(walk);
    return out.sort();
}
const ownedBy = (file: string, kind: string) => (OWN_MODULES[kind] ?? []).includes(path.basename(file, ".ts"));

/** Lines of `source` that branch on one data kind, with the kind. */
function perKindBranches(source: string): { kind: string; line: string }[] {
    const kinds = KINDS.join("|");
    const patterns = [
        new RegExp(`\\bif\\s*\\(.*?\\bdata\\.(${kinds})\\b`),
        new RegExp(`\\bdata\\.(${kinds})\\s*(\\?[^.?]|&&)`),
    ];
    const destructured = new RegExp(`\\{([^}]*)\\}\\s*=[^;]*\\.data\\b[^;]*;`);
    const out: { kind: string; line: string }[] = [];
    for (const line of source.split("\n")) {
        const hit = patterns.map((p) => p.exec(line)?.[1]).find(Boolean);
        if (hit) out.push({ kind: hit, line: line.trim() });
        const d = destructured.exec(line);
        if (d) for (const k of d[1].split(",").map((x) => x.trim().split(/[:\s]/)[0])) if (KINDS.includes(k)) out.push({ kind: k, line: line.trim() });
    }
    return out;
}

test("the branch finder sees the forms a per-kind branch takes", (t) => {
    t.deepEqual(perKindBranches("    if (rb.data.rabbitmq) env.X = 1;").map((b) => b.kind), ["rabbitmq"]);
    t.deepEqual(perKindBranches("const x = runbook.data.kafka ? a : b;").map((b) => b.kind), ["kafka"]);
    t.deepEqual(perKindBranches("data.redis && push(x)").map((b) => b.kind), ["redis"]);
    t.deepEqual(perKindBranches("const { postgres, redis: r } = rb.data;").map((b) => b.kind), ["postgres", "redis"]);
    t.deepEqual(perKindBranches("const { kafka, mongodb } = usesDataServices(svc) ? rb.data : {};").map((b) => b.kind), ["kafka", "mongodb"]);
    t.deepEqual(perKindBranches("const mq = rb.data.rabbitmq?.nodes;"), [], "reading a kind's own field is not a branch");
});

test("RabbitMQ is named outside its own modules only at its registration points", (t) => {
    const named = platformFiles().filter((f) => !ownedBy(f, "rabbitmq") && /rabbitmq|amazonmq/i.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    t.deepEqual(named, Object.keys(RABBITMQ_REGISTRATIONS).sort(), "a new place names RabbitMQ: move the decision into its module or register it in a table");
});

test("no per-kind branch is added outside a kind's own modules", (t) => {
    const found: Record<string, string[]> = {};
    for (const f of platformFiles()) {
        const lines = perKindBranches(fs.readFileSync(path.join(ROOT, f), "utf8")).filter((b) => !ownedBy(f, b.kind));
        if (lines.length) found[f] = lines.map((b) => b.line);
    }
    for (const [file, lines] of Object.entries(found)) {
        t.true(lines.length <= (KNOWN_BRANCHES[file] ?? 0), `${file}: ${lines.length} per-kind branches (ceiling ${KNOWN_BRANCHES[file] ?? 0}); register the kind in a table instead:\n${lines.join("\n")}`);
    }
});
