import { finding, label, stackRule } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray } from "../lib/values";

const CLUSTER = "aws:msk/cluster:Cluster";
const ASSOCIATION = "aws:msk/scramSecretAssociation:ScramSecretAssociation";
const SECRET = "aws:secretsmanager/secret:Secret";
/** MSK reads SCRAM logins only from secrets named with this prefix. */
const SCRAM_PREFIX = "AmazonMSK_";

/**
 * Kafka authenticates its clients (FSBP MSK.6, checkov CKV_AWS_80's spirit): no unauthenticated
 * access, at least one of SASL/SCRAM, IAM or mutual TLS, and with SCRAM the logins associated with
 * the cluster from `AmazonMSK_` secrets under a customer-managed key (MSK refuses AWS-managed ones).
 */
export const awsMskClusterClientAuthentication = stackRule({
    name: "aws-msk-cluster-client-authentication",
    description: "MSK clusters refuse unauthenticated clients and authenticate them with SASL/SCRAM (associated AmazonMSK_ secrets under a customer key), IAM or mutual TLS.",
    tier: "security",
    target: "aws",
    remediationSteps: "Set clientAuthentication {sasl: {scram: true}, unauthenticated: false} and associate the logins' AmazonMSK_ secrets (kmsKeyId: the data key) with aws.msk.ScramSecretAssociation.",
    notApplicable: (resources, ctx) => absentTarget(resources, "aws") ?? (ofType(resources, CLUSTER).length ? undefined : `${ctx.app} has no MSK cluster`),
    check: (resources) =>
        ofType(resources, CLUSTER).flatMap((c) => {
            const auth = c.props.clientAuthentication;
            const out = [];
            if (!auth || auth.unauthenticated !== false) {
                out.push(finding(`${label(c)}: clientAuthentication.unauthenticated is ${auth?.unauthenticated ?? "unset (MSK then allows it)"}; set it to false`, { urn: c.urn }));
            }
            const scram = auth?.sasl?.scram === true;
            const methods = [scram && "SASL/SCRAM", auth?.sasl?.iam === true && "IAM", asArray(auth?.tls?.certificateAuthorityArns).length > 0 && "mutual TLS"].filter(Boolean);
            if (methods.length === 0) out.push(finding(`${label(c)}: no client authentication method (sasl.scram, sasl.iam or tls.certificateAuthorityArns) is enabled`, { urn: c.urn }));
            if (scram) {
                const associations = ofType(resources, ASSOCIATION).filter((a) => (a.dependencies ?? []).includes(c.urn));
                if (associations.length === 0) out.push(finding(`${label(c)}: SASL/SCRAM is on but no ScramSecretAssociation gives it logins`, { urn: c.urn }));
                for (const a of associations) {
                    const secrets = ofType(resources, SECRET).filter((s) => (a.dependencies ?? []).includes(s.urn));
                    if (secrets.length === 0 && asArray(a.props.secretArnLists).length === 0) out.push(finding(`${label(a)}: associates no secret`, { urn: a.urn }));
                    for (const s of secrets) {
                        const name = s.props.name;
                        if (typeof name === "string" && !name.startsWith(SCRAM_PREFIX)) out.push(finding(`${label(s)}: named ${name}; MSK reads SCRAM logins only from secrets named ${SCRAM_PREFIX}...`, { urn: s.urn }));
                        if (!s.props.kmsKeyId) out.push(finding(`${label(s)}: no kmsKeyId; MSK SCRAM secrets need a customer-managed key`, { urn: s.urn }));
                    }
                }
            }
            return out;
        }),
});
