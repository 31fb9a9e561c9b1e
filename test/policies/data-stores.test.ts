import test from "ava";
import { amazonMqMaintenanceStart } from "../../capabilities/aws/amazonmq";
import { cacheParameters } from "../../capabilities/aws/elasticache";
import { MSK_BROKER_VOLUME_GIB, mskServerProperties } from "../../capabilities/aws/msk";
import { RDS_ALLOCATED_STORAGE_GIB } from "../../capabilities/aws/rds";
import { formatWeekly, maintenanceWindow } from "../../capabilities/aws/windows";
import { redisConf } from "../../capabilities/datastores";
import { internetPorts } from "../../capabilities/egress";
import { kafkaSpec, topicSpecs } from "../../capabilities/kubernetes/kafka";
import { kafkaLogins, kafkaUserSpecs } from "../../capabilities/kubernetes/kafka-users";
import { names, type DataService } from "../../capabilities/kubernetes/names";
import { networkPolicies } from "../../capabilities/kubernetes/security";
import { getRunbook } from "../../runbooks";
import { configWeakenings, parseProperties } from "../../policies/lib/kafka";
import type { ExecutionContext } from "ava";
import { check, compliantAndBroken as passesAndBreaks, find, type Fake } from "./helpers";

/** The compliant fixture passes; each break is reported, at the mandatory level in staging and production. */
async function compliantAndBroken(t: ExecutionContext, name: string, stack: string, compliant: () => Fake[], breaks: Record<string, { edit: (r: Fake[]) => void; expect: RegExp }>): Promise<void> {
    await passesAndBreaks(t, name, stack, compliant, breaks);
    for (const [what, b] of Object.entries(breaks)) {
        const resources = compliant();
        b.edit(resources);
        const out = await check(name, stack, resources);
        t.true(out.violations.length > 0 && out.violations.every((v) => v.level === "mandatory"), `${name}: ${what} is mandatory in ${stack}`);
    }
}

/**
 * Data stores held to the settings the platform generates (issue 13, review findings 6, 7, 9, 12,
 * 13 and 14b): each fixture is the generator's output for personal-finance-hub (Kafka, Redis,
 * PostgreSQL, MongoDB), each break the reviewer's one-field edit. Numbers come from the runbook
 * and the capabilities, never typed here.
 */

const rb = getRunbook("personal-finance-hub");
const kafka = rb.data.kafka!;
const redis = rb.data.redis!;
const STAGING = "personal-finance-hub-staging";
const PROD = "personal-finance-hub-production";
const n = names(rb.app, rb.app);
const k8s = (kind: string) => `kubernetes:kafka.strimzi.io/v1beta2:${kind}`;
const meta = (name: string) => ({ name, namespace: n.namespace });

const strimzi = (): Fake[] => [
    { type: k8s("Kafka"), name: "kafka", props: { metadata: meta(n.kafka), spec: structuredClone(kafkaSpec(rb, n)) } },
    ...kafkaUserSpecs(rb, n).map((u) => ({ type: k8s("KafkaUser"), name: u.name, props: { metadata: meta(u.name), spec: structuredClone(u.spec) } })),
    ...topicSpecs(rb).map((tp) => ({ type: k8s("KafkaTopic"), name: tp.objectName, props: { metadata: meta(tp.objectName), spec: structuredClone(tp.spec) } })),
];
const logins = kafkaLogins(n);
const topic0 = () => topicSpecs(rb)[0].objectName;

test("k8s-kafka-client-authentication: ACLs beyond the generated ones, allow-everyone and super users are reported (finding 6)", async (t) => {
    await compliantAndBroken(t, "k8s-kafka-client-authentication", STAGING, strimzi, {
        "the app gets All on topic *": {
            edit: (r) => find(r, logins.app).props.spec.authorization.acls.push({ operations: ["All"], resource: { type: "topic", name: "*", patternType: "literal" } }),
            expect: /KafkaUser .*-kafka-app acl \d+ allows All on topic "\*" \(literal\), a resource the platform's .* holds no ACL on/,
        },
        "KEDA gets prefix \"\" with Read, Write, Delete": {
            edit: (r) => (find(r, logins.scaler).props.spec.authorization.acls[0] = { operations: ["Read", "Write", "Delete"], resource: { type: "topic", name: "", patternType: "prefix" } }),
            expect: /-kafka-keda acl 0 allows Read, Write, Delete on topic "" \(prefix\)/,
        },
        "KEDA gets cluster Alter": {
            edit: (r) => find(r, logins.scaler).props.spec.authorization.acls.push({ operations: ["Alter", "AlterConfigs"], resource: { type: "cluster" } }),
            expect: /-kafka-keda acl \d+ allows Alter, AlterConfigs on cluster/,
        },
        "KEDA gets Write on its own topic": {
            edit: (r) => find(r, logins.scaler).props.spec.authorization.acls[0].operations.push("Write"),
            expect: new RegExp(`acl 0 allows Write on topic "${kafka.topics[0].name}" \\(literal\\); the platform's ${logins.scaler} holds only Describe there`),
        },
        "allow.everyone.if.no.acl.found true": { edit: (r) => (find(r, "kafka").props.spec.kafka.config["allow.everyone.if.no.acl.found"] = "true"), expect: /allow\.everyone\.if\.no\.acl\.found"\] is true.*allowed: false or unset/ },
        "another authorizer": { edit: (r) => (find(r, "kafka").props.spec.kafka.authorization = { type: "custom", authorizerClass: "io.example.AllowAll" }), expect: /authorization\.type is custom; .* allowed: simple/ },
        "KEDA a super user": { edit: (r) => (find(r, "kafka").props.spec.kafka.authorization.superUsers = [logins.scaler]), expect: /superUsers is .*-kafka-keda; a super user bypasses every ACL/ },
    });
    const narrower = strimzi();
    find(narrower, logins.app).props.spec.authorization.acls.pop();
    find(narrower, logins.app).props.spec.authorization.acls.push({ type: "deny", operations: ["Delete"], resource: { type: "topic", name: "*", patternType: "literal" } });
    t.deepEqual((await check("k8s-kafka-client-authentication", STAGING, narrower)).messages, [], "fewer ACLs and deny ACLs only narrow");
});

test("k8s-kafka-durability: min.insync, unclean election, topic replicas and retention held to the generated config (finding 9)", async (t) => {
    await compliantAndBroken(t, "k8s-kafka-durability", STAGING, strimzi, {
        "min.insync.replicas 1": { edit: (r) => (find(r, "kafka").props.spec.kafka.config["min.insync.replicas"] = "1"), expect: new RegExp(`min\\.insync\\.replicas is 1; the platform sets ${kafka.minInsyncReplicas} \\(at least\\)`) },
        "default.replication.factor removed": { edit: (r) => delete find(r, "kafka").props.spec.kafka.config["default.replication.factor"], expect: /default\.replication\.factor is unset/ },
        "unclean leader election": { edit: (r) => (find(r, "kafka").props.spec.kafka.config["unclean.leader.election.enable"] = "true"), expect: /unclean\.leader\.election\.enable is true, a setting the platform does not generate: an out-of-sync replica/ },
        "topic replicas 1": { edit: (r) => (find(r, topic0()).props.spec.replicas = 1), expect: new RegExp(`spec\\.replicas is 1; the runbook's replicationFactor is ${kafka.topics[0].replicationFactor}`) },
        "topic min.insync 1": { edit: (r) => (find(r, topic0()).props.spec.config["min.insync.replicas"] = "1"), expect: /KafkaTopic .* spec\.config min\.insync\.replicas is 1/ },
        "topic retention.ms 1": { edit: (r) => (find(r, topic0()).props.spec.config["retention.ms"] = "1"), expect: /spec\.config retention\.ms is 1, a setting the platform does not generate: records are deleted sooner/ },
    });
    const safe = strimzi();
    find(safe, "kafka").props.spec.kafka.config["unclean.leader.election.enable"] = "false";
    t.deepEqual((await check("k8s-kafka-durability", STAGING, safe)).messages, [], "Kafka's safe default spelled out passes");
});

test("aws-msk-configuration-server-properties: the generated server.properties, nothing loosened or added (findings 6, 9)", async (t) => {
    const msk = (): Fake[] => [{ type: "aws:msk/configuration:Configuration", name: "kafka-config", props: { serverProperties: mskServerProperties(kafka) } }];
    const props = (r: Fake[]) => r[0].props;
    await compliantAndBroken(t, "aws-msk-configuration-server-properties", PROD, msk, {
        "min.insync.replicas 1": { edit: (r) => (props(r).serverProperties = props(r).serverProperties.replace(/min\.insync\.replicas=\d+/, "min.insync.replicas=1")), expect: /serverProperties min\.insync\.replicas is 1/ },
        "default.replication.factor 1": { edit: (r) => (props(r).serverProperties = props(r).serverProperties.replace(/default\.replication\.factor=\d+/, "default.replication.factor=1")), expect: /default\.replication\.factor is 1/ },
        "allow everyone": { edit: (r) => (props(r).serverProperties += "allow.everyone.if.no.acl.found=true\n"), expect: /allow\.everyone\.if\.no\.acl\.found is true.*every login/ },
        "unclean election": { edit: (r) => (props(r).serverProperties += "unclean.leader.election.enable=true\n"), expect: /unclean\.leader\.election\.enable is true/ },
        "auto-create topics": { edit: (r) => (props(r).serverProperties = props(r).serverProperties.replace("auto.create.topics.enable=false", "auto.create.topics.enable=true")), expect: /auto\.create\.topics\.enable is true; the platform sets false/ },
        "no properties": { edit: (r) => delete props(r).serverProperties, expect: /serverProperties is unset/ },
    });
});

test("configWeakenings and parseProperties: numbers at least, switches equal, extras named", (t) => {
    t.deepEqual(parseProperties("# comment\na=1\n b = two \n\n"), { a: "1", b: "two" });
    t.deepEqual(configWeakenings({ n: "3", s: "x" }, { n: "2", s: "x" }), [], "a higher number passes");
    t.is(configWeakenings({ n: "1", s: "x" }, { n: "2", s: "x" }).length, 1);
    t.is(configWeakenings({ n: "2", s: "y" }, { n: "2", s: "x" }).length, 1);
    t.deepEqual(configWeakenings({ n: "2", "log.retention.hours": "1" }, { n: "2" }), ["log.retention.hours is 1, a setting the platform does not generate: it changes how long records are kept"]);
});

test("k8s-networkpolicy-no-wide-peers: egress to every namespace, DNS anywhere, data ingress from every pod are reported (finding 13)", async (t) => {
    const present: DataService[] = ["postgres", "redis", "mongodb", "kafka"];
    const policies = (): Fake[] =>
        networkPolicies(n, rb.services, present, true, internetPorts(rb)).map((p) => ({
            type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            name: p.part,
            props: { metadata: meta(`${rb.app}-${p.part}`), spec: structuredClone(p.spec) },
        }));
    await compliantAndBroken(t, "k8s-networkpolicy-no-wide-peers", STAGING, policies, {
        "egress-namespace widened to every namespace": { edit: (r) => (find(r, "egress-namespace").props.spec.egress = [{ to: [{ namespaceSelector: {} }] }]), expect: /egress rule 0 allows every port to every pod of every namespace/ },
        "DNS to any address": { edit: (r) => (find(r, "egress-dns").props.spec.egress = [{ ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] }]), expect: /egress rule 0 allows port\(s\) 53 to every destination \(no to\)/ },
        "DNS to another namespace's pods": {
            edit: (r) => (find(r, "egress-dns").props.spec.egress[0].to = [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "elsewhere" } } }]),
            expect: /allows DNS \(port 53\) to peers other than the cluster DNS/,
        },
        "the internet with no exceptions on every port": {
            edit: (r) => (find(r, "egress-internet").props.spec.egress[0] = { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 25 }] }),
            expect: /allows port\(s\) 25 to 0\.0\.0\.0\/0 with no exceptions/,
        },
        "the app's internet egress without its private-range exceptions": { edit: (r) => delete find(r, "egress-internet").props.spec.egress[0].to[0].ipBlock.except, expect: /egress-internet\).*to 0\.0\.0\.0\/0 with no exceptions/ },
        "the API-server rule widened to every pod": { edit: (r) => (find(r, "egress-api-server-postgres").props.spec.podSelector = {}), expect: /egress-api-server-postgres\).*to 0\.0\.0\.0\/0 with no exceptions/ },
        "data-postgres from every pod": { edit: (r) => (find(r, "data-postgres").props.spec.ingress[0].from[0] = { podSelector: {} }), expect: /data-postgres\).*ingress rule 0 admits every pod of the namespace/ },
    });
});

test("aws-elasticache-replicationgroup-encryption: transitEncryptionMode preferred lets clients skip TLS (finding 7)", async (t) => {
    const group = (): Fake[] => [{ type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "redis", props: { atRestEncryptionEnabled: true, transitEncryptionEnabled: true, authToken: "generated" } }];
    await compliantAndBroken(t, "aws-elasticache-replicationgroup-encryption", PROD, group, {
        preferred: { edit: (r) => (r[0].props.transitEncryptionMode = "preferred"), expect: /transitEncryptionMode is preferred.*allowed: "required", or unset/ },
    });
    const required = group();
    required[0].props.transitEncryptionMode = "required";
    t.deepEqual((await check("aws-elasticache-replicationgroup-encryption", PROD, required)).messages, []);
});

test("data-store deletion and eviction: RDS keeps automated backups, ElastiCache a final snapshot, Redis the runbook's maxmemory-policy everywhere (finding 14b)", async (t) => {
    const primary = (): Fake[] => [{ type: "aws:rds/instance:Instance", name: "postgres-primary", props: { deletionProtection: true, skipFinalSnapshot: false, deleteAutomatedBackups: false, allocatedStorage: RDS_ALLOCATED_STORAGE_GIB } }];
    await compliantAndBroken(t, "aws-rds-instance-deletion-protection", PROD, primary, {
        "deleteAutomatedBackups true": { edit: (r) => (r[0].props.deleteAutomatedBackups = true), expect: /deleteAutomatedBackups is true.*\[runbook key: protect\]/ },
        "deleteAutomatedBackups unset": { edit: (r) => delete r[0].props.deleteAutomatedBackups, expect: /deleteAutomatedBackups is not set \(true/ },
    });
    const b = rb.backups.find((x) => x.dataset === "redis")!;
    const group = (): Fake[] => [{ type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "redis", props: { snapshotRetentionLimit: b.retentionDays, snapshotWindow: "01:00-02:00", finalSnapshotIdentifier: "redis-final" } }];
    await compliantAndBroken(t, "aws-elasticache-replicationgroup-snapshot-retention", PROD, group, {
        "finalSnapshotIdentifier removed": { edit: (r) => delete r[0].props.finalSnapshotIdentifier, expect: /finalSnapshotIdentifier is not set; deleting the group would drop the cache/ },
    });
    const params = (): Fake[] => [{ type: "aws:elasticache/parameterGroup:ParameterGroup", name: "redis-params", props: { parameters: cacheParameters(redis) } }];
    const evict = new RegExp(`maxmemory-policy is noeviction; allowed: ${redis.maxmemoryPolicy}`);
    await compliantAndBroken(t, "platform-redis-maxmemory-policy", PROD, params, {
        noeviction: { edit: (r) => (r[0].props.parameters.find((p: { name: string }) => p.name === "maxmemory-policy").value = "noeviction"), expect: evict },
        "parameter removed": { edit: (r) => (r[0].props.parameters = r[0].props.parameters.filter((p: { name: string }) => p.name !== "maxmemory-policy")), expect: /maxmemory-policy is unset \(ElastiCache's default/ },
    });
    const conf = (): Fake[] => [{ type: "kubernetes:core/v1:ConfigMap", name: "redis-config", props: { data: { "redis.conf": redisConf(redis) } } }];
    await compliantAndBroken(t, "platform-redis-maxmemory-policy", STAGING, conf, {
        noeviction: { edit: (r) => (r[0].props.data["redis.conf"] = r[0].props.data["redis.conf"].replace(/^maxmemory-policy .*$/m, "maxmemory-policy noeviction")), expect: evict },
        "maxmemory halved": {
            edit: (r) => (r[0].props.data["redis.conf"] = r[0].props.data["redis.conf"].replace(/^maxmemory \d+mb$/m, `maxmemory ${redis.maxmemoryMB / 2}mb`)),
            expect: new RegExp(`maxmemory is ${redis.maxmemoryMB / 2}mb; allowed: ${redis.maxmemoryMB}mb`),
        },
    });
});

test("aws-data-storage-floor: RDS allocatedStorage and MSK volumeSize at least the generated size (finding 14b)", async (t) => {
    const sized = (): Fake[] => [
        { type: "aws:rds/instance:Instance", name: "postgres-primary", props: { allocatedStorage: RDS_ALLOCATED_STORAGE_GIB } },
        { type: "aws:rds/instance:Instance", name: "postgres-replica-1", props: { replicateSourceDb: "primary" } },
        { type: "aws:msk/cluster:Cluster", name: "kafka", props: { brokerNodeGroupInfo: { storageInfo: { ebsStorageInfo: { volumeSize: MSK_BROKER_VOLUME_GIB } } } } },
    ];
    await compliantAndBroken(t, "aws-data-storage-floor", PROD, sized, {
        "RDS 20 GiB": { edit: (r) => (find(r, "postgres-primary").props.allocatedStorage = 20), expect: new RegExp(`allocatedStorage is 20 GiB; the floor is ${RDS_ALLOCATED_STORAGE_GIB} GiB`) },
        "MSK 1 GiB": { edit: (r) => (find(r, "kafka").props.brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize = 1), expect: new RegExp(`volumeSize is 1 GiB; the floor is ${MSK_BROKER_VOLUME_GIB} GiB`) },
    });
});

test("aws-data-maintenance-window: RDS, ElastiCache, DocumentDB and Amazon MQ keep the runbook's window and never apply immediately (finding 12)", async (t) => {
    const window = formatWeekly(maintenanceWindow(rb));
    const engines = (): Fake[] => [
        { type: "aws:rds/instance:Instance", name: "postgres-primary", props: { maintenanceWindow: window, applyImmediately: false } },
        { type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "redis", props: { maintenanceWindow: window, applyImmediately: false } },
        { type: "aws:docdb/cluster:Cluster", name: "docdb", props: { preferredMaintenanceWindow: window } },
        { type: "aws:docdb/clusterInstance:ClusterInstance", name: "docdb-1", props: { preferredMaintenanceWindow: window } },
        { type: "aws:mq/broker:Broker", name: "mq", props: { maintenanceWindowStartTime: amazonMqMaintenanceStart(rb), applyImmediately: false } },
    ];
    const elsewhere = "wed:14:00-wed:16:00";
    // A defaulted window is the platform's, with its reason (review finding 14).
    const owner = rb.maintenanceWindow.defaulted ? "the platform's default" : "the runbook's";
    const allowed = new RegExp(`is ${elsewhere}; allowed: ${window}, ${owner} maintenanceWindow`);
    await compliantAndBroken(t, "aws-data-maintenance-window", PROD, engines, {
        "RDS in business hours": { edit: (r) => (find(r, "postgres-primary").props.maintenanceWindow = elsewhere), expect: allowed },
        "ElastiCache in business hours": { edit: (r) => (find(r, "redis").props.maintenanceWindow = elsewhere), expect: allowed },
        "DocumentDB in business hours": { edit: (r) => (find(r, "docdb").props.preferredMaintenanceWindow = elsewhere), expect: allowed },
        "DocumentDB instance window unset": { edit: (r) => delete find(r, "docdb-1").props.preferredMaintenanceWindow, expect: /preferredMaintenanceWindow is not set \(AWS picks one\)/ },
        "Amazon MQ on another day": { edit: (r) => (find(r, "mq").props.maintenanceWindowStartTime.dayOfWeek = "WEDNESDAY"), expect: /maintenanceWindowStartTime is WEDNESDAY .*; allowed: / },
        "RDS applyImmediately": { edit: (r) => (find(r, "postgres-primary").props.applyImmediately = true), expect: /applyImmediately is true; changes would restart it at once/ },
    });
});
