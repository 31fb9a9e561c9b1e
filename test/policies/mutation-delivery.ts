import YAML from "yaml";
import type { StackPlan } from "../../cli/harness/runtime";
import type { Runbook } from "../../runbooks";
import { receiverName } from "../../capabilities/alerting/routing";
import { ALARM_ACTIONS_TARGET } from "../../capabilities/aws/maintenance-mute";
import { TASK_RUNNER_SOURCE } from "../../capabilities/aws/task-runner";
import type { Mutation } from "./mutation-lib";
import { editUrn, type Props } from "./plan-edits";

/**
 * Alert delivery off-switches (review of issue 13, items 1, 2, 8, 22, 23), each one edit of the
 * baseline plan: a filter policy that drops every notification of a channel, a forwarder or the
 * one-off runner cut to a 1 s timeout or throttled to zero, an extra schedule that switches every
 * alarm off, and the Alertmanager configuration (Kubernetes Secret, AMP definition) with a severity
 * or the Watchdog routed to a receiver without integrations, an inhibit rule that mutes every
 * warning, the critical inhibit rule's `equal` cut to [app], PagerDuty sent to another host, through
 * a proxy or at severity info, and a junk SNS message.
 */

type Planned = StackPlan["resources"][number];
const PIPE = ["aws-alerting-pipeline-intact"];
const K8S_PAGING = ["k8s-alertmanager-critical-paging"];
const AMP_PAGING = ["aws-amp-alertmanager-critical-paging"];


/** An Alertmanager configuration held in a plan's resource: where it is and how to write it back. */
interface Held {
    readonly present: (p: Props) => boolean;
    readonly read: (p: Props) => Props;
    readonly write: (p: Props, cfg: Props) => void;
}
const SECRET: Held = {
    present: (p) => typeof p.stringData?.["alertmanager.yaml"] === "string",
    read: (p) => YAML.parse(p.stringData["alertmanager.yaml"]),
    write: (p, c) => (p.stringData = { ...p.stringData, "alertmanager.yaml": YAML.stringify(c) }),
};
const AMP: Held = {
    present: (p) => typeof p.definition === "string",
    read: (p) => YAML.parse(YAML.parse(p.definition).alertmanager_config),
    write: (p, c) => (p.definition = YAML.stringify({ alertmanager_config: YAML.stringify(c) })),
};

export function deliveryMutations(rb: Runbook, plan: StackPlan): Mutation[] {
    const out: Mutation[] = [];
    const of = (type: string, match: (r: Planned) => boolean = () => true) => plan.resources.filter((r) => r.type === type && match(r));
    const add = (kind: string, policies: string[], targets: readonly Planned[], edit: (p: Props) => void, what: string) => {
        for (const r of targets.slice(0, 1)) out.push({ id: `${kind}: ${r.name} ${what}`, how: "plan edit", policies, batch: `L:${kind}:${r.urn}`, edit: (pl) => editUrn(pl, r.urn, edit) });
    };

    // 1. A filter policy that matches nothing, on the pager's and on a chat subscription (both scopes).
    const subs = of("aws:sns/topicSubscription:TopicSubscription", (r) => (r.props as Props).protocol === "lambda");
    add("sub-filter-pager", PIPE, subs.filter((r) => /pager/.test(String((r.props as Props).endpoint))), (p) => (p.filterPolicy = JSON.stringify({ nothing: ["never"] })), "filterPolicy matching nothing");
    add("sub-filter-chat", PIPE, subs.filter((r) => /chat/.test(String((r.props as Props).endpoint))), (p) => ((p.filterPolicyScope = "MessageBody"), (p.filterPolicy = JSON.stringify({ AlarmName: ["none"] }))), "filterPolicy (MessageBody) matching nothing");

    // 22. Forwarders and the one-off runner that cannot run.
    const fns = of("aws:lambda/function:Function");
    add("pager-timeout", PIPE, fns.filter((r) => typeof (r.props as Props).environment?.variables?.ROUTING_KEY_SECRET_ARN === "string"), (p) => (p.timeout = 1), "timeout → 1 s");
    const runner = fns.filter((r) => (r.props as Props).code?.assets?.["index.js"]?.text === TASK_RUNNER_SOURCE);
    add("runner-concurrency", ["aws-lambda-task-runner-limits"], runner, (p) => (p.reservedConcurrentExecutions = 0), "reservedConcurrentExecutions → 0");
    add("runner-timeout", ["aws-lambda-task-runner-limits"], runner, (p) => (p.timeout = 1), "timeout → 1 s");

    // 2. A schedule that switches every alarm's actions off every minute.
    const alarms = of("aws:cloudwatch/metricAlarm:MetricAlarm");
    if (alarms.length) {
        const t = alarms[0];
        const props = { name: "mute-all", scheduleExpression: "rate(1 minutes)", flexibleTimeWindow: { mode: "OFF" }, target: { arn: ALARM_ACTIONS_TARGET.disable, roleArn: "arn:aws:iam::123456789012:role/x", input: JSON.stringify({ AlarmNames: alarms.map((a) => (a.props as Props).name) }) } };
        const extra: Planned = {
            ...structuredClone(t),
            inputs: props,
            type: "aws:scheduler/schedule:Schedule",
            name: "mute-all",
            urn: t.urn.replace(/::[^:]+$/, "::mute-all").replace("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:scheduler/schedule:Schedule"),
            props,
        };
        out.push({ id: "schedule-mute-all: every alarm's actions disabled every minute", how: "plan edit", policies: PIPE, batch: "L:schedule-mute-all", edit: (pl) => ({ ...pl, resources: [...pl.resources, extra] }) });
    }

    // 8, 23. The Alertmanager configuration.
    const app = rb.app;
    const route = (c: Props, severity: string) => c.route.routes.find((r: Props) => (r.matchers ?? []).includes(`severity="${severity}"`));
    const receiver = (c: Props, role: Parameters<typeof receiverName>[1]) => c.receivers.find((r: Props) => r.name === receiverName(app, role));
    const am = (kind: string, policies: string[], held: Held, targets: readonly Planned[], edit: (c: Props) => void, what: string) =>
        add(kind, policies, targets, (p) => {
            // The engine's inputs may hold the configuration in another shape (or not at all): only where it is there.
            if (!held.present(p)) return;
            const c = held.read(p);
            edit(c);
            held.write(p, c);
        }, what);
    const secrets = of("kubernetes:core/v1:Secret", (r) => typeof (r.props as Props).stringData?.["alertmanager.yaml"] === "string");
    const defs = of("aws:amp/alertManagerDefinition:AlertManagerDefinition", (r) => typeof (r.props as Props).definition === "string");
    for (const [held, targets, policies, tag] of [[SECRET, secrets, K8S_PAGING, "am"], [AMP, defs, AMP_PAGING, "amp"]] as const) {
        am(`${tag}-warning-null`, policies, held, targets, (c) => (c.receivers.push({ name: "null" }), (route(c, "warning").receiver = "null")), "warning → a receiver without integrations");
        am(`${tag}-watchdog-null`, policies, held, targets, (c) => (c.receivers.push({ name: "null" }), (c.route.routes[0].receiver = "null")), "Watchdog → a receiver without integrations");
        am(`${tag}-watchdog-inhibits`, policies, held, targets, (c) => c.inhibit_rules.push({ source_matchers: ['alertname="Watchdog"'], target_matchers: ['severity="warning"'], equal: ["app"] }), "Watchdog inhibits every warning");
        am(`${tag}-inhibit-equal`, policies, held, targets, (c) => (c.inhibit_rules[0].equal = ["app"]), "critical inhibit rule's equal → [app]");
    }
    am("am-pager-url", K8S_PAGING, SECRET, secrets, (c) => (receiver(c, "critical").pagerduty_configs[0].url = "https://events.pagerduty.invalid/v2/enqueue"), "PagerDuty url → another host");
    am("am-pager-proxy", K8S_PAGING, SECRET, secrets, (c) => (receiver(c, "critical").pagerduty_configs[0].http_config = { proxy_url: "http://10.9.9.9:3128" }), "PagerDuty through a proxy");
    am("am-pager-severity", K8S_PAGING, SECRET, secrets, (c) => (receiver(c, "critical").pagerduty_configs[0].severity = "info"), "PagerDuty severity → info");
    am("amp-pager-message", AMP_PAGING, AMP, defs, (c) => (receiver(c, "critical").sns_configs[0].message = "an alert"), "SNS message → junk");
    return out;
}
