import test from "ava";
import { planStack, type StackPlan } from "../../../cli/harness/runtime";
import { kafkaBrokerConfig } from "../../../capabilities/datastores";
import { durationSeconds, getRunbook, type AppId, type Cadence, type Runbook } from "../../../runbooks";
import { fireTimes, fromAwsCron, mockId, named, ofType, prop, PRODUCTION } from "./helpers";

/**
 * The five `<app>-production` stacks through the real program under the mock engine: the data
 * services (RDS, ElastiCache, MSK, DocumentDB, S3) and AWS Backup with its restore testing, checked
 * against the runbook's numbers (from `getRunbook`).
 */

const plans = new Map<AppId, StackPlan>();
test.before(async () => {
    for (const app of PRODUCTION) plans.set(app, await planStack(`${app}-production`));
});
const each = (fn: (app: AppId, plan: StackPlan, rb: Runbook) => void) => {
    for (const app of PRODUCTION) fn(app, plans.get(app)!, getRunbook(app));
};
const hhmm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

test("RDS PostgreSQL: Multi-AZ, KMS-encrypted, protected, tuned by the runbook in RDS units, retention and windows from the runbook", (t) => {
    each((app, plan, rb) => {
        const instances = ofType(plan, "aws:rds/instance:Instance");
        const pg = rb.data.postgres;
        if (!pg) {
            t.is(instances.length, 0, app);
            return;
        }
        const primary = named(plan, "aws:rds/instance:Instance", `${app}-postgres-primary`);
        const backup = rb.backups.find((b) => b.dataset === "postgres")!;
        t.like(primary.props, {
            engine: "postgres",
            engineVersion: pg.version,
            multiAz: true,
            storageEncrypted: true,
            deletionProtection: true,
            skipFinalSnapshot: false,
            publiclyAccessible: false,
            performanceInsightsEnabled: true,
            dbName: pg.database,
            username: pg.user,
            backupRetentionPeriod: Math.min(backup.retentionDays, 35),
            deleteAutomatedBackups: false,
        });
        t.regex(prop<string>(primary, "kmsKeyId"), /^arn:aws:kms:/);
        t.truthy(prop(primary, "finalSnapshotIdentifier"));
        t.deepEqual(prop(primary, "tags"), { "backup:postgres": "true" });
        t.true(primary.options.protect);
        // RDS manages and rotates the master password under the data key; none is generated or passed (issue 15).
        t.like(primary.props, { manageMasterUserPassword: true, iamDatabaseAuthenticationEnabled: true });
        t.is(prop(primary, "masterUserSecretKmsKeyId"), prop(primary, "kmsKeyId"));
        t.is(prop(primary, "password"), undefined);
        t.deepEqual(prop(primary, "enabledCloudwatchLogsExports"), ["postgresql", "upgrade"]);
        // Maintenance is the runbook's; the backup window (daily, 30 min) never overlaps it.
        const mw = rb.maintenanceWindow;
        const maint = prop<string>(primary, "maintenanceWindow");
        t.is(maint.slice(0, 9), `${mw.day.slice(0, 3)}:${mw.startUtc}`);
        const [ms, me] = maint.split("-").map((x) => DAYS.indexOf(x.slice(0, 3)) * 1440 + hhmm(x.slice(4)));
        t.is((me - ms + 7 * 1440) % (7 * 1440), mw.durationMinutes);
        const [bs, be] = prop<string>(primary, "backupWindow").split("-").map(hhmm);
        t.is((be - bs + 1440) % 1440, 30);
        for (let day = 0; day < 7; day++) t.false(day * 1440 + bs < me && ms < day * 1440 + bs + 30, `${app}: backup window overlaps maintenance`);
        // The parameter group: RDS counts shared_buffers and effective_cache_size in 8 kB pages.
        const group = ofType(plan, "aws:rds/parameterGroup:ParameterGroup")[0];
        t.is(prop(group, "family"), `postgres${pg.version}`);
        const params = Object.fromEntries(prop<{ name: string; value: string; applyMethod: string }[]>(group, "parameters").map((p) => [p.name, p]));
        const pages = (v: string) => String((Number(/^(\d+)/.exec(v)![1]) * (v.endsWith("GB") ? 1024 * 1024 : 1024)) / 8);
        t.is(params.shared_buffers.value, pages(pg.parameters.shared_buffers!));
        t.is(params.shared_buffers.applyMethod, "pending-reboot");
        t.is(params.effective_cache_size.value, pages(pg.parameters.effective_cache_size!));
        t.is(params.random_page_cost.value, pg.parameters.random_page_cost);
        t.is(params.shared_preload_libraries.value, pg.preloadLibraries.join(","));
        t.is(params.shared_preload_libraries.applyMethod, "pending-reboot");
        t.is(params.log_min_duration_statement.value, String(pg.slowQueryMs));
        // Read replicas where the runbook has them.
        const replicas = instances.filter((i) => prop(i, "replicateSourceDb"));
        t.is(replicas.length, pg.readReplicas, app);
        for (const r of replicas) {
            t.is(prop(r, "replicateSourceDb"), prop(primary, "identifier"));
            t.like(r.props, { storageEncrypted: true, deletionProtection: true, performanceInsightsEnabled: true, iamDatabaseAuthenticationEnabled: true, instanceClass: prop(primary, "instanceClass") });
            t.true(r.options.protect);
        }
        // RDS's own log groups exist before the instance, with the runbook's retention.
        for (const id of instances.map((i) => prop<string>(i, "identifier"))) {
            t.true(ofType(plan, "aws:cloudwatch/logGroup:LogGroup").some((g) => prop(g, "name") === `/aws/rds/instance/${id}/postgresql`), `${app}: log group for ${id}`);
        }
    });
    t.is(ofType(plans.get("personal-finance-hub")!, "aws:rds/instance:Instance").length, 2, "personal-finance-hub: primary + one read replica");
});

test("ElastiCache: failover across AZs, encryption at rest and in transit, AUTH token secret, the runbook's policy and snapshot schedule", (t) => {
    each((app, plan, rb) => {
        const groups = ofType(plan, "aws:elasticache/replicationGroup:ReplicationGroup");
        const redis = rb.data.redis;
        if (!redis) {
            t.is(groups.length, 0);
            return;
        }
        const g = groups[0];
        const backup = rb.backups.find((b) => b.dataset === "redis")!;
        t.like(g.props, {
            engine: "redis",
            automaticFailoverEnabled: true,
            multiAzEnabled: true,
            atRestEncryptionEnabled: true,
            transitEncryptionEnabled: true,
            snapshotRetentionLimit: backup.retentionDays,
        });
        t.true(g.secretPaths.includes("authToken"));
        t.true(g.options.protect);
        t.is(prop<string>(g, "engineVersion").split(".")[0], redis.version.split(".")[0]);
        // Snapshots start when the runbook's Redis backup runs, once a day as it says.
        t.is(durationSeconds(backup.every), 86400);
        const [minute, hour] = backup.cron.split(" ").map(Number);
        t.is(hhmm(prop<string>(g, "snapshotWindow")), hour * 60 + minute);
        const params = Object.fromEntries(prop<{ name: string; value: string }[]>(ofType(plan, "aws:elasticache/parameterGroup:ParameterGroup")[0], "parameters").map((p) => [p.name, p.value]));
        t.is(params["maxmemory-policy"], redis.maxmemoryPolicy);
        t.truthy(params["reserved-memory-percent"]);
        if (redis.mode === "cluster") {
            t.is(prop(g, "clusterMode"), "enabled");
            t.is(params["cluster-enabled"], "yes");
            t.true(prop<number>(g, "numNodeGroups") >= 2);
            t.true(prop<number>(g, "replicasPerNodeGroup") >= 1);
        } else {
            t.true(prop<number>(g, "numCacheClusters") >= 2, `${app}: a replica to fail over to`);
            t.false("cluster-enabled" in params);
        }
    });
    t.is(prop(ofType(plans.get("gravitypm")!, "aws:elasticache/replicationGroup:ReplicationGroup")[0], "clusterMode"), "enabled", "gravitypm runs a Redis cluster");
});

test("MSK (personal-finance-hub): the runbook's brokers across AZs, its replication settings, TLS, encryption, per-partition and Prometheus monitoring", (t) => {
    each((app, plan, rb) => {
        const clusters = ofType(plan, "aws:msk/cluster:Cluster");
        const kafka = rb.data.kafka;
        if (!kafka) {
            t.is(clusters.length, 0, app);
            return;
        }
        const c = clusters[0];
        t.is(prop(c, "numberOfBrokerNodes"), kafka.brokers);
        t.is(kafka.brokers % prop<string[]>(c, "brokerNodeGroupInfo.clientSubnets").length, 0, "brokers spread evenly");
        t.true(prop<string[]>(c, "brokerNodeGroupInfo.clientSubnets").length >= 2);
        t.is(prop(c, "encryptionInfo.encryptionInTransit.clientBroker"), "TLS");
        t.is(prop(c, "encryptionInfo.encryptionInTransit.inCluster"), true);
        t.regex(prop<string>(c, "encryptionInfo.encryptionAtRestKmsKeyArn"), /^arn:aws:kms:/);
        t.is(prop(c, "enhancedMonitoring"), "PER_TOPIC_PER_PARTITION");
        t.is(prop(c, "openMonitoring.prometheus.jmxExporter.enabledInBroker"), true);
        t.is(prop(c, "openMonitoring.prometheus.nodeExporter.enabledInBroker"), true);
        t.true(c.options.protect);
        const config = ofType(plan, "aws:msk/configuration:Configuration")[0];
        const props = Object.fromEntries(
            prop<string>(config, "serverProperties")
                .trim()
                .split("\n")
                .map((l) => l.split("=")),
        );
        t.is(props["min.insync.replicas"], String(kafka.minInsyncReplicas));
        t.is(props["default.replication.factor"], String(Math.max(...kafka.topics.map((tp) => tp.replicationFactor))));
        t.deepEqual(props, kafkaBrokerConfig(kafka));
        // MSK has no topic API: the one-off task creates the runbook's topics.
        const topics = JSON.stringify(prop(named(plan, "aws:ecs/taskDefinition:TaskDefinition", `${app}-services-kafka-topics`), "containerDefinitions"));
        for (const tp of kafka.topics) t.true(topics.includes(`--topic ${tp.name} --partitions ${tp.partitions} --replication-factor ${tp.replicationFactor}`));
    });
});

test("DocumentDB where the runbook runs MongoDB: a member per replica-set member, encrypted, protected, TLS, the backup retention", (t) => {
    each((app, plan, rb) => {
        const clusters = ofType(plan, "aws:docdb/cluster:Cluster");
        const mongo = rb.data.mongodb;
        if (!mongo) {
            t.is(clusters.length, 0, app);
            return;
        }
        const c = clusters[0];
        const backup = rb.backups.find((b) => b.dataset === "mongodb")!;
        t.like(c.props, { engine: "docdb", storageEncrypted: true, deletionProtection: true, skipFinalSnapshot: false, backupRetentionPeriod: Math.min(backup.retentionDays, 35) });
        t.deepEqual(prop(c, "tags"), { "backup:mongodb": "true" });
        // DocumentDB manages and rotates the master password; none is generated or passed (issue 15).
        t.like(c.props, { manageMasterUserPassword: true });
        t.is(prop(c, "masterPassword"), undefined);
        t.true(c.options.protect);
        const instances = ofType(plan, "aws:docdb/clusterInstance:ClusterInstance");
        t.is(instances.length, mongo.replicaSetMembers);
        t.true(instances.every((i) => i.options.protect));
        const params = prop<{ name: string; value: string }[]>(ofType(plan, "aws:docdb/clusterParameterGroup:ClusterParameterGroup")[0], "parameters");
        t.true(params.some((p) => p.name === "tls" && p.value === "enabled"));
    });
});

test("S3: the runbook's buckets versioned, KMS-encrypted, private, old versions kept for the file backup's retention; formula-pm's backup copy replicated", (t) => {
    each((app, plan, rb) => {
        const store = rb.data.objectStorage;
        // The runbook's buckets; not the access logs' or Grafana's provisioning files' (test/targets/aws/grafana.test.ts).
        const buckets = ofType(plan, "aws:s3/bucket:Bucket").filter((b) => b.name.startsWith(`${app}-storage-`));
        if (!store) {
            t.is(buckets.length, 0, app);
            return;
        }
        t.is(buckets.length, store.buckets.length, app);
        // Global names: the runbook's name, then the account and region (no squatting, no create failures).
        for (const name of store.buckets) {
            const physical = prop<string>(named(plan, "aws:s3/bucket:Bucket", `${app}-storage-${name}`), "bucket");
            t.regex(physical, new RegExp(`^${name}-\\d{12}-${rb.aws.region}$`), app);
            t.regex(physical, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name");
        }
        const files = rb.backups.find((b) => b.dataset === "files" || b.dataset === "config");
        for (const name of store.buckets) {
            const bucket = named(plan, "aws:s3/bucket:Bucket", `${app}-storage-${name}`);
            t.true(bucket.options.protect);
            t.is(prop(named(plan, "aws:s3/bucketVersioning:BucketVersioning", `${app}-storage-${name}-versioning`), "versioningConfiguration.status"), "Enabled");
            const sse = prop<{ applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId: string } }[]>(
                named(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${app}-storage-${name}-encryption`),
                "rules",
            )[0];
            t.is(sse.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
            t.regex(sse.applyServerSideEncryptionByDefault.kmsMasterKeyId, /^arn:aws:kms:/);
            t.like(named(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${app}-storage-${name}-public-access`).props, {
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            });
            const rule = prop<{ noncurrentVersionExpiration: { noncurrentDays: number } }[]>(named(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${app}-storage-${name}-lifecycle`), "rules")[0];
            const dataset = name.endsWith("-config") ? "config" : name === store.backupSync?.from || name === store.backupSync?.to || name.endsWith("-files") ? "files" : undefined;
            const retention = dataset ? rb.backups.find((b) => b.dataset === dataset)?.retentionDays : undefined;
            t.is(rule.noncurrentVersionExpiration.noncurrentDays, retention ?? Math.max(...rb.backups.map((b) => b.retentionDays)), `${app} ${name}`);
            if (files && dataset && (name !== store.backupSync?.to)) t.deepEqual(prop(bucket, "tags"), { [`backup:${dataset}`]: "true" });
        }
        const replication = ofType(plan, "aws:s3/bucketReplicationConfig:BucketReplicationConfig");
        if (!store.backupSync) {
            t.is(replication.length, 0);
            return;
        }
        t.is(replication.length, 1);
        const r = replication[0];
        t.is(prop(r, "bucket"), mockId(named(plan, "aws:s3/bucket:Bucket", `${app}-storage-${store.backupSync.from}`)));
        const rule = prop<{ status: string; destination: { bucket: string }; deleteMarkerReplication: { status: string } }[]>(r, "rules")[0];
        t.is(rule.status, "Enabled");
        t.is(rule.destination.bucket, `arn:aws:s3:::${prop(named(plan, "aws:s3/bucket:Bucket", `${app}-storage-${store.backupSync.to}`), "bucket")}`);
        t.is(rule.deleteMarkerReplication.status, "Disabled", "a delete in the file bucket does not reach the backup");
    });
    t.is(ofType(plans.get("formula-pm")!, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").length, 1);
});

test("AWS Backup: per dataset a locked KMS vault and a plan whose cron fires exactly when the runbook's does, keeping backups its retention", (t) => {
    each((app, plan, rb) => {
        const covered = rb.backups.filter((b) => b.dataset !== "redis");
        const plansOf = ofType(plan, "aws:backup/plan:Plan");
        t.is(plansOf.length, covered.length, app);
        for (const b of covered) {
            const p = named(plan, "aws:backup/plan:Plan", `${app}-backups-${b.dataset}-plan`);
            const rules = prop<{ schedule: string; scheduleExpressionTimezone: string; lifecycle: { deleteAfter: number }; targetVaultName: string }[]>(p, "rules");
            t.is(rules.length, 1);
            const rule = rules[0];
            t.is(rule.scheduleExpressionTimezone, "Etc/UTC");
            const times = fireTimes(fromAwsCron(rule.schedule), 40);
            t.deepEqual(times, fireTimes(b.cron, 40), `${app} ${b.dataset}: ${rule.schedule} vs ${b.cron}`);
            t.true(
                times.slice(1).every((x, i) => x - times[i] === durationSeconds(b.every) * 1000),
                `${app} ${b.dataset}: every ${b.every}`,
            );
            t.is(rule.lifecycle.deleteAfter, b.retentionDays);
            const vault = named(plan, "aws:backup/vault:Vault", `${app}-backups-${b.dataset}-vault`);
            t.is(rule.targetVaultName, prop<string>(vault, "name"));
            t.regex(prop<string>(vault, "kmsKeyArn"), /^arn:aws:kms:/);
            t.true(vault.options.protect && vault.options.retainOnDelete);
            t.is(prop(named(plan, "aws:backup/vaultLockConfiguration:VaultLockConfiguration", `${app}-backups-${b.dataset}-lock`), "minRetentionDays"), b.retentionDays);
            const selection = named(plan, "aws:backup/selection:Selection", `${app}-backups-${b.dataset}-selection`);
            const tag = prop<{ key: string; value: string; type: string }[]>(selection, "selectionTags")[0];
            t.deepEqual(tag, { type: "STRINGEQUALS", key: `backup:${b.dataset}`, value: "true" });
            // The tag is on the resources that hold the dataset.
            const tagged = plan.resources.filter((r) => r.type.startsWith("aws:") && prop(r, `tags`) && (prop<Record<string, string>>(r, "tags")[tag.key] === tag.value));
            t.true(tagged.length > 0, `${app}: nothing carries ${tag.key}`);
        }
    });
});

test("restore testing: AWS Backup restores the newest recovery point of each dataset on the runbook's restore-test cadence", (t) => {
    const interval: Record<Cadence, [number, number]> = { daily: [1, 1], weekly: [7, 7], monthly: [28, 31], quarterly: [89, 92] };
    const order: Cadence[] = ["daily", "weekly", "monthly", "quarterly"];
    each((app, plan, rb) => {
        const restore = ofType(plan, "aws:backup/restoreTestingPlan:RestoreTestingPlan");
        t.is(restore.length, 1);
        const cadences = rb.verification.filter((v) => v.kind === "restore-test" || v.kind === "dr-drill").map((v) => order.indexOf(v.cadence));
        const cadence = cadences.length ? order[Math.min(...cadences)] : "monthly";
        const times = fireTimes(fromAwsCron(prop<string>(restore[0], "scheduleExpression")), 9);
        const [lo, hi] = interval[cadence];
        for (let i = 1; i < times.length; i++) {
            const days = (times[i] - times[i - 1]) / 86400_000;
            t.true(days >= lo && days <= hi, `${app}: restore tests every ${days} days, runbook says ${cadence}`);
        }
        t.is(prop(restore[0], "recoveryPointSelection.algorithm"), "LATEST_WITHIN_WINDOW");
        const selections = ofType(plan, "aws:backup/restoreTestingSelection:RestoreTestingSelection");
        t.deepEqual(
            selections.map((s) => prop<{ key: string }[]>(s, "protectedResourceConditions.stringEquals")[0].key).sort(),
            rb.backups.filter((b) => b.dataset !== "redis").map((b) => `aws:ResourceTag/backup:${b.dataset}`).sort(),
        );
    });
});
