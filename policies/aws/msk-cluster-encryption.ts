import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";

/** Kafka traffic is TLS between clients and brokers and between brokers, and brokers have no public address. */
export const awsMskClusterEncryption = resourceRule({
    name: "aws-msk-cluster-encryption",
    description: "MSK clusters use TLS between clients and brokers and within the cluster, and are not publicly accessible.",
    tier: "security",
    target: "aws",
    types: ["aws:msk/cluster:Cluster"],
    remediationSteps: "Set encryptionInfo.encryptionInTransit {clientBroker: \"TLS\", inCluster: true} and leave public access DISABLED.",
    check: (s) => {
        const p = inputsOf(s, aws.msk.Cluster);
        if (!p) return [];
        const out = [];
        const transit = p.encryptionInfo?.encryptionInTransit;
        const clientBroker = transit?.clientBroker ?? "TLS";
        if (clientBroker !== "TLS") out.push(finding(`${label(s)}: encryptionInfo.encryptionInTransit.clientBroker is ${clientBroker}; clients must connect over TLS only`));
        if (transit?.inCluster === false) out.push(finding(`${label(s)}: encryptionInfo.encryptionInTransit.inCluster is false; broker-to-broker traffic must be encrypted`));
        const pub = p.brokerNodeGroupInfo?.connectivityInfo?.publicAccess?.type;
        if (pub && pub !== "DISABLED") out.push(finding(`${label(s)}: brokerNodeGroupInfo.connectivityInfo.publicAccess.type is ${pub}; brokers must not be reachable from the internet`));
        return out;
    },
});
