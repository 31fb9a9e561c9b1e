import test from "ava";
import YAML from "yaml";
import { getRunbook, type Runbook } from "../../runbooks";
import { ruleGroups } from "./fixtures";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * AWS data-store, storage, log, ECS and scaling policies against hand-built resources in
 * @pulumi/aws v7 input shapes (the alerting, paging and backup policies: aws.test.ts). Every
 * compliant fixture takes its numbers from the runbook; every break changes one field.
 */

const PFH = "personal-finance-hub";
const pfh = getRunbook(PFH);
const PFH_PROD = `${PFH}-production`;
const gravitypm = getRunbook("gravitypm");
const GRAVITY_PROD = "gravitypm-production";

function rds(rb: Runbook): Fake[] {
    const b = rb.backups.find((x) => x.dataset === "postgres")!;
    return [
        {
            type: "aws:rds/instance:Instance",
            name: "primary",
            protect: true,
            props: { engine: "postgres", backupRetentionPeriod: Math.min(b.retentionDays, 35), storageEncrypted: true, kmsKeyId: "arn:aws:kms:key", publiclyAccessible: false, deletionProtection: true, skipFinalSnapshot: false, deleteAutomatedBackups: false, multiAz: true },
        },
        ...Array.from({ length: rb.data.postgres?.readReplicas ?? 0 }, (_, i) => ({
            type: "aws:rds/instance:Instance",
            name: `replica-${i}`,
            protect: true,
            props: { replicateSourceDb: "primary-id", storageEncrypted: true, publiclyAccessible: false, multiAz: false },
        })),
    ];
}

test("aws-rds-instance-*: retention, encryption, private, deletion protection, Multi-AZ", async (t) => {
    const pg = pfh.backups.find((b) => b.dataset === "postgres")!;
    const retention = pg.retentionDays;
    // A defaulted retention is the platform's, with its reason (review finding 14).
    const owner = pg.defaulted?.retentionDays ? "the platform default" : "the runbook";
    await compliantAndBroken(t, "aws-rds-instance-backup-retention", PFH_PROD, () => rds(pfh), {
        "retention halved": { edit: (rs) => (rs[0].props.backupRetentionPeriod = retention / 2), expect: new RegExp(`backupRetentionPeriod is ${retention / 2}; ${owner} keeps postgres backups ${retention} days.*backups.postgres.retentionDays`) },
        "retention unset": { edit: (rs) => delete rs[0].props.backupRetentionPeriod, expect: /not set \(RDS defaults to 1 day\)/ },
    });
    await compliantAndBroken(t, "aws-rds-instance-encryption", PFH_PROD, () => rds(pfh), {
        "storage unencrypted": { edit: (rs) => (rs[0].props.storageEncrypted = false), expect: /storageEncrypted is false/ },
        "a replica explicitly unencrypted": { edit: (rs) => (rs[1].props.storageEncrypted = false), expect: /replica-0.*storageEncrypted is false/ },
    });
    await compliantAndBroken(t, "aws-rds-instance-not-public", PFH_PROD, () => rds(pfh), {
        "publicly accessible": { edit: (rs) => (rs[0].props.publiclyAccessible = true), expect: /publiclyAccessible is true/ },
    });
    await compliantAndBroken(t, "aws-rds-instance-deletion-protection", PFH_PROD, () => rds(pfh), {
        "deletion protection off": { edit: (rs) => (rs[0].props.deletionProtection = false), expect: /deletionProtection is false.*\[runbook key: protect\]/ },
        "no final snapshot": { edit: (rs) => (rs[0].props.skipFinalSnapshot = true), expect: /skipFinalSnapshot is true/ },
    });
    await compliantAndBroken(t, "aws-rds-instance-multi-az", PFH_PROD, () => rds(pfh), {
        "single-AZ primary": { edit: (rs) => delete rs[0].props.multiAz, expect: /multiAz is not set \(single-AZ\)/ },
    });
    await compliantAndBroken(t, "aws-rds-read-replicas", PFH_PROD, () => rds(pfh), {
        "the read replica missing": { edit: (rs) => rs.splice(1), expect: new RegExp(`0 RDS read replica\\(s\\).*the runbook runs ${pfh.data.postgres!.readReplicas}.*data.postgres.readReplicas`) },
    });
    await compliantAndBroken(t, "aws-stateful-resource-protect", PFH_PROD, () => [...rds(pfh), { type: "aws:s3/bucket:Bucket", name: "logs", props: { forceDestroy: false } }], {
        "the primary not protected": { edit: (rs) => (rs[0].protect = false), expect: /"primary" is not protected.*\[runbook key: protect\]/ },
        "an unprotected bucket S3 may empty": { edit: (rs) => (find(rs, "logs").props.forceDestroy = true), expect: /"logs" is not protected .* and forceDestroy is true/ },
    });
});

test("aws-rds-parametergroup-force-ssl: TLS required", async (t) => {
    const pg = (family: string, params: { name: string; value: string }[]): Fake[] => [{ type: "aws:rds/parameterGroup:ParameterGroup", name: "params", props: { family, parameters: params } }];
    await compliantAndBroken(t, "aws-rds-parametergroup-force-ssl", PFH_PROD, () => pg(`postgres${pfh.data.postgres!.version}`, [{ name: "shared_buffers", value: "32768" }]), {
        "force_ssl turned off": { edit: (rs) => rs[0].props.parameters.push({ name: "rds.force_ssl", value: "0" }), expect: /rds.force_ssl is 0/ },
        "an old family left at its default": { edit: (rs) => (rs[0].props.family = "postgres14"), expect: /family postgres14 defaults rds.force_ssl to 0/ },
    });
});

function cache(rb: Runbook): Fake[] {
    const b = rb.backups.find((x) => x.dataset === "redis")!;
    return [
        {
            type: "aws:elasticache/replicationGroup:ReplicationGroup",
            name: "redis",
            protect: true,
            secretPaths: ["authToken"],
            props: { atRestEncryptionEnabled: true, transitEncryptionEnabled: true, authToken: "generated-redis-password-0123456789abcdef", automaticFailoverEnabled: true, multiAzEnabled: true, snapshotRetentionLimit: Math.min(b.retentionDays, 35), snapshotWindow: "01:00-02:00", finalSnapshotIdentifier: "redis-final" },
        },
    ];
}

test("aws-elasticache-replicationgroup-*: encryption, failover, snapshot retention", async (t) => {
    await compliantAndBroken(t, "aws-elasticache-replicationgroup-encryption", PFH_PROD, () => cache(pfh), {
        "at rest off": { edit: (rs) => (rs[0].props.atRestEncryptionEnabled = false), expect: /atRestEncryptionEnabled is false/ },
        "in transit off": { edit: (rs) => delete rs[0].props.transitEncryptionEnabled, expect: /transitEncryptionEnabled is not set/ },
        "no auth token": { edit: (rs) => delete rs[0].props.authToken, expect: /no authToken/ },
    });
    await compliantAndBroken(t, "aws-elasticache-replicationgroup-failover", PFH_PROD, () => cache(pfh), {
        "failover off": { edit: (rs) => (rs[0].props.automaticFailoverEnabled = false), expect: /automaticFailoverEnabled is false/ },
        "single AZ": { edit: (rs) => (rs[0].props.multiAzEnabled = false), expect: /multiAzEnabled is false/ },
    });
    await compliantAndBroken(t, "aws-elasticache-replicationgroup-snapshot-retention", PFH_PROD, () => cache(pfh), {
        "snapshots off": { edit: (rs) => (rs[0].props.snapshotRetentionLimit = 0), expect: /snapshotRetentionLimit is 0.*backups.redis.retentionDays/ },
    });
    const sixHourly = await check("aws-elasticache-replicationgroup-snapshot-retention", GRAVITY_PROD, cache(gravitypm));
    t.deepEqual(sixHourly.messages, [], "gravitypm backs Redis up daily, which daily snapshots meet");
});

function docdb(rb: Runbook): Fake[] {
    return [
        {
            type: "aws:docdb/cluster:Cluster",
            name: "docdb",
            protect: true,
            secretPaths: ["masterPassword"],
            props: { backupRetentionPeriod: Math.min(rb.backups.find((b) => b.dataset === "mongodb")!.retentionDays, 35), storageEncrypted: true, deletionProtection: true, skipFinalSnapshot: false, masterPassword: "generated-mongodb-password-0123456789" },
        },
    ];
}

test("aws-docdb-cluster-*: retention, encryption, deletion protection", async (t) => {
    await compliantAndBroken(t, "aws-docdb-cluster-backup-retention", GRAVITY_PROD, () => docdb(gravitypm), {
        "retention of a week": { edit: (rs) => (rs[0].props.backupRetentionPeriod = 7), expect: /backupRetentionPeriod is 7; the runbook keeps mongodb backups 30 days.*backups.mongodb.retentionDays/ },
    });
    await compliantAndBroken(t, "aws-docdb-cluster-encryption", GRAVITY_PROD, () => docdb(gravitypm), {
        unencrypted: { edit: (rs) => delete rs[0].props.storageEncrypted, expect: /storageEncrypted is not set/ },
    });
    await compliantAndBroken(t, "aws-docdb-cluster-deletion-protection", GRAVITY_PROD, () => docdb(gravitypm), {
        "deletion protection off": { edit: (rs) => (rs[0].props.deletionProtection = false), expect: /deletionProtection is false/ },
        "no final snapshot": { edit: (rs) => (rs[0].props.skipFinalSnapshot = true), expect: /skipFinalSnapshot is true/ },
    });
});

test("aws-msk-cluster-encryption: TLS only, private brokers", async (t) => {
    const msk = (): Fake[] => [
        {
            type: "aws:msk/cluster:Cluster",
            name: "kafka",
            props: { numberOfBrokerNodes: pfh.data.kafka!.brokers, encryptionInfo: { encryptionInTransit: { clientBroker: "TLS", inCluster: true } }, brokerNodeGroupInfo: { connectivityInfo: { publicAccess: { type: "DISABLED" } } } },
        },
    ];
    await compliantAndBroken(t, "aws-msk-cluster-encryption", PFH_PROD, msk, {
        "plaintext clients allowed": { edit: (rs) => (rs[0].props.encryptionInfo.encryptionInTransit.clientBroker = "TLS_PLAINTEXT"), expect: /clientBroker is TLS_PLAINTEXT/ },
        "plaintext between brokers": { edit: (rs) => (rs[0].props.encryptionInfo.encryptionInTransit.inCluster = false), expect: /inCluster is false/ },
        "public brokers": { edit: (rs) => (rs[0].props.brokerNodeGroupInfo.connectivityInfo.publicAccess.type = "SERVICE_PROVIDED_EIPS"), expect: /publicAccess.type is SERVICE_PROVIDED_EIPS/ },
    });
});

function buckets(): Fake[] {
    return pfh.data.objectStorage!.buckets.flatMap((name) => [
        { type: "aws:s3/bucket:Bucket", name, protect: true, props: { bucket: `${name}-prod` } },
        { type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name: `${name}-sse`, props: { bucket: `${name}-id`, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "key" } }] }, dependsOn: [name] },
        { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name: `${name}-pab`, props: { bucket: `${name}-prod`, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true } },
    ]);
}

test("aws-s3-bucket-*: encryption and public access block per bucket", async (t) => {
    const first = pfh.data.objectStorage!.buckets[0];
    await compliantAndBroken(t, "aws-s3-bucket-encryption", PFH_PROD, buckets, {
        "encryption configuration removed": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === `${first}-sse`), 1), expect: new RegExp(`"${first}" has no server-side encryption configuration`) },
        "an unknown algorithm": { edit: (rs) => (find(rs, `${first}-sse`).props.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = "none"), expect: /with a known algorithm \(found none\)/ },
    });
    await compliantAndBroken(t, "aws-s3-bucket-public-access-block", PFH_PROD, buckets, {
        "public policies allowed": { edit: (rs) => (find(rs, `${first}-pab`).props.blockPublicPolicy = false), expect: /leaves blockPublicPolicy off/ },
        "no public access block": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === `${first}-pab`), 1), expect: /has no public access block/ },
    });
});

test("aws-securitygroup-no-public-data-ports: data ports only from the app", async (t) => {
    const rules = (): Fake[] => [
        { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "postgres-from-app", props: { securityGroupId: "sg-db", referencedSecurityGroupId: "sg-app", fromPort: 5432, toPort: 5432, ipProtocol: "tcp" } },
        { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "https-from-internet", props: { securityGroupId: "sg-alb", cidrIpv4: "0.0.0.0/0", fromPort: 443, toPort: 443, ipProtocol: "tcp" } },
        { type: "aws:ec2/securityGroup:SecurityGroup", name: "cache", props: { ingress: [{ fromPort: 6379, toPort: 6379, protocol: "tcp", securityGroups: ["sg-app"] }] } },
    ];
    await compliantAndBroken(t, "aws-securitygroup-no-public-data-ports", PFH_PROD, rules, {
        "PostgreSQL open to the internet": { edit: (rs) => Object.assign(rs[0].props, { cidrIpv4: "0.0.0.0/0" }), expect: /opens PostgreSQL 5432 to the internet/ },
        "every port open over IPv6": { edit: (rs) => rs[2].props.ingress.push({ fromPort: 0, toPort: 0, protocol: "-1", ipv6CidrBlocks: ["::/0"] }), expect: /on all ports opens .*Redis 6379/ },
        "a port range spanning MongoDB": { edit: (rs) => rs.push({ type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "range", props: { type: "ingress", fromPort: 27000, toPort: 28000, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"] } }), expect: /MongoDB 27017/ },
    });
});

test("aws-cloudwatch-loggroup-retention: log groups keep the runbook's retention", async (t) => {
    const groups = (): Fake[] => [
        { type: "aws:cloudwatch/logGroup:LogGroup", name: "app", props: { retentionInDays: pfh.logs.retentionDays } },
        { type: "aws:cloudwatch/logGroup:LogGroup", name: "forever", props: {} },
    ];
    await compliantAndBroken(t, "aws-cloudwatch-loggroup-retention", PFH_PROD, groups, {
        "a week": { edit: (rs) => (rs[0].props.retentionInDays = 7), expect: new RegExp(`retentionInDays is 7; the runbook keeps logs ${pfh.logs.retentionDays} days.*logs.retentionDays`) },
    });
});

test("aws-s3-bucket-lifecycle-retention: lifecycle rules keep logs and file versions long enough", async (t) => {
    const formula = getRunbook("formula-pm");
    const files = formula.backups.find((b) => b.dataset === "files")!;
    const rules = (): Fake[] => [
        { type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name: "access-logs-lifecycle", props: { bucket: "formula-pm-ingress-access-logs-id", rules: [{ id: "log-retention", status: "Enabled", expiration: { days: formula.logs.retentionDays } }] } },
        { type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name: "files-lifecycle", props: { bucket: "formula-pm-files-id", rules: [{ id: "versions", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: files.retentionDays } }] } },
    ];
    await compliantAndBroken(t, "aws-s3-bucket-lifecycle-retention", "formula-pm-production", rules, {
        "access logs kept half as long": { edit: (rs) => (rs[0].props.rules[0].expiration.days = formula.logs.retentionDays / 2), expect: new RegExp(`expiration.days is ${formula.logs.retentionDays / 2}; the runbook keeps logs ${formula.logs.retentionDays} days.*logs.retentionDays`) },
        "old file versions dropped after a week": { edit: (rs) => (rs[1].props.rules[0].noncurrentVersionExpiration.noncurrentDays = 7), expect: /noncurrentDays is 7; the runbook keeps file backups 30 days.*backups.files.retentionDays/ },
        "current files expired": { edit: (rs) => (rs[1].props.rules[0].expiration = { days: 1 }), expect: /expiration.days is 1/ },
    });
});

function taskDefinitions(rb: Runbook): Fake[] {
    return rb.services.map((svc) => ({
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name: `${svc.name}-task`,
        props: {
            family: `${rb.app}-${svc.name}`,
            cpu: String(svc.resources.limits.cpu * 1024),
            memory: String(svc.resources.limits.memoryMiB),
            containerDefinitions: JSON.stringify([
                {
                    name: svc.name,
                    cpu: svc.resources.reservations.cpu * 1024,
                    memory: svc.resources.limits.memoryMiB,
                    memoryReservation: svc.resources.reservations.memoryMiB,
                    image: `ghcr.io/${rb.app}/${svc.name}:1.2.3`,
                    healthCheck: { command: ["CMD-SHELL", `curl -fsS http://localhost:${svc.port}${svc.healthPath} || exit 1`] }, secrets: [{ name: "DATABASE_PASSWORD", valueFrom: "arn:aws:secretsmanager:x" }] },
                { name: "log-router", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2" },
            ]),
        },
    }));
}

const editContainer = (r: Fake, edit: (c: Record<string, any>) => void) => {
    const defs = JSON.parse(r.props.containerDefinitions);
    edit(defs[0]);
    r.props.containerDefinitions = JSON.stringify(defs);
};

test("aws-ecs-taskdefinition-*: runbook sizes, health path, pinned images", async (t) => {
    const svc = pfh.services[0];
    await compliantAndBroken(t, "aws-ecs-taskdefinition-healthcheck-limits", PFH_PROD, () => taskDefinitions(pfh), {
        "less memory than the runbook": { edit: (rs) => (rs[0].props.memory = String(svc.resources.limits.memoryMiB / 2)), expect: new RegExp(`task memory is ${svc.resources.limits.memoryMiB / 2} MiB, less than the ${svc.resources.limits.memoryMiB}`) },
        "less CPU than the runbook": { edit: (rs) => (rs[0].props.cpu = "128"), expect: /task cpu is 128 units/ },
        "the app container's hard memory limit halved": {
            edit: (rs) => editContainer(rs[0], (c) => (c.memory = svc.resources.limits.memoryMiB / 2)),
            expect: new RegExp(`hard memory limit is ${svc.resources.limits.memoryMiB / 2} MiB, below the ${svc.resources.limits.memoryMiB} MiB limit.*services.${svc.name}.resources`),
        },
        "the app container's memory reservation halved": {
            edit: (rs) => editContainer(rs[0], (c) => (c.memoryReservation = svc.resources.reservations.memoryMiB / 2)),
            expect: new RegExp(`memoryReservation is ${svc.resources.reservations.memoryMiB / 2} MiB, less than the ${svc.resources.reservations.memoryMiB} MiB reserved`),
        },
        "the app container's cpu reservation halved": {
            edit: (rs) => editContainer(rs[0], (c) => (c.cpu = (svc.resources.reservations.cpu * 1024) / 2)),
            expect: new RegExp(`cpu reserves ${(svc.resources.reservations.cpu * 1024) / 2} units, less than the ${svc.resources.reservations.cpu * 1024} reserved`),
        },
        "the app container reserving nothing beside its sidecar": {
            edit: (rs) => editContainer(rs[0], (c) => (delete c.cpu, delete c.memory, delete c.memoryReservation)),
            expect: /shares its task with 1 other container\(s\) but reserves nothing of its own/,
        },
        "health check on another path": { edit: (rs) => editContainer(rs[0], (c) => (c.healthCheck.command = ["CMD-SHELL", "curl -f http://localhost/"])), expect: new RegExp(`does not request ${svc.healthPath}`) },
        "no health check": { edit: (rs) => editContainer(rs[0], (c) => delete c.healthCheck), expect: /has no healthCheck/ },
    });
    await compliantAndBroken(t, "aws-ecs-taskdefinition-image-pinned", PFH_PROD, () => taskDefinitions(pfh), {
        latest: { edit: (rs) => editContainer(rs[0], (c) => (c.image = "ghcr.io/x/backend:latest")), expect: /the tag "latest" moves/ },
        "no tag": { edit: (rs) => editContainer(rs[0], (c) => (c.image = "nginx")), expect: /has no tag/ },
    });
});

function scaling(rb: Runbook): Fake[] {
    return rb.services.flatMap((svc) => [
        { type: "aws:ecs/service:Service", name: `${svc.name}-service`, props: { name: svc.name, desiredCount: svc.scaling.desired } },
        { type: "aws:appautoscaling/target:Target", name: `${svc.name}-target`, props: { resourceId: `service/cluster/${rb.app}-${svc.name}`, minCapacity: svc.scaling.min, maxCapacity: svc.scaling.max } },
        ...(["CPU", "Memory"] as const).map((m) => ({
            type: "aws:appautoscaling/policy:Policy",
            name: `${svc.name}-${m.toLowerCase()}`,
            props: {
                resourceId: `service/cluster/${rb.app}-${svc.name}`,
                policyType: "TargetTrackingScaling",
                targetTrackingScalingPolicyConfiguration: { targetValue: m === "CPU" ? svc.scaling.cpuTargetPercent : svc.scaling.memoryTargetPercent, predefinedMetricSpecification: { predefinedMetricType: `ECSServiceAverage${m}Utilization` } },
            },
        })),
    ]);
}

test("aws-appautoscaling-*: targets no higher and capacity no lower than the runbook", async (t) => {
    const svc = gravitypm.services[0];
    await compliantAndBroken(t, "aws-appautoscaling-runbook-targets", GRAVITY_PROD, () => scaling(gravitypm), {
        "CPU target raised": { edit: (rs) => (find(rs, `${svc.name}-cpu`).props.targetTrackingScalingPolicyConfiguration.targetValue = 95), expect: new RegExp(`targetValue is 95, above ${svc.scaling.cpuTargetPercent}; ${svc.scaling.defaulted?.cpuTargetPercent ? "the platform default" : "the runbook"} scales.*services.${svc.name}.scaling.cpuTargetPercent`) },
        "memory policy missing": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === `${svc.name}-memory`), 1), expect: new RegExp(`no target-tracking policy on ECSServiceAverageMemoryUtilization for ECS service ${svc.name}`) },
    });
    await compliantAndBroken(t, "aws-appautoscaling-target-capacity", GRAVITY_PROD, () => scaling(gravitypm), {
        "minimum lowered": { edit: (rs) => (find(rs, `${svc.name}-target`).props.minCapacity = 1), expect: new RegExp(`minCapacity is 1, below ${svc.scaling.min}.*services.${svc.name}.scaling.min`) },
        "maximum lowered": { edit: (rs) => (find(rs, `${svc.name}-target`).props.maxCapacity = svc.scaling.min), expect: new RegExp(`maxCapacity is ${svc.scaling.min}, below ${svc.scaling.max}`) },
    });
});

function blueGreenServices(rb: Runbook): Fake[] {
    const bake = rb.aws.blueGreen ? rb.aws.blueGreen.bakeMinutes : 0;
    return rb.services.map((svc) => ({
        type: "aws:ecs/service:Service",
        name: `${svc.name}-service`,
        props: {
            name: `${rb.app}-${svc.name}`,
            loadBalancers: [{ targetGroupArn: "blue", containerName: svc.name, containerPort: svc.port, advancedConfiguration: { alternateTargetGroupArn: "green" } }],
            deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: String(bake) },
        },
    }));
}

test("aws-ecs-service-blue-green-bake: blue/green where the runbook says, the old colour kept for its watch period", async (t) => {
    const blueGreen = gravitypm.aws.blueGreen;
    if (!blueGreen) return t.fail("gravitypm releases blue/green");
    const svc = gravitypm.services[0];
    await compliantAndBroken(t, "aws-ecs-service-blue-green-bake", GRAVITY_PROD, () => blueGreenServices(gravitypm), {
        "bake time halved": {
            edit: (rs) => (find(rs, `${svc.name}-service`).props.deploymentConfiguration.bakeTimeInMinutes = String(blueGreen.bakeMinutes / 2)),
            expect: new RegExp(`bakeTimeInMinutes is ${blueGreen.bakeMinutes / 2}, below ${blueGreen.bakeMinutes}.*aws.blueGreen.bakeMinutes`),
        },
        "rolling update instead": { edit: (rs) => (find(rs, `${svc.name}-service`).props.deploymentConfiguration = { strategy: "ROLLING" }), expect: /deployment strategy is ROLLING/ },
        "no deployment configuration": { edit: (rs) => delete find(rs, `${svc.name}-service`).props.deploymentConfiguration, expect: /not set \(ROLLING\)/ },
    });
    // A runbook that rolls has nothing to hold a service to.
    const rolling = await check("aws-ecs-service-blue-green-bake", PFH_PROD, blueGreenServices(pfh).map((r) => ({ ...r, props: { ...r.props, deploymentConfiguration: { strategy: "ROLLING" } } })));
    t.deepEqual(rolling.messages, []);
});

test("CloudWatch rule groups are found in AMP data only, Prometheus evidence ignores unrelated YAML", async (t) => {
    const unrelated: Fake = { type: "aws:ssm/parameter:Parameter", name: "p", props: { value: YAML.stringify(ruleGroups(pfh)) } };
    const r = await check("aws-amp-cloudwatch-runbook-alerts", PFH_PROD, [unrelated]);
    t.true(r.messages.length >= pfh.alerts.reduce((n, a) => n + a.levels.length, 0), "rules outside AMP do not implement AWS alerting");
});
