import { isUnknown } from "../lib/inputs";
import { cite, finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { isRecord, num } from "../lib/values";

const CLUSTER = "aws:msk/cluster:Cluster";
const CONFIGURATION = "aws:msk/configuration:Configuration";

/**
 * Whether a configuration ARN names this configuration: MSK's `…:configuration/<name>/<uuid>`, or
 * (offline plans) the harness's `…:<logical name>`.
 */
function names(arn: string, config: Subject): boolean {
    const name = config.props.name;
    return (typeof name === "string" && arn.includes(`:configuration/${name}/`)) || arn.endsWith(`:${config.name}`);
}

/**
 * Why a known revision is not the configuration's current one, or undefined. The engine sends a
 * stack policy each resource's outputs: an existing configuration's `latestRevision` is known, and
 * the cluster must name exactly it; while the configuration is created or changes, its
 * latestRevision is unknown until deploy (so is a revision taken from it), and a revision known
 * already is a literal that will not follow the new revision. Where no latestRevision is sent at
 * all (an inputs-only view, the offline plan) there is nothing to compare.
 */
function pinnedRevision(revision: number, config: Subject): string | undefined {
    if (!("latestRevision" in config.props)) return undefined;
    const latest = config.props.latestRevision;
    if (isUnknown(latest)) return "a literal while the configuration's latestRevision is unknown until deploy (the configuration is created or changes in this update)";
    const n = num(latest);
    return n !== undefined && n !== revision ? `not the configuration's latestRevision ${n}` : undefined;
}

/**
 * The brokers run the configuration that holds the runbook's server properties (issue 13):
 * aws-msk-configuration-server-properties checks an `aws:msk/configuration` resource, which guards
 * nothing unless the cluster's `configurationInfo` points at it. A cluster with no configurationInfo
 * runs MSK's default configuration (min.insync.replicas 1, allow.everyone.if.no.acl.found true);
 * one naming a configuration ARN that is not the stack's runs settings no policy has read.
 */
export const awsMskClusterConfiguration = stackRule({
    name: "aws-msk-cluster-configuration",
    description: "Every MSK cluster's configurationInfo names a configuration of the stack (the one aws-msk-configuration-server-properties checks) at its latest revision (the configuration's latestRevision where the engine knows it; no literal revision while that is unknown): no cluster on MSK's default configuration, on a configuration from outside the stack, or pinned to an older revision.",
    tier: "runbook",
    target: "aws",
    remediationSteps: "Set configurationInfo {arn: configuration.arn, revision: configuration.latestRevision} from the stack's aws.msk.Configuration (components/targets/aws/kafka.ts).",
    notApplicable: (resources, ctx) => absentTarget(resources, "aws") ?? (ctx.runbook.data.kafka && ofType(resources, CLUSTER).length ? undefined : `${ctx.app} has no MSK cluster`),
    check: (resources, ctx) => {
        const kafka = ctx.runbook.data.kafka!;
        const configs = ofType(resources, CONFIGURATION);
        const allowed = `allowed: a configuration of this stack (${configs.map((c) => label(c)).join(", ") || "none planned"}) holding the generated server.properties from the runbook's data.kafka ${cite(kafka.source)}`;
        const key = "data.kafka.minInsyncReplicas";
        return ofType(resources, CLUSTER).flatMap((cluster): Finding[] => {
            const info = cluster.props.configurationInfo;
            if (isUnknown(info)) return [];
            if (!isRecord(info)) return [finding(`${label(cluster)}: configurationInfo is unset: the brokers run MSK's default configuration (min.insync.replicas 1, allow.everyone.if.no.acl.found true), not the runbook's server properties; ${allowed}`, { urn: cluster.urn, key })];
            const out: Finding[] = [];
            const deps = new Set(cluster.dependencies ?? []);
            const arn = info.arn;
            const ours = isUnknown(arn) ? configs.some((c) => deps.has(c.urn)) : typeof arn === "string" && configs.some((c) => names(arn, c));
            if (!ours) out.push(finding(`${label(cluster)}: configurationInfo.arn is ${JSON.stringify(isUnknown(arn) ? "(unknown, from no configuration of the stack)" : (arn ?? null))}, not a configuration of this stack: the brokers run server properties no policy has read; ${allowed}`, { urn: cluster.urn, key }));
            const revision = info.revision;
            if (!isUnknown(revision) && !(Number.isInteger(num(revision)) && num(revision)! >= 1)) out.push(finding(`${label(cluster)}: configurationInfo.revision is ${JSON.stringify(revision ?? null)}, not a revision of the configuration (a whole number >= 1: its latestRevision); ${allowed}`, { urn: cluster.urn, key }));
            else if (!isUnknown(revision)) {
                const config = isUnknown(arn) ? configs.find((c) => deps.has(c.urn)) : configs.find((c) => typeof arn === "string" && names(arn, c));
                const pinned = config && pinnedRevision(num(revision)!, config);
                if (pinned) out.push(finding(`${label(cluster)}: configurationInfo.revision is ${revision}, ${pinned}: the brokers stay on a pinned revision of ${label(config)}, not the server properties the stack now generates from the runbook's data.kafka ${cite(kafka.source)}; allowed: revision = the configuration's latestRevision (configurationInfo.revision: configuration.latestRevision)`, { urn: cluster.urn, key }));
            }
            return out;
        });
    },
});
