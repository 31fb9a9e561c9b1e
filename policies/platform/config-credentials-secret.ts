import { stackRule, finding } from "../lib/policy";

/**
 * The pager, chat, mail and dead man's switch credentials are set with `pulumi config set --secret`:
 * a committed stack file that holds one in plain text publishes it with every clone. Read from the
 * stack file itself (the engine hands the pack its config decrypted, with no trace of `secure:`),
 * so it is caught whether or not the value reaches a resource.
 */
export const platformConfigCredentialsSecret = stackRule({
    name: "platform-config-credentials-secret",
    description: "The stack file holds the pager, chat, mail and dead man's switch credentials only as `secure:` values, never in plain text.",
    tier: "security",
    target: "any",
    remediationSteps: "Remove the plain value from the stack file and run `pulumi config set --secret runbook-platform:<key> <value> -s <stack>`.",
    check: (_resources, ctx) =>
        ctx.plaintextCredentials.map((c) =>
            finding(`stacks/Pulumi.${ctx.stack}.yaml holds ${c.key} in plain text; run \`pulumi config set --secret ${c.key} <value> -s ${ctx.stack}\` instead`),
        ),
});
