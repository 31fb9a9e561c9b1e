import test from "ava";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack } from "../../cli/harness/runtime";
import { readStackConfig, STACKS_DIR } from "../../cli/harness/stack-files";
import { ConfigError, OPERATOR_SECRETS, OPTIONAL_OPERATOR_SECRETS, PROJECT, plaintextSecretProblems, resolveStack } from "../../stacks/settings";

/**
 * An operator credential (pager key, chat webhook, mail password, dead man's switch URL) typed
 * into a stack file as plain text stops the program, naming the key and the command that stores
 * it as a secret, and never repeating the value.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const CREDENTIALS = [...OPERATOR_SECRETS, ...OPTIONAL_OPERATOR_SECRETS];
// A stack whose Alertmanager sends every delivery itself, so each credential is one it reads.
const STACK = "formula-pm-staging";
const VALUE = "R0ut1ngK3yTh4tMustN0tB3Pr1nted";

function withConfig(extra: Record<string, unknown>): string {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return YAML.stringify({
        config: {
            ...doc.config,
            // smtpPassword is only allowed with a mail relay and its user.
            [`${PROJECT}:alerting`]: { smtp: { smarthost: "smtp.example.com:587", from: "alertmanager@example.com", authUsername: "alertmanager" } },
            ...extra,
        },
    });
}

test("the four operator credentials are the ones the check covers", (t) => {
    t.deepEqual([...CREDENTIALS].sort(), ["deadMansSwitchUrl", "pagerdutyRoutingKey", "slackWebhookUrl", "smtpPassword"]);
});

// The mock engine is process-global: plans run one at a time.
for (const name of CREDENTIALS) {
    const key = `${PROJECT}:${name}`;
    test.serial(`${key} in plain text stops the program with the key and the command, without the value`, async (t) => {
        const err = await t.throwsAsync(planStack(STACK, { stackFileText: withConfig({ [key]: VALUE }) }), { instanceOf: ConfigError });
        t.true(err!.message.includes(`stack ${STACK}: invalid configuration`));
        t.true(err!.message.includes(`${key} = (plain text, not shown)`), err!.message);
        t.true(err!.message.includes(`pulumi config set --secret ${key} <value> -s ${STACK}`), err!.message);
        t.false(err!.message.includes(VALUE), "the message repeats the secret");
    });

    test.serial(`${key} as a secure: value is accepted`, async (t) => {
        const plan = await planStack(STACK, { stackFileText: withConfig({ [key]: { secure: "AAABAJ0yZ2VuY3J5cHRlZA==" } }) });
        t.true(plan.resources.length > 0);
    });
}

test("the check decides from the keys Pulumi holds as secrets, not from the value's look", (t) => {
    const config = { [`${PROJECT}:pagerdutyRoutingKey`]: "[secret]", [`${PROJECT}:slackWebhookUrl`]: "https://hooks.slack.com/x" };
    t.deepEqual(plaintextSecretProblems(STACK, config, [`${PROJECT}:pagerdutyRoutingKey`, `${PROJECT}:slackWebhookUrl`]), []);
    const problems = plaintextSecretProblems(STACK, config, [`${PROJECT}:pagerdutyRoutingKey`]);
    t.is(problems.length, 1);
    t.regex(problems[0], /^runbook-platform:slackWebhookUrl = \(plain text, not shown\)/);
});

test("under the real CLI's convention (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS) the program tells a secret from plain text", (t) => {
    // A fresh process, configured the way the nodejs language host starts the program.
    const script = `
        const { isConfigSecret } = require("./stacks/program");
        process.stdout.write(JSON.stringify(["${PROJECT}:pagerdutyRoutingKey", "${PROJECT}:slackWebhookUrl"].map(isConfigSecret)));
    `;
    const r = spawnSync(process.execPath, ["--import=tsx", "-e", script], {
        cwd: ROOT,
        encoding: "utf8",
        env: {
            ...process.env,
            PULUMI_CONFIG: JSON.stringify({ [`${PROJECT}:pagerdutyRoutingKey`]: "k", [`${PROJECT}:slackWebhookUrl`]: "https://hooks.slack.com/x" }),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify([`${PROJECT}:pagerdutyRoutingKey`]),
        },
    });
    t.is(r.status, 0, r.stderr);
    t.deepEqual(JSON.parse(r.stdout), [true, false]);
});

test("a plaintext credential is listed with the stack's other problems, not alone", (t) => {
    const stack = "gravitypm-production";
    const base = readStackConfig(stack).config;
    const config: Record<string, string> = { ...base, "runbook-platform:pagerdutyRoutingKey": "0123456789abcdef0123456789abcdef", "runbook-platform:target": "mainframe" };
    const err = t.throws(() => resolveStack(stack, config, []), { instanceOf: ConfigError });
    t.true(err!.message.includes("runbook-platform:pagerdutyRoutingKey"), err!.message);
    t.true(err!.message.includes("runbook-platform:target"), err!.message);
    t.false(err!.message.includes("0123456789abcdef0123456789abcdef"), "the credential's value is never repeated");
});
