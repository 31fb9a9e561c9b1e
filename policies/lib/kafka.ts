import { kafkaBrokerConfig } from "../../capabilities/datastores";
import type { Runbook } from "../../runbooks";

type Kafka = NonNullable<Runbook["data"]["kafka"]>;

/**
 * Kafka settings whose value, set explicitly, is as safe as leaving it out: Kafka's own defaults
 * for the two switches that would otherwise loosen the platform's generated settings.
 */
const SAFE_EXTRAS: Readonly<Record<string, string>> = { "unclean.leader.election.enable": "false", "allow.everyone.if.no.acl.found": "false" };

/** Why a key the platform does not generate matters, for the finding. */
const WHY: Readonly<Record<string, string>> = {
    "unclean.leader.election.enable": "an out-of-sync replica may then lead and drop acknowledged writes",
    "allow.everyone.if.no.acl.found": "every login may then use whatever no ACL names",
    "retention.ms": "records are deleted sooner than Kafka's default retention",
    "retention.bytes": "records are deleted once a partition holds that much",
};
const why = (key: string) => WHY[key] ?? (/retention|segment|cleanup|delete/.test(key) ? "it changes how long records are kept" : "it is not one of the settings the platform generates");

/** `k=v` lines of a server.properties text (comments and blank lines skipped). */
export function parseProperties(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^\s*([^#!=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
        if (m) out[m[1]] = m[2];
    }
    return out;
}

/**
 * How a planned Kafka config (broker or topic) is weaker than the generated one: a generated number
 * lowered or removed, a generated switch changed, or a key the platform does not set at all (other
 * than a safe default spelled out). Each entry reads "<key> is <planned> ...".
 */
export function configWeakenings(planned: Record<string, unknown>, generated: Readonly<Record<string, string>>): string[] {
    const out: string[] = [];
    for (const [key, want] of Object.entries(generated)) {
        const have = planned[key];
        const numeric = /^\d+$/.test(want);
        if (have === undefined || have === null) out.push(`${key} is unset (the platform sets ${want}; Kafka's default is weaker)`);
        else if (numeric ? !(Number(have) >= Number(want)) : String(have) !== want) out.push(`${key} is ${String(have)}; the platform sets ${want}${numeric ? " (at least)" : ""}`);
    }
    for (const [key, have] of Object.entries(planned)) {
        if (key in generated || SAFE_EXTRAS[key] === String(have)) continue;
        out.push(`${key} is ${String(have)}, a setting the platform does not generate: ${why(key)}`);
    }
    return out;
}

/** The broker settings the platform generates from the runbook's Kafka (capabilities/datastores.ts). */
export function generatedBrokerConfig(kafka: Kafka): Record<string, string> {
    return kafkaBrokerConfig(kafka);
}

/** The runbook's topic of a name, if any. */
export function runbookTopic(kafka: Kafka, name: unknown): Kafka["topics"][number] | undefined {
    return kafka.topics.find((t) => t.name === name);
}
