import type { StackPlan } from "../../cli/harness/runtime";
import { formatWeekly, maintenanceWindow } from "../../capabilities/aws/windows";
import type { Runbook } from "../../runbooks";
import type { Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Data-store off-switches (issue 13, review findings 6, 7, 9, 12, 13, 14b): settings of a data
 * store that exist with the right shape yet no longer hold what the runbook and the platform
 * generate — Kafka ACLs widened, allow-everyone and super users, replication and retention
 * lowered, NetworkPolicy peers widened, transit encryption made optional, deletion that drops
 * backups or snapshots, another eviction policy, smaller disks, and maintenance moved out of the
 * runbook's window. Each is one edit of one subject of the baseline plan (`pick` keeps a few).
 */

type Planned = StackPlan["resources"][number];
const PER_SWITCH = 1;


const STRIMZI = (kind: string) => `kubernetes:kafka.strimzi.io/v1beta2:${kind}`;
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const AUTH = ["k8s-kafka-client-authentication"];
const DURABLE = ["k8s-kafka-durability"];
const MSK = ["aws-msk-configuration-server-properties"];
const PEERS = ["k8s-networkpolicy-no-wide-peers"];
const EVICTION = ["platform-redis-maxmemory-policy"];
const WINDOW = ["aws-data-maintenance-window"];

const config = (p: Props) => (p.spec.kafka.config ??= {});
const policyName = (r: Planned) => String((r.props as Props).metadata?.name ?? r.name);
const confKeys = (p: Props) => Object.keys(p.data ?? {}).filter((k) => /^maxmemory-policy /m.test(String(p.data[k])));

export function dataStoreMutations(rb: Runbook, plan: StackPlan, pick: <T>(xs: readonly T[], n: number, seed: string) => T[]): Mutation[] {
    const out: Mutation[] = [];
    const of = (type: string, match: (r: Planned) => boolean = () => true) => plan.resources.filter((r) => r.type === type && match(r));
    const add = (kind: string, policies: string[], targets: readonly Planned[], edit: (p: Props) => void, what: string) => {
        for (const r of pick(targets, PER_SWITCH, `${plan.stack}:${kind}`)) out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `D:${kind}:${r.urn}`, edit: (pl) => editUrn(pl, r.urn, edit) });
    };
    // The runbook's maintenance window moved three days on: a weekday, in someone's business hours.
    const maint = maintenanceWindow(rb);
    const elsewhere = formatWeekly({ start: maint.start + 3 * 1440, minutes: maint.minutes });

    // Finding 6: Kafka authorization on Strimzi.
    const users = of(STRIMZI("KafkaUser"), (r) => Array.isArray((r.props as Props).spec?.authorization?.acls));
    add("kafka-acl-wildcard", AUTH, users, (p) => p.spec.authorization.acls.push({ operations: ["All"], resource: { type: "topic", name: "*", patternType: "literal" } }), "gets All on topic *");
    add("kafka-acl-prefix", AUTH, users, (p) => (p.spec.authorization.acls[0] = { operations: ["Read", "Write", "Delete"], resource: { type: "topic", name: "", patternType: "prefix" } }), 'gets Read, Write, Delete on prefix ""');
    add("kafka-acl-cluster", AUTH, users, (p) => p.spec.authorization.acls.push({ operations: ["Alter"], resource: { type: "cluster" } }), "gets cluster Alter");
    const clusters = of(STRIMZI("Kafka"));
    add("kafka-allow-everyone", AUTH, clusters, (p) => (config(p)["allow.everyone.if.no.acl.found"] = "true"), "allow.everyone.if.no.acl.found → true");
    add("kafka-super-users", AUTH, clusters, (p) => (p.spec.kafka.authorization = { ...p.spec.kafka.authorization, superUsers: users.map((u) => policyName(u)) }), "superUsers → its KafkaUsers");
    // Finding 9: durability on Strimzi and MSK.
    add("kafka-min-isr", DURABLE, clusters, (p) => (config(p)["min.insync.replicas"] = "1"), "min.insync.replicas → 1");
    add("kafka-unclean", DURABLE, clusters, (p) => (config(p)["unclean.leader.election.enable"] = "true"), "unclean.leader.election.enable → true");
    const topics = of(STRIMZI("KafkaTopic"), (r) => rb.data.kafka?.topics.some((t) => t.name === (r.props as Props).spec?.topicName) ?? false);
    add("kafka-topic-replicas", DURABLE, topics, (p) => (p.spec.replicas = 1), "replicas → 1");
    add("kafka-topic-retention", DURABLE, topics, (p) => (p.spec.config = { ...p.spec.config, "retention.ms": "1" }), "retention.ms → 1");
    const msk = of("aws:msk/configuration:Configuration", (r) => typeof (r.props as Props).serverProperties === "string");
    add("msk-min-isr", MSK, msk, (p) => (p.serverProperties = p.serverProperties.replace(/^min\.insync\.replicas=.*$/m, "min.insync.replicas=1")), "min.insync.replicas → 1");
    add("msk-allow-everyone", MSK, msk, (p) => (p.serverProperties += "allow.everyone.if.no.acl.found=true\n"), "+ allow.everyone.if.no.acl.found=true");
    add("msk-unclean", MSK, msk, (p) => (p.serverProperties += "unclean.leader.election.enable=true\n"), "+ unclean.leader.election.enable=true");
    // Finding 13: NetworkPolicy peers.
    add("egress-all-namespaces", PEERS, of(NETWORK_POLICY, (r) => /-egress-namespace$/.test(policyName(r))), (p) => (p.spec.egress = [{ to: [{ namespaceSelector: {} }] }]), "egress → every namespace");
    add("egress-dns-anywhere", PEERS, of(NETWORK_POLICY, (r) => /-egress-dns$/.test(policyName(r))), (p) => (p.spec.egress = [{ ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] }]), "DNS → any address");
    add("data-ingress-any-pod", PEERS, of(NETWORK_POLICY, (r) => /-data-[a-z]+$/.test(policyName(r)) && Array.isArray((r.props as Props).spec?.ingress?.[0]?.from)), (p) => (p.spec.ingress[0].from[0] = { podSelector: {} }), "from[0] → podSelector {}");
    // Finding 7: transit encryption optional.
    const groups = of("aws:elasticache/replicationGroup:ReplicationGroup");
    add("redis-transit-preferred", ["aws-elasticache-replicationgroup-encryption"], groups, (p) => (p.transitEncryptionMode = "preferred"), "transitEncryptionMode → preferred");
    // Finding 14b: deletion, eviction, disks.
    const primaries = of("aws:rds/instance:Instance", (r) => !(r.props as Props).replicateSourceDb);
    add("rds-delete-automated-backups", ["aws-rds-instance-deletion-protection"], primaries, (p) => (p.deleteAutomatedBackups = true), "deleteAutomatedBackups → true");
    add("redis-final-snapshot", ["aws-elasticache-replicationgroup-snapshot-retention"], groups, (p) => delete p.finalSnapshotIdentifier, "finalSnapshotIdentifier removed");
    add("redis-eviction", EVICTION, of("aws:elasticache/parameterGroup:ParameterGroup", (r) => ((r.props as Props).parameters ?? []).some((x: Props) => x.name === "maxmemory-policy")), (p) => {
        for (const x of p.parameters) if (x.name === "maxmemory-policy") x.value = "noeviction";
    }, "maxmemory-policy → noeviction");
    add("redis-eviction", EVICTION, of("kubernetes:core/v1:ConfigMap", (r) => confKeys(r.props as Props).length > 0), (p) => {
        for (const k of confKeys(p)) p.data[k] = String(p.data[k]).replace(/^maxmemory-policy .*$/m, "maxmemory-policy noeviction");
    }, "redis.conf maxmemory-policy → noeviction");
    add("rds-storage", ["aws-data-storage-floor"], primaries, (p) => (p.allocatedStorage = 20), "allocatedStorage → 20");
    add("msk-storage", ["aws-data-storage-floor"], of("aws:msk/cluster:Cluster", (r) => (r.props as Props).brokerNodeGroupInfo?.storageInfo?.ebsStorageInfo !== undefined), (p) => (p.brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize = 1), "volumeSize → 1");
    // Finding 12: maintenance windows.
    add("rds-window", WINDOW, of("aws:rds/instance:Instance"), (p) => (p.maintenanceWindow = elsewhere), `maintenanceWindow → ${elsewhere}`);
    add("rds-apply-immediately", WINDOW, of("aws:rds/instance:Instance"), (p) => (p.applyImmediately = true), "applyImmediately → true");
    add("redis-window", WINDOW, groups, (p) => (p.maintenanceWindow = elsewhere), `maintenanceWindow → ${elsewhere}`);
    add("docdb-window", WINDOW, of("aws:docdb/cluster:Cluster"), (p) => (p.preferredMaintenanceWindow = elsewhere), `preferredMaintenanceWindow → ${elsewhere}`);
    add("mq-window", WINDOW, of("aws:mq/broker:Broker", (r) => (r.props as Props).maintenanceWindowStartTime !== undefined), (p) => {
        p.maintenanceWindowStartTime = { ...p.maintenanceWindowStartTime, dayOfWeek: p.maintenanceWindowStartTime.dayOfWeek === "WEDNESDAY" ? "THURSDAY" : "WEDNESDAY" };
    }, "maintenance day moved");
    return out;
}
