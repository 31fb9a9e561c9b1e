import { configWeakenings, generatedBrokerConfig, parseProperties } from "../lib/kafka";
import { cite, finding, label, resourceRule } from "../lib/policy";

/**
 * MSK's broker configuration keeps the runbook's replication guarantees: the generated
 * `server.properties` (capabilities/aws/msk.ts, from `data.kafka`) with no number lowered and no
 * setting added that loosens them — unclean leader election, shorter retention, or
 * `allow.everyone.if.no.acl.found=true`, which hands every SCRAM login whatever no ACL names.
 */
export const awsMskConfigurationServerProperties = resourceRule({
    name: "aws-msk-configuration-server-properties",
    description: "The MSK configuration's server.properties keeps the runbook's replication factor and min.insync.replicas and adds no setting that loosens them or opens unnamed resources to every login.",
    tier: "runbook",
    target: "aws",
    types: ["aws:msk/configuration:Configuration"],
    remediationSteps: "Use the generated serverProperties (capabilities/aws/msk.ts mskServerProperties); to change a number, change the runbook's data.kafka.",
    check: (s, ctx) => {
        const kafka = ctx.runbook.data.kafka;
        if (!kafka) return [];
        const text = s.props.serverProperties;
        if (typeof text !== "string") return [finding(`${label(s)}: serverProperties is ${text === undefined ? "unset" : "not a text"}; MSK's defaults (min.insync.replicas 1) lose acknowledged writes; allowed: the generated server.properties from the runbook's data.kafka ${cite(kafka.source)}`, { key: "data.kafka.minInsyncReplicas" })];
        return configWeakenings(parseProperties(text), generatedBrokerConfig(kafka)).map((w) =>
            finding(`${label(s)}: serverProperties ${w}; allowed: the generated server.properties from the runbook's data.kafka ${cite(kafka.source)}`, { key: "data.kafka.minInsyncReplicas" }),
        );
    },
});
