import { APP_IDS, ENVS, type AppId, type Env } from "../runbooks";

/**
 * The fleet's names: the Pulumi project, its stacks (every app × environment) and which of them
 * page a person. Pure, so the program (stacks/settings.ts), the CLIs and the policy pack share
 * them without the pack importing the program's config layer.
 */

export const PROJECT = "runbook-platform";

/** Secrets an operator sets with `pulumi config set --secret` (they come from outside: a pager key, a chat webhook). */
export const OPERATOR_SECRETS = ["pagerdutyRoutingKey", "slackWebhookUrl"] as const;
/**
 * Secrets that turn on more delivery where the stack's Alertmanager calls out itself (Docker,
 * Kubernetes): a dead man's switch's heartbeat URL for the Watchdog, and the mail relay's password
 * (with `alerting.smtp`). AWS has its own: a CloudWatch alarm on the heartbeat, SNS e-mail.
 */
export const OPTIONAL_OPERATOR_SECRETS = ["deadMansSwitchUrl", "smtpPassword"] as const;
export type OperatorSecret = (typeof OPERATOR_SECRETS)[number] | (typeof OPTIONAL_OPERATOR_SECRETS)[number];
/** Environments whose stacks must have the operator secrets: an alert there must reach a person. */
export const PAGED_ENVS: readonly Env[] = ["staging", "production"];

export class ConfigError extends Error {
    constructor(stack: string, problems: string[]) {
        super(`stack ${stack}: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}


export function allStacks(): string[] {
    return APP_IDS.flatMap((app) => ENVS.map((env) => `${app}-${env}`));
}


/** `pfm-community-production` → app and env; anything else is refused with the allowed names. */
export function parseStackName(stack: string): { app: AppId; env: Env } {
    const env = ENVS.find((e) => stack.endsWith(`-${e}`));
    const app = env && APP_IDS.find((a) => a === stack.slice(0, -(env.length + 1)));
    if (!env || !app) {
        throw new ConfigError(stack, [`unknown stack "${stack}"; allowed: <app>-<env> with app one of ${APP_IDS.join(", ")} and env one of ${ENVS.join(", ")}`]);
    }
    return { app, env };
}

