import { envLiteralReason, literalReason, secretCandidates, sourceLiterals, sourcesOf } from "../lib/credentials";
import { finding, label, resourceRule } from "../lib/policy";

/**
 * No credential written in clear. The engine shows a policy secrets unwrapped, so this decides by
 * the value and where it flows (`policies/lib/credentials.ts`), never by secret markings or length.
 */
export const platformNoLiteralSecrets = resourceRule({
    name: "platform-no-literal-secrets",
    description: "Credentials are never written in clear: no runbook or vendor-default password, no plain-text operator credential from stack config, no token in a function's source, no literal value in a Kubernetes or ECS environment variable named as a credential.",
    tier: "security",
    target: "any",
    types: ["*"],
    remediationSteps:
        "Take the value from args.secrets (RandomPassword .result) or args.receivers; set operator credentials with `pulumi config set --secret runbook-platform:<key> <value>`; read credentials in functions from Secrets Manager at run time.",
    check: (s, ctx) => {
        const out = secretCandidates(s).flatMap((c) => {
            const why = literalReason(c.value, ctx) ?? envLiteralReason(c, s.type);
            return why ? [finding(`${label(s)}: ${c.path} (${c.why}) holds ${why}; use a generated Pulumi secret or \`pulumi config set --secret\``)] : [];
        });
        for (const src of sourcesOf(s)) {
            for (const l of sourceLiterals(src.text)) out.push(finding(`${label(s)}: its source ${src.path} holds ${l.why}, in clear in the code; read it at run time from a secret store`));
        }
        return out;
    },
});
