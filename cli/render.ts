import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { APP_IDS, ENVS, type AppId, type Env, type Runbook } from "../runbooks";
import { receiverKindFor, renderArtifacts, type Artifact } from "../capabilities/alerting/artifacts";
import type { Receivers, SmtpSettings } from "../capabilities/alerting/routing";
import { DEFAULT_TARGET, TARGETS, type Target } from "../capabilities/targets";
import { resolveStack } from "../stacks/settings";
import { readStackConfig } from "./harness/stack-files";

/** Every stack name: `<app>-<env>`. */
export const STACKS = APP_IDS.flatMap((app) => ENVS.map((env) => `${app}-${env}`));

/** `pfm-community-local` -> app and env; anything else throws with the allowed stacks listed. */
export function parseStack(stack: string): { app: AppId; env: Env } {
    const env = ENVS.find((e) => stack.endsWith(`-${e}`));
    const app = env && APP_IDS.find((a) => a === stack.slice(0, -(env.length + 1)));
    if (!env || !app) throw new Error(`unknown stack "${stack}"; allowed stacks: ${STACKS.join(", ")}`);
    return { app, env };
}

const MARKER = "from-pulumi-secret";

/**
 * Receivers for a local render: syntactically valid, obviously fake (`.invalid` hosts, account
 * 000000000000), so the files pass amtool without any secret. The Pulumi targets pass real ones.
 */
export function placeholderReceivers(runbook: Runbook, target: Target, smtp?: SmtpSettings): Receivers {
    if (receiverKindFor(target) === "sns") {
        const arn = (topic: string) => `arn:aws:sns:${runbook.aws.region}:000000000000:${runbook.app}-${topic}-${MARKER}`;
        return { kind: "sns", region: runbook.aws.region, pageTopicArn: arn("page"), chatTopicArn: arn("chat"), deadMansSwitchTopicArn: arn("deadmans-switch") };
    }
    return {
        kind: "direct",
        pagerdutyRoutingKey: `${MARKER}:pagerdutyRoutingKey`,
        slackWebhookUrl: `https://hooks.slack.invalid/${MARKER}/slackWebhookUrl`,
        deadMansSwitchUrl: `https://deadmans-switch.invalid/${MARKER}/deadMansSwitchUrl`,
        // The stack's own relay when it sets one (its password stays a secret, so it is left out).
        smtp: smtp ?? { smarthost: "smtp.invalid:587", from: `alertmanager@${runbook.app}.invalid` },
    };
}

const PLACEHOLDER_NOTE = `# Receiver values in this file are placeholders written by \`npm run render\` (hosts ending in .invalid, "${MARKER}" markers, AWS account 000000000000); the Pulumi targets render it with the real ones from stack secrets.`;

/**
 * The stack's files as its program renders them: from the stack's own configuration (overrides,
 * hosts, target, mail relay), validated as `pulumi up` validates it, so a bad stack file stops
 * the render with the same message. `stackFileText` replaces the committed stack file (tests).
 */
export function renderStack(stack: string, target?: Target, stackFileText?: string): Artifact[] {
    parseStack(stack);
    const context = resolveStack(stack, readStackConfig(stack, stackFileText).config);
    const runbook = context.runbook;
    const t = target ?? context.target;
    return renderArtifacts(runbook, context.env, t, placeholderReceivers(runbook, t, context.settings.alerting?.smtp)).map((a) =>
        a.path.startsWith("alertmanager/") ? { path: a.path, content: `${PLACEHOLDER_NOTE}\n${a.content}` } : a,
    );
}

function main(argv: string[]): void {
    const program = new Command()
        .name("render")
        .description("Write the generated alerting, routing and dashboard files of one stack.")
        .requiredOption("--stack <stack>", `<app>-<env>, one of: ${STACKS.join(", ")}`)
        .requiredOption("--out <dir>", "directory to write into")
        .option("--target <target>", `${TARGETS.join(" | ")}; defaults to the stack's \`target\`, else the env's (${ENVS.map((e) => `${e}: ${DEFAULT_TARGET[e]}`).join(", ")})`)
        .parse(argv);
    const opts = program.opts<{ stack: string; out: string; target?: string }>();
    if (opts.target !== undefined && !(TARGETS as readonly string[]).includes(opts.target)) {
        throw new Error(`unknown target "${opts.target}"; allowed targets: ${TARGETS.join(", ")}`);
    }
    const artifacts = renderStack(opts.stack, opts.target as Target | undefined);
    for (const a of artifacts) {
        const file = path.join(opts.out, ...a.path.split("/"));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, a.content);
    }
    process.stdout.write(`${artifacts.map((a) => path.join(opts.out, a.path)).join("\n")}\n`);
}

if (require.main === module) {
    try {
        main(process.argv);
    } catch (e) {
        process.stderr.write(`render: ${(e as Error).message}\n`);
        process.exitCode = 1;
    }
}
