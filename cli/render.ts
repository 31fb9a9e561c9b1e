import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { APP_IDS, ENVS, type AppId, type Env, type Runbook } from "../runbooks";
import { receiverKindFor, renderArtifacts, type Artifact } from "../capabilities/alerting/artifacts";
import type { Receivers, SmtpSettings } from "../capabilities/alerting/routing";
import { ampReceivers, partitionOf, stackTopicArns } from "../capabilities/aws/alertmanager";
import { awsNames } from "../capabilities/aws/names";
import { reachabilityPages } from "../capabilities/aws/reachability";
import { publicEndpoints } from "../capabilities/reachability";
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
/** The account the AMP topics are rendered in when the stack names none (`aws:allowedAccountIds`) and `--account-id` is not given. */
export const PLACEHOLDER_ACCOUNT = "000000000000";

/** What the render knows of where an AWS stack deploys: its env (the topics' names), region and, when known, account. */
export interface AwsRenderTarget {
    readonly env: Env;
    readonly region: string;
    readonly accountId?: string;
}

/**
 * Receivers for a local render. Direct receivers (Docker, Kubernetes) are syntactically valid and
 * obviously fake (`.invalid` hosts), so the files pass amtool without any secret; the Pulumi
 * targets pass the real ones. On AWS the receivers are the stack's SNS topics, named as the
 * program names them: with the account known, the ARNs are the deployed ones; without it they
 * carry account 000000000000.
 */
export function placeholderReceivers(runbook: Runbook, target: Target, smtp: SmtpSettings | undefined, aws: AwsRenderTarget): Receivers {
    if (receiverKindFor(target) === "sns") {
        const prefix = awsNames(runbook.app, aws.env).prefix;
        return ampReceivers(aws.region, stackTopicArns(prefix, partitionOf(aws.region), aws.region, aws.accountId ?? PLACEHOLDER_ACCOUNT));
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

const PLACEHOLDER_NOTE = `# Receiver values in this file are placeholders written by \`npm run render\` (hosts ending in .invalid, "${MARKER}" markers, AWS account ${PLACEHOLDER_ACCOUNT}); the Pulumi targets render it with the real ones from stack secrets.`;

/** The account a render writes AWS ARNs for: `--account-id`, else the stack's only `aws:allowedAccountIds` entry. */
function renderAccount(stack: string, given: string | undefined, allowed: readonly string[] | undefined): string | undefined {
    if (given !== undefined) {
        if (!/^\d{12}$/.test(given)) throw new Error(`${stack}: --account-id "${given}" is not an AWS account id; allowed: 12 digits`);
        if (allowed?.length && !allowed.includes(given)) throw new Error(`${stack}: --account-id ${given} is not in the stack's aws:allowedAccountIds (${allowed.join(", ")})`);
        return given;
    }
    return allowed?.length === 1 ? allowed[0] : undefined;
}

/**
 * The stack's files as its program renders them: from the stack's own configuration (overrides,
 * hosts, target, mail relay, region), validated as `pulumi up` validates it, so a bad stack file
 * stops the render with the same message. `stackFileText` replaces the committed stack file
 * (tests); `account` is the AWS account the stack deploys to (default: the stack's only
 * `aws:allowedAccountIds` entry). On AWS with the account known, the AMP alert manager definition
 * is byte for byte the one the program deploys.
 */
export function renderStack(stack: string, target?: Target, stackFileText?: string, account?: string): Artifact[] {
    parseStack(stack);
    const context = resolveStack(stack, readStackConfig(stack, stackFileText).config);
    const runbook = context.runbook;
    const t = target ?? context.target;
    const accountId = t === "aws" ? renderAccount(stack, account, context.awsAccess?.allowedAccountIds) : undefined;
    const receivers = placeholderReceivers(runbook, t, context.settings.alerting?.smtp, { env: context.env, region: context.region ?? runbook.aws.region, ...(accountId ? { accountId } : {}) });
    // Only placeholders need the note; the AMP definition with the account known is exactly what is deployed.
    const placeholders = (a: Artifact) => a.path.startsWith("alertmanager/") && (receivers.kind === "direct" || !accountId);
    // On AWS the Route 53 reachability alarms page for the published services' outages (routing.ts `PagedByAlarm`).
    const paged = t === "aws" ? reachabilityPages(runbook, publicEndpoints(runbook, context.hosts)) : undefined;
    return renderArtifacts(runbook, context.env, t, receivers, paged).map((a) => (placeholders(a) ? { path: a.path, content: `${PLACEHOLDER_NOTE}\n${a.content}` } : a));
}

function main(argv: string[]): void {
    const program = new Command()
        .name("render")
        .description("Write the generated alerting, routing and dashboard files of one stack.")
        .requiredOption("--stack <stack>", `<app>-<env>, one of: ${STACKS.join(", ")}`)
        .requiredOption("--out <dir>", "directory to write into")
        .option("--target <target>", `${TARGETS.join(" | ")}; defaults to the stack's \`target\`, else the env's (${ENVS.map((e) => `${e}: ${DEFAULT_TARGET[e]}`).join(", ")})`)
        .option("--account-id <id>", "aws: the account the stack deploys to, so the AMP alert manager definition carries its topic ARNs; defaults to the stack's only aws:allowedAccountIds entry")
        .parse(argv);
    const opts = program.opts<{ stack: string; out: string; target?: string; accountId?: string }>();
    if (opts.target !== undefined && !(TARGETS as readonly string[]).includes(opts.target)) {
        throw new Error(`unknown target "${opts.target}"; allowed targets: ${TARGETS.join(", ")}`);
    }
    const artifacts = renderStack(opts.stack, opts.target as Target | undefined, undefined, opts.accountId);
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
