import { hasUnknown, isUnknown } from "../lib/inputs";
import { parseProperties } from "../lib/kafka";
import { aclCalls, aclExcess, allowedAcls, alterCalls, containerCommands, mskUsers, topicCalls } from "../lib/kafka-acl-commands";
import { containerDefinitions, TASK_DEFINITION } from "../lib/ecs";
import { cite, finding, label, provenance, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray } from "../lib/values";
import { scramSecretName } from "../../capabilities/aws/msk";

const CLUSTER = "aws:msk/cluster:Cluster";
const CONFIGURATION = "aws:msk/configuration:Configuration";
const INVOCATION = "aws:lambda/invocation:Invocation";
const ASSOCIATION = "aws:msk/scramSecretAssociation:ScramSecretAssociation";
const SECRET = "aws:secretsmanager/secret:Secret";
const MODEL = "capabilities/kafka-acls.ts KAFKA_ACL_ROLES, with capabilities/aws/msk.ts's admin and exporter rows";

/** Whether an invocation of the one-off runner starts this task definition (its ARN names it, or it is not known yet and depends on it). */
function runs(inv: Subject, task: Subject): boolean {
    let input: unknown = inv.props.input;
    if (typeof input === "string") {
        try {
            input = JSON.parse(input);
        } catch {
            return false;
        }
    }
    const arn = (input as Record<string, unknown> | undefined)?.taskDefinition;
    if (isUnknown(input) || isUnknown(arn)) return (inv.dependencies ?? []).includes(task.urn);
    if (typeof arn !== "string") return false;
    const tail = arn.replace(/:\d+$/, "").split(/[:/]/).pop();
    return [task.name, task.props.family].includes(tail);
}

/**
 * MSK's ACLs are what the runbook's clients need and no more (issue 13): MSK has no ACL API, so
 * the one-off `kafka-topics` task's shell (capabilities/aws/msk.ts aclCommands) grants them. Every
 * `kafka-acls.sh --add` in any task grants only what the shared model gives a login on a runbook
 * topic or group (no wildcard principal or resource, no prefixed pattern, no `All` beyond the
 * admin's), no task removes ACLs, no SCRAM login beyond the model's three is associated, every runbook topic and consumer group carries an ACL (MSK lets
 * every login use a resource no ACL names: `allow.everyone.if.no.acl.found` defaults to true), the
 * task that grants them is run, its topics are created with the runbook's partitions and
 * replication and no extra topic setting, and no task alters Kafka's settings or topics afterwards.
 */
export const awsMskAclsRunbook = stackRule({
    name: "aws-msk-acls-runbook",
    description: "The Kafka ACLs the stack's tasks grant on MSK are the shared model's (app and exporter per KAFKA_ACL_ROLES, the admin on the cluster and runbook topics): no wildcard or prefixed grant, no extra operation, no removal, no extra SCRAM login; every runbook topic and consumer group has an ACL; the granting task is run; topics are created with the runbook's partitions and replication and not altered after.",
    tier: "security",
    target: "aws",
    remediationSteps: "Keep the kafka-topics task's command as components/targets/aws/services.ts builds it (adminClientConfig, topicCommands, aclCommands) and its one-off invocation; to grant more, change KAFKA_ACL_ROLES.",
    notApplicable: (resources, ctx) => absentTarget(resources, "aws") ?? (ctx.runbook.data.kafka && ofType(resources, CLUSTER).length ? undefined : `${ctx.app} has no MSK cluster`),
    check: (resources, ctx) => {
        const kafka = ctx.runbook.data.kafka!;
        const out: Finding[] = [];
        const tasks = ofType(resources, TASK_DEFINITION).map((t) => ({ task: t, commands: containerDefinitions(t.props).flatMap(containerCommands) }));
        const closed = ofType(resources, CONFIGURATION).some((c) => typeof c.props.serverProperties === "string" && parseProperties(c.props.serverProperties)["allow.everyone.if.no.acl.found"] === "false");
        for (const cluster of ofType(resources, CLUSTER)) {
            const name = cluster.props.clusterName;
            if (typeof name !== "string") continue;
            const users = mskUsers(name);
            const allowed = allowedAcls(kafka, users);
            const named = new Set<string>();
            for (const { task, commands } of tasks) {
                const calls = aclCalls(commands);
                for (const call of calls) {
                    for (const why of aclExcess(call, allowed)) {
                        out.push(finding(`${label(task)}: kafka-acls.sh ${why}; allowed: ${MODEL} ${cite(kafka.source)}`, { urn: task.urn }));
                    }
                    if (call.action === "add" && call.patternType === "literal" && call.allow.some((p) => [users.admin, users.app, users.monitor].some((u) => p === `User:${u}`))) {
                        for (const t of call.topics) named.add(`topic ${t}`);
                        for (const g of call.groups) named.add(`group ${g}`);
                    }
                }
                if (calls.some((c) => c.action === "add") && !ofType(resources, INVOCATION).some((inv) => runs(inv, task))) {
                    out.push(finding(`${label(task)} grants the Kafka ACLs but no aws:lambda/invocation of the stack runs it: the ACLs are never created and MSK lets every login use the runbook's topics; allowed: the one-off invocation components/targets/aws/index.ts makes`, { urn: task.urn }));
                }
                for (const text of alterCalls(commands)) {
                    out.push(finding(`${label(task)}: "${text.slice(0, 200)}" changes Kafka's settings or topics after the platform made them (a topic's min.insync.replicas or retention, a login's credentials, a topic deleted); allowed: only the generated server.properties and topic creation (capabilities/aws/msk.ts) ${cite(kafka.source)}`, { urn: task.urn, key: "data.kafka.topics" }));
                }
                for (const call of topicCalls(commands).filter((c) => c.create)) {
                    const topic = kafka.topics.find((t) => t.name === call.topic);
                    if (!topic) continue;
                    const from = provenance(kafka, "partitions", "replicationFactor");
                    const wants = `${from.who} gives ${topic.name} ${topic.partitions} partitions and replication factor ${topic.replicationFactor} ${from.cite}`;
                    if (call.replicationFactor !== undefined && !(call.replicationFactor >= topic.replicationFactor)) out.push(finding(`${label(task)}: kafka-topics.sh creates ${topic.name} with --replication-factor ${call.replicationFactor}; ${wants}`, { urn: task.urn, key: "data.kafka.topics" }));
                    if (call.partitions !== undefined && !(call.partitions >= topic.partitions)) out.push(finding(`${label(task)}: kafka-topics.sh creates ${topic.name} with --partitions ${call.partitions}; ${wants}`, { urn: task.urn, key: "data.kafka.topics" }));
                    for (const c of call.configs) out.push(finding(`${label(task)}: kafka-topics.sh creates ${topic.name} with --config ${c}, a topic setting the platform does not generate (it may lower min.insync.replicas or retention); ${wants}`, { urn: task.urn, key: "data.kafka.topics" }));
                }
            }
            // The logins: only the three the model names; another associated secret is a login no ACL row was written for.
            const logins = [users.admin, users.app, users.monitor].map(scramSecretName);
            for (const a of ofType(resources, ASSOCIATION).filter((x) => (x.dependencies ?? []).includes(cluster.urn) || x.props.clusterArn === cluster.props.arn)) {
                for (const arn of asArray<unknown>(a.props.secretArnLists)) {
                    if (isUnknown(arn)) continue;
                    const part = typeof arn === "string" ? /:secret:(.+)$/.exec(arn)?.[1] : undefined;
                    const secret = part === undefined ? undefined : ofType(resources, SECRET).find((x) => [x.props.name, x.name].some((n) => typeof n === "string" && (part === n || part.startsWith(`${n}-`))));
                    const login = typeof secret?.props.name === "string" ? secret.props.name : undefined;
                    if (!secret || (login !== undefined && !logins.includes(login))) {
                        out.push(finding(`${label(a)} associates ${JSON.stringify(arn)} (${secret ? `login ${login}` : "not a secret of this stack"}) with ${label(cluster)}: a SCRAM login the ACL model does not name, which MSK lets use every resource no ACL names; allowed: ${logins.join(", ")} (capabilities/aws/msk.ts kafkaUsers)`, { urn: a.urn }));
                    }
                }
            }
            // Before the first deploy a task's shell is not known yet (it names the brokers): nothing to count.
            if (closed || ofType(resources, TASK_DEFINITION).some((t) => hasUnknown(t.props.containerDefinitions))) continue;
            const missing = [...kafka.topics.map((t) => `topic ${t.name}`), ...kafka.consumerGroups.map((g) => `group ${g}`)].filter((r) => !named.has(r));
            if (missing.length) {
                out.push(
                    finding(
                        `${label(cluster)}: no task grants an ACL on ${missing.join(", ")}: MSK lets every SCRAM login use a resource no ACL names (allow.everyone.if.no.acl.found defaults to true); allowed: the model's ACLs on every runbook topic and consumer group (${MODEL}) ${cite(kafka.source)}`,
                        { urn: cluster.urn },
                    ),
                );
            }
        }
        return out;
    },
});
