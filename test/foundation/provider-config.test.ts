import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack } from "../../cli/harness/runtime";
import { readStackConfig, STACKS_DIR } from "../../cli/harness/stack-files";
import { APP_IDS, getRunbook } from "../../runbooks";
import { ConfigError, PROJECT, PROVIDER_KEYS, resolveStack } from "../../stacks/settings";

/**
 * The program creates its providers explicitly, and an explicit provider reads no stack config by
 * itself: every provider key a stack may set is either passed on or refused with where its setting
 * lives, and a Kubernetes stack names its cluster context (review findings: `aws:profile` and
 * `kubernetes:context` were accepted and ignored; all staging stacks shared the current context).
 */

function fileText(stack: string, extra: Record<string, unknown> = {}, drop: string[] = []): string {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, any> };
    const config = { ...doc.config, ...extra };
    for (const d of drop) {
        const [key, sub] = d.split("#");
        if (sub) config[key] = Object.fromEntries(Object.entries(config[key] as Record<string, unknown>).filter(([k]) => k !== sub));
        else delete config[key];
    }
    return YAML.stringify({ config });
}
const resolve = (stack: string, text: string) => resolveStack(stack, readStackConfig(stack, text).config);

test("aws:profile and aws:allowedAccountIds reach the AWS provider the program creates", async (t) => {
    const stack = "bunty-production";
    const plan = await planStack(stack, { stackFileText: fileText(stack, { "aws:profile": "bunty-prod", "aws:allowedAccountIds": ["111111111111"] }) });
    const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws");
    if (!provider) return t.fail("no explicit AWS provider");
    t.is(provider.inputs.profile, "bunty-prod");
    t.deepEqual(JSON.parse(String(provider.inputs.allowedAccountIds)), ["111111111111"]);
});

test("a provider key the program does not read is refused, naming where its setting lives", (t) => {
    const k8s = t.throws(() => resolve("bunty-staging", fileText("bunty-staging", { "kubernetes:context": "other" })), { instanceOf: ConfigError });
    t.true(k8s!.message.includes(`kubernetes:context: the program creates its providers itself and does not read this key; set ${PROJECT}:kubernetes.context instead`), k8s!.message);
    const aws = t.throws(() => resolve("bunty-production", fileText("bunty-production", { "aws:skipCredentialsValidation": true })), { instanceOf: ConfigError });
    t.true(aws!.message.includes("aws:skipCredentialsValidation: the program creates its providers itself"), aws!.message);
    for (const key of Object.keys(PROVIDER_KEYS)) t.false(aws!.message.includes(`${key}:`), `${key} is read, not refused`);
    const ids = t.throws(() => resolve("bunty-production", fileText("bunty-production", { "aws:allowedAccountIds": ["12345"] })), { instanceOf: ConfigError });
    t.true(ids!.message.includes("aws:allowedAccountIds"), ids!.message);
    t.regex(ids!.message, /12-digit AWS account ids/);
});

test("every Kubernetes stack names its own cluster context; none is missing or shared", (t) => {
    const contexts = APP_IDS.map((app) => resolve(`${app}-staging`, fileText(`${app}-staging`)).settings.kubernetes?.context);
    t.false(contexts.includes(undefined));
    t.is(new Set(contexts).size, APP_IDS.length, "two apps' staging stacks share a context");
    const err = t.throws(() => resolve("bunty-staging", fileText("bunty-staging", {}, [`${PROJECT}:kubernetes#context`])), { instanceOf: ConfigError });
    t.true(err!.message.includes(`${PROJECT}:kubernetes.context = (missing)`), err!.message);
});

test("scaling overrides leave min <= desired <= max, or the keys are named", (t) => {
    const rb = getRunbook("gravitypm");
    const svc = rb.services[0];
    const key = `services.${svc.name}.scaling.min`;
    const err = t.throws(() => resolve("gravitypm-production", fileText("gravitypm-production", { [`${PROJECT}:overrides`]: { [key]: svc.scaling.max + 1 } })), { instanceOf: ConfigError });
    t.true(err!.message.includes(`${PROJECT}:overrides.${key}: leave ${svc.name} with min ${svc.scaling.max + 1}`), err!.message);
    t.regex(err!.message, /allowed: min <= desired <= max/);
    t.notThrows(() => resolve("gravitypm-production", fileText("gravitypm-production", { [`${PROJECT}:overrides`]: { [key]: svc.scaling.desired } })));
});

test("an override AWS cannot run is refused at the edge, naming the override, once per problem", (t) => {
    const rb = getRunbook("gravitypm");
    const dataset = rb.backups[0].dataset;
    const key = `backups.${dataset}.cron`;
    const err = t.throws(() => resolve("gravitypm-production", fileText("gravitypm-production", { [`${PROJECT}:overrides`]: { [key]: "*/5 * * * *" } })), { instanceOf: ConfigError });
    const lines = err!.message.split("\n").slice(1);
    t.true(lines.some((l) => l.includes(`${PROJECT}:overrides.${key}:`) && /AWS Backup runs at most hourly/.test(l)), err!.message);
    t.is(new Set(lines).size, lines.length, "a problem is listed twice");
});
