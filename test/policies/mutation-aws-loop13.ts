import type { StackPlan } from "../../cli/harness/runtime";
import { PAGERDUTY_EVENTS_URL } from "../../capabilities/aws/pager";
import type { Runbook } from "../../runbooks";
import { durationSeconds } from "../../runbooks/units";
import { serviceOf } from "../../policies/lib/workloads";
import { sample, type Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Issue 13's remaining AWS switches (loop13): the MSK ACL task granting more than the model, or
 * none, or never run; the MSK cluster on another configuration or none; ECS health checks slow or
 * always passing; target groups draining slower than the runbook's service-down; alert forwarders
 * and e-mail sent elsewhere. Each is one edit of one subject of the baseline plan.
 */

type Planned = StackPlan["resources"][number];
const PER_SWITCH = 1;


/** Edits the container definitions (a JSON text) of a task definition. */
const containers = (edit: (cs: Props[]) => void) => (p: Props) => {
    const cs = JSON.parse(p.containerDefinitions) as Props[];
    edit(cs);
    p.containerDefinitions = JSON.stringify(cs);
};
const script = (edit: (text: string) => string) => containers((cs) => (cs[0].command = [edit(String(cs[0].command[0]))]));
const checked = (edit: (hc: Props) => void) => containers((cs) => cs.filter((c) => c.healthCheck).forEach((c) => edit(c.healthCheck)));

const ACLS = ["aws-msk-acls-runbook"];
const MSK = ["aws-msk-cluster-configuration"];
const HEALTH = ["aws-ecs-health-timing"];
const DEST = ["aws-alert-forwarder-destinations"];

export function awsLoop13Mutations(rb: Runbook, plan: StackPlan): Mutation[] {
    const out: Mutation[] = [];
    const of = (type: string, match: (r: Planned) => boolean = () => true) => plan.resources.filter((r) => r.type === type && match(r));
    const add = (kind: string, policies: string[], targets: readonly Planned[], edit: (p: Props) => void, what: string) => {
        for (const r of sample(targets, PER_SWITCH, `${plan.stack}:${kind}`)) out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `A13:${kind}:${r.urn}`, edit: (pl) => editUrn(pl, r.urn, edit) });
    };
    const kafka = rb.data.kafka;
    const tasks = of("aws:ecs/taskDefinition:TaskDefinition");

    // 1. The MSK ACL task (capabilities/aws/msk.ts aclCommands).
    const aclTasks = tasks.filter((r) => /kafka-acls\.sh/.test(String((r.props as Props).containerDefinitions)));
    if (kafka && aclTasks.length) {
        const topic = kafka.topics[0].name;
        const app = /User:(\S+-app) /.exec(String((aclTasks[0].props as Props).containerDefinitions))?.[1];
        add("msk-acl-wildcard", ACLS, aclTasks, script((t) => t.replaceAll(`User:${app} `, "User:* ")), "app's ACLs → principal User:*");
        add("msk-acl-all", ACLS, aclTasks, script((t) => t.replace(`User:${app} --operation Read --operation Write --operation Describe`, `User:${app} --operation All`)), "app's topic ACL → operation All");
        add("msk-acl-topic", ACLS, aclTasks, script((t) => t.replace(`--operation Describe --topic ${topic}`, "--operation Describe --topic '*'")), "exporter's topic ACL → topic *");
        add("msk-acl-none", ACLS, aclTasks, script((t) => t.split(" && ").filter((c) => !/kafka-acls\.sh/.test(c)).join(" && ")), "every kafka-acls.sh call dropped");
        add("msk-acl-remove", ACLS, aclTasks, script((t) => `${t} && /opt/kafka/bin/kafka-acls.sh --remove --force --allow-principal User:${app} --topic ${topic}`), "an ACL removed after");
        add("msk-acl-prefixed", ACLS, aclTasks, script((t) => t.replace(`--operation Describe --topic ${topic}`, `--operation Describe --resource-pattern-type prefixed --topic ${topic.slice(0, 3)}`)), "a topic ACL → prefixed on its first letters");
        add("msk-alter", ACLS, aclTasks, script((t) => `${t} && /opt/kafka/bin/kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config min.insync.replicas=1`), "a topic's min.insync.replicas altered to 1 after");
        add("msk-topic-replication", ACLS, aclTasks, script((t) => t.replace(/--replication-factor \d+/, "--replication-factor 1")), "--replication-factor → 1");
        const runs = of("aws:lambda/invocation:Invocation", (r) => aclTasks.some((t) => String((r.props as Props).input).includes(t.name)));
        for (const r of sample(runs, PER_SWITCH, `${plan.stack}:msk-acl-unrun`)) {
            out.push({ id: `msk-acl-unrun: ${r.name} deleted`, how: "plan edit", policies: ACLS, batch: `A13:msk-acl-unrun:${r.urn}`, edit: (pl) => ({ ...pl, resources: pl.resources.filter((x) => x.urn !== r.urn) }) });
        }
    }
    add("msk-login", ACLS, of("aws:msk/scramSecretAssociation:ScramSecretAssociation"), (p) => (p.secretArnLists = [...p.secretArnLists, "arn:aws:secretsmanager:us-east-1:210987654321:secret:AmazonMSK_ops-AbCdEf"]), "a login secret from another account associated");
    // 2. The MSK cluster's configuration.
    const clusters = of("aws:msk/cluster:Cluster");
    add("msk-config-none", MSK, clusters, (p) => delete p.configurationInfo, "configurationInfo removed");
    add("msk-config-other", MSK, clusters, (p) => (p.configurationInfo = { ...p.configurationInfo, arn: "arn:aws:kafka:us-east-1:123456789012:configuration/not-this-stack/0a1b2c3d" }), "configurationInfo.arn → a configuration not of the stack");

    // 3. ECS health timing of the runbook services' containers, services and target groups.
    const serviceTasks = tasks.filter((r) => /"healthCheck"/.test(String((r.props as Props).containerDefinitions)) && serviceOf(rb, String((r.props as Props).family ?? ""), r.name));
    add("ecs-hc-slow", HEALTH, serviceTasks, checked((hc) => ((hc.interval = hc.interval * 2), (hc.retries = hc.retries * 2))), "healthCheck interval and retries doubled");
    add("ecs-hc-start", HEALTH, serviceTasks, checked((hc) => (hc.startPeriod = hc.startPeriod * 5)), "healthCheck startPeriod × 5");
    add("ecs-hc-timeout", HEALTH, serviceTasks, checked((hc) => (hc.timeout = hc.interval)), "healthCheck timeout → its interval");
    add("ecs-hc-always", HEALTH, serviceTasks, checked((hc) => (hc.command = [...hc.command.slice(0, -1), `${hc.command.at(-1)} || true`])), "healthCheck command ends || true");
    add("ecs-essential", HEALTH, serviceTasks, containers((cs) => cs.filter((c) => c.healthCheck).forEach((c) => (c.essential = false))), "app container essential → false");
    add("ecs-grace", HEALTH, of("aws:ecs/service:Service", (r) => typeof (r.props as Props).healthCheckGracePeriodSeconds === "number" && !!serviceOf(rb, String((r.props as Props).name ?? ""), r.name)), (p) => (p.healthCheckGracePeriodSeconds = 3600), "healthCheckGracePeriodSeconds → 3600");
    const down = rb.alerts.find((a) => a.id === "service-down")?.levels[0];
    if (down) {
        const slow = durationSeconds(down.for);
        add("tg-drain", HEALTH, of("aws:lb/targetGroup:TargetGroup", (r) => !!serviceOf(rb, String((r.props as Props).name ?? ""), r.name)), (p) => (p.healthCheck = { ...p.healthCheck, interval: slow, unhealthyThreshold: 2 }), `healthCheck interval → ${down.for}, unhealthyThreshold → 2`);
    }

    // 5. Where the alerts go: the forwarders' destinations, the stored webhook and key, the e-mail.
    const fns = of("aws:lambda/function:Function");
    const vars = (r: Planned) => ((r.props as Props).environment?.variables ?? {}) as Props;
    add("pager-url", DEST, fns.filter((r) => vars(r).EVENTS_URL === PAGERDUTY_EVENTS_URL), (p) => (p.environment.variables.EVENTS_URL = "https://events.example.com/v2/enqueue"), "EVENTS_URL → another host");
    add("chat-channel", DEST, fns.filter((r) => typeof vars(r).CHANNEL === "string"), (p) => (p.environment.variables.CHANNEL = "#random"), "CHANNEL → #random");
    const versions = of("aws:secretsmanager/secretVersion:SecretVersion");
    add("chat-webhook", DEST, versions.filter((r) => /chat-webhook/.test(r.name)), (p) => (p.secretString = "https://webhook.example.com/collect"), "webhook → another host");
    add("pager-key", DEST, versions.filter((r) => /pager-routing-key/.test(r.name)), (p) => (p.secretString = "none"), "routing key → none");
    if (rb.incident.channels.email) add("alert-email", DEST, of("aws:sns/topicSubscription:TopicSubscription", (r) => (r.props as Props).protocol === "email"), (p) => (p.endpoint = "someone@example.com"), "endpoint → another address");
    return out;
}
