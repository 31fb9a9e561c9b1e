import test from "ava";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import { validateResourceOfType, validateStackResourcesOfType, type PolicyResource } from "@pulumi/policy";
import { APP_IDS, getRunbook } from "../../runbooks";
import { affectedStacks, policyTable } from "../../cli/policy";
import { COVERAGE_POLICY_NAMES } from "../../policies/coverage";
import { ENFORCEMENT, toPolicy, resourceRule, type RunbookPolicy } from "../../policies/lib/policy";
import { reconcileConfig, runPolicies } from "../../policies/offline";
import { packConfigFor, policies, RULES } from "../../policies/pack";
import { secretLooking, seedLiterals } from "../../policies/lib/credentials";
import { platformNoLiteralSecrets } from "../../policies/platform/no-literal-secrets";
import { UNKNOWN_STRING } from "../../policies/lib/inputs";
import { check, fakePlan, urnOf, type Fake } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");

test("every policy: a unique <target>-<service>-<resource>-<rule> name, one sentence, a level, config defaults that are valid", (t) => {
    const names = policies.map((p) => p.name);
    t.is(new Set(names).size, names.length);
    for (const p of policies) {
        t.regex(p.name, /^(aws|k8s|docker|platform|runbook)-[a-z0-9]+(-[a-z0-9]+)+$/, p.name);
        t.regex(p.description, /^[A-Z][^]*\.$/, `${p.name}: one sentence`);
        t.is(p.description.split(/\.\s/).length, 1, `${p.name}: one sentence`);
        t.true(["mandatory", "advisory"].includes(String(p.enforcementLevel)), p.name);
        for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
            t.false(key === "enforcementLevel", `${p.name}: enforcementLevel is reserved`);
            if (typeof schema === "object" && schema.type === "object" && schema.additionalProperties) {
                t.deepEqual(Object.keys(schema.default as object).sort(), [...APP_IDS].sort(), `${p.name}.${key}: a default for every app`);
            }
        }
    }
    t.is(policies[policies.length - 1].name, "runbook-declared-exceptions");
});

test("config defaults are the runbooks' numbers, per app", (t) => {
    const alerts = policies.find((p) => p.name === "aws-amp-cloudwatch-runbook-alerts")!;
    const levels = (alerts.configSchema!.properties.levels as { default: Record<string, Record<string, { threshold: number; for: string }>> }).default;
    for (const app of APP_IDS) {
        for (const a of getRunbook(app).alerts) for (const l of a.levels) t.deepEqual(levels[app][`${a.id}.${l.severity}`], { threshold: l.threshold, for: l.for, direction: a.direction });
    }
    const logs = policies.find((p) => p.name === "aws-cloudwatch-loggroup-retention")!;
    t.is((logs.configSchema!.properties.retentionDays as { default: Record<string, number> }).default.bunty, getRunbook("bunty").logs.retentionDays);
});

test("enforcement per environment: runbook numbers block production and staging, security blocks everywhere, a laptop is advised", (t) => {
    t.deepEqual(ENFORCEMENT.runbook, { production: "mandatory", staging: "mandatory", local: "advisory" });
    t.deepEqual(ENFORCEMENT.security, { production: "mandatory", staging: "mandatory", local: "mandatory" });
    const local = packConfigFor("local");
    t.deepEqual(local["docker-container-limits"], { enforcementLevel: "advisory" });
    t.deepEqual(local["platform-no-literal-secrets"], { enforcementLevel: "mandatory" });
    t.deepEqual(packConfigFor("staging")["k8s-hpa-min-replicas"], { enforcementLevel: "advisory" });
    t.deepEqual(packConfigFor("production")["aws-rds-instance-multi-az"], { enforcementLevel: "mandatory" });
});

test("the engine's config reconciliation: schema defaults, then the pack's initial config, then `all`, a bare level, properties", (t) => {
    const result = reconcileConfig(policies, packConfigFor("local"), {
        all: "advisory",
        "aws-rds-instance-backup-retention": { enforcementLevel: "disabled", maxRetentionDays: 14 },
        "docker-container-limits": "mandatory",
    });
    t.is(result.get("aws-rds-instance-backup-retention")?.enforcementLevel, "disabled");
    t.is(result.get("aws-rds-instance-backup-retention")?.properties.maxRetentionDays, 14);
    t.truthy(result.get("aws-rds-instance-backup-retention")?.properties.backups, "other properties keep their schema defaults");
    t.is(result.get("docker-container-limits")?.enforcementLevel, "mandatory");
    t.is(result.get("platform-no-literal-secrets")?.enforcementLevel, "advisory", "`all` applies over the initial config");
});

const rdsFixture = (retention: number): Fake[] => [{ type: "aws:rds/instance:Instance", name: "db", protect: true, props: { backupRetentionPeriod: retention, storageEncrypted: true, multiAz: true, deletionProtection: true } }];

test("levels as the engine computes them: production blocks, local advises, config can disable or downgrade", async (t) => {
    const prod = await check("aws-rds-instance-backup-retention", "bunty-production", rdsFixture(1));
    t.is(prod.outcome.level, "mandatory");
    t.is(prod.violations[0].level, "mandatory");
    const local = await check("aws-rds-instance-backup-retention", "bunty-local", rdsFixture(1));
    t.is(local.violations[0].level, "advisory");
    const disabled = await check("aws-rds-instance-backup-retention", "bunty-production", rdsFixture(1), { config: { "aws-rds-instance-backup-retention": "disabled" } });
    t.is(disabled.outcome.status, "disabled");
    t.deepEqual(disabled.violations, []);
    const lowered = await check("aws-rds-instance-backup-retention", "bunty-production", rdsFixture(1), { config: { all: { enforcementLevel: "advisory" } } });
    t.is(lowered.violations[0].level, "advisory");
    const tightened = await check("aws-rds-instance-backup-retention", "bunty-production", rdsFixture(30), { config: { "aws-rds-instance-backup-retention": { maxRetentionDays: 35, backups: { bunty: { postgres: { every: "1d", retentionDays: 35 } } } } } });
    t.regex(tightened.messages.join("\n"), /must keep at least 35/, "a config value replaces the runbook default");
});

test("a declared exception turns a mandatory finding into an advisory one with the stack's reason", async (t) => {
    const exceptions = [{ key: "backups.postgres.retentionDays", reason: "the audit archive keeps monthly dumps for seven years" }];
    const plan = fakePlan("bunty-production", rdsFixture(7));
    const report = await runPolicies(plan, { exceptions });
    const main = report.outcomes.find((o) => o.name === "aws-rds-instance-backup-retention")!;
    t.deepEqual(main.violations, [], "the excepted number no longer blocks");
    const advisory = report.violations.filter((v) => v.policy === "runbook-declared-exceptions");
    t.is(advisory.length, 1);
    t.is(advisory[0].level, "advisory");
    t.regex(advisory[0].message, /backupRetentionPeriod is 7.*allowed by the exception declared in stacks\/Pulumi.bunty-production.yaml: the audit archive keeps monthly dumps/);
    const none = await runPolicies(plan, { exceptions: [] });
    t.is(none.outcomes.find((o) => o.name === "runbook-declared-exceptions")?.status, "not-applicable");
    t.is(none.outcomes.find((o) => o.name === "aws-rds-instance-backup-retention")?.violations[0]?.level, "mandatory");
});

test("isType/asType work for provider classes and typed validators take the engine's fast path", async (t) => {
    const seen: string[] = [];
    const typed: RunbookPolicy = {
        ...toPolicy(resourceRule({ name: "test-typed", description: "Test.", tier: "security", target: "aws", types: ["aws:rds/instance:Instance"], check: () => [] })),
        validateResource: validateResourceOfType(aws.rds.Instance, (props, args, report) => {
            seen.push(args.name);
            if (!args.isType(aws.rds.Instance) || args.isType(aws.s3.Bucket)) report("isType is wrong");
            const typedProps = args.asType(aws.rds.Instance);
            if (typedProps?.backupRetentionPeriod !== props.backupRetentionPeriod) report("asType is wrong");
            if (args.asType(aws.s3.Bucket) !== undefined) report("asType of another class is wrong");
            if (props.backupRetentionPeriod === 1) report("one day");
        }),
    } as RunbookPolicy;
    const stackTyped = {
        name: "test-stack-typed",
        description: "Test.",
        enforcementLevel: "mandatory" as const,
        validateStack: validateStackResourcesOfType(aws.rds.Instance, (dbs, args, report) => {
            const parents = args.resources.filter((r: PolicyResource) => r.parent).map((r) => r.parent!.name);
            report(`${dbs.length} db; parents ${parents.join(",")}; deps ${args.resources.flatMap((r) => r.dependencies.map((d) => d.name)).join(",")}`);
        }),
    } as unknown as RunbookPolicy;
    const resources: Fake[] = [{ type: "aws:s3/bucket:Bucket", name: "bucket", props: {} }, { ...rdsFixture(1)[0], parent: urnOf("bunty-production", "aws:s3/bucket:Bucket", "bucket"), dependsOn: ["bucket"] }];
    const report = await runPolicies(fakePlan("bunty-production", resources), { policies: [typed, stackTyped], exceptions: [] });
    t.deepEqual(seen, ["db"], "the typed validator ran for the RDS instance only");
    t.deepEqual(report.outcomes[0].violations.map((v) => v.message), ["one day"]);
    t.deepEqual(report.outcomes[1].violations.map((v) => v.message), ["1 db; parents bucket; deps bucket"]);
});

test("a stack policy with nothing to check is not applicable, with its reason", async (t) => {
    const r = await check("k8s-hpa-runbook-targets", "bunty-staging", [{ type: "aws:s3/bucket:Bucket", name: "b", props: {} }]);
    t.is(r.outcome.status, "not-applicable");
    t.regex(r.outcome.notApplicable ?? "", /registers no kubernetes resources/);
    const res = await check("aws-rds-instance-encryption", "bunty-production", [{ type: "aws:s3/bucket:Bucket", name: "b", props: {} }]);
    t.is(res.outcome.status, "not-applicable");
});

const ASSET = { "4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17" };
const ARCHIVE = { "4dabf18193072939515e22adb298388d": "0def7320c3a5731c473e5ecbe6d01bc7" };
const GENERATED = "kX9#mQ2vL7!pR4sT8wZ1yB6nC3";

test("platform-no-literal-secrets decides by the value and where it flows, not by secret markings the engine strips or by length", async (t) => {
    // A staging-like stack as the analyzer sees it: secrets unwrapped; user names, bucket names and access key ids beside generated passwords.
    const fakes = (): Fake[] => [
        { type: "aws:rds/instance:Instance", name: "db", secretPaths: ["password"], props: { password: GENERATED, username: "app", passwordWoVersion: 1 } },
        { type: "docker:index/container:Container", name: "redis", secretPaths: ["envs[1]"], props: { envs: ["REDIS_PORT=6379", `REDIS_PASSWORD=${GENERATED}`], command: ["redis-server", "/etc/redis.conf"] } },
        { type: "kubernetes:core/v1:Secret", name: "s", secretPaths: ["stringData"], props: { stringData: { "admin-user": "admin", username: "app", rootUser: "minio", password: GENERATED, "alertmanager.yaml": "route: {}" } } },
        { type: "kubernetes:helm.sh/v3:Release", name: "minio", props: { values: { rootUser: "root", users: [{ accessKey: "bunty-app", existingSecret: "bunty-app-minio", existingSecretKey: "password" }], buckets: [{ name: "bunty-files" }] } } },
        { type: "docker:index/container:Container", name: "am", secretPaths: ["uploads[0].content"], props: { uploads: [{ file: "am.yml", content: "receivers:\n- name: pager\n  pagerduty_configs:\n  - routing_key: 0123456789abcdef0123456789abcdef\n" }] } },
        { type: "aws:ecs/taskDefinition:TaskDefinition", name: "td", props: { containerDefinitions: JSON.stringify([{ secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:x" }] }]) } },
        // A function that reads its key from Secrets Manager at run time holds no literal; its URL carries no token.
        { type: "aws:lambda/function:Function", name: "fn", props: { code: { ...ARCHIVE, assets: { "index.js": { ...ASSET, text: 'const url = "https://events.pagerduty.com/v2/enqueue";\nlet routingKey;\nif (!routingKey) {\n    routingKey = out.SecretString;\n}\n' } } } } },
    ];
    const ok = await check("platform-no-literal-secrets", "bunty-staging", fakes());
    t.deepEqual(ok.messages, [], "no user name, bucket name, access key id or generated secret is flagged");
    t.deepEqual(
        (await check("platform-no-literal-secrets", "bunty-staging", fakes().map((f) => ({ ...f, secretPaths: [] })))).messages,
        [],
        "the verdict does not depend on secret markings (the engine strips them)",
    );
    const runbookPassword = seedLiterals().find((l) => l === "redis_secure_2024")!;
    t.truthy(runbookPassword, "the runbook's literal Redis password is known");
    const breaks: [string, (rs: Fake[]) => void, RegExp][] = [
        ["the runbook's password in an env var, even marked secret", (rs) => (rs[1].props.envs[1] = `REDIS_PASSWORD=${runbookPassword}`), /envs\[1\] \(environment variable REDIS_PASSWORD\) holds a password the runbook writes in clear/],
        ["the runbook's password on the command line", (rs) => rs[1].props.command.push("--requirepass", runbookPassword), /command\[3\] \(the argument after --requirepass\) holds a password the runbook writes in clear/],
        ["a vendor default as a Secret's password", (rs) => (rs[2].props.stringData.password = "minioadmin"), /stringData.password \(a Kubernetes Secret's data\) holds a vendor's default credential/],
        ["a vendor default in a config file line", (rs) => (rs[4].props.uploads[0].content = "requirepass changeme\n"), /uploads\[0\].content \(the line "requirepass" of its content\) holds a vendor's default credential/],
        ["a Slack webhook written into a function's source", (rs) => (rs[6].props.code.assets["index.js"].text += 'const hook = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX";\n'), /its source code.assets.index.js holds an integration URL with its token/],
        ["a routing key assigned in a function's source", (rs) => (rs[6].props.code.assets["index.js"].text += 'const routing_key = "R0123456789abcdef0123456789abcde";\n'), /its source code.assets.index.js holds a literal assigned to routing_key/],
        ["an ECS environment password from the runbook", (rs) => (rs[5].props.containerDefinitions = JSON.stringify([{ environment: [{ name: "DB_PASSWORD", value: runbookPassword }] }])), /environment variable DB_PASSWORD/],
    ];
    for (const [what, edit, expect] of breaks) {
        const rs = fakes();
        edit(rs);
        const r = await check("platform-no-literal-secrets", "bunty-staging", rs);
        t.regex(r.messages.join("\n"), expect, what);
    }
    t.true(secretLooking("masterPassword") && secretLooking("REDIS_PASSWORD") && secretLooking("routing_key") && secretLooking("authToken"));
    t.false(secretLooking("passwordWoVersion") || secretLooking("secretArn") || secretLooking("key") || secretLooking("manageMasterUserPassword") || secretLooking("tokenLength") || secretLooking("accessKey") || secretLooking("rootUser"));
    void platformNoLiteralSecrets;
});

/** The committed stack file with one operator credential added in plain text, as a careless `pulumi config set` without `--secret` writes it. */
function withPlainCredential(stack: string, key: string, value: string): string {
    const text = fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8");
    return text.replace(/^config:\n/m, `config:\n  ${key}: ${value}\n`);
}

test("a plain-text pager, chat, mail or dead man's switch credential in a stack file is flagged by the pack, by key and where its value flows", async (t) => {
    const stack = "formula-pm-staging";
    const key = "0123456789abcdef0123456789abcdef";
    const am = (): Fake[] => [{ type: "kubernetes:core/v1:Secret", name: "alertmanager", props: { stringData: { "alertmanager.yaml": `receivers:\n- name: pager\n  pagerduty_configs:\n  - routing_key: ${key}\n` } } }];
    const committed = fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8");
    t.deepEqual((await check("platform-config-credentials-secret", stack, am(), { stackFileText: committed })).messages, [], "the committed file holds no credential in plain text");
    t.deepEqual((await check("platform-no-literal-secrets", stack, am(), { stackFileText: committed })).messages, [], "a routing key from `secure:` config is not a literal");
    for (const name of ["pagerdutyRoutingKey", "slackWebhookUrl", "smtpPassword", "deadMansSwitchUrl"]) {
        const text = withPlainCredential(stack, `runbook-platform:${name}`, key);
        const cfg = await check("platform-config-credentials-secret", stack, am(), { stackFileText: text });
        t.is(cfg.violations[0]?.level, "mandatory", name);
        t.regex(cfg.messages.join("\n"), new RegExp(`holds runbook-platform:${name} in plain text; run \`pulumi config set --secret runbook-platform:${name} <value> -s ${stack}\``), name);
    }
    const flows = await check("platform-no-literal-secrets", stack, am(), { stackFileText: withPlainCredential(stack, "runbook-platform:pagerdutyRoutingKey", key) });
    t.regex(flows.messages.join("\n"), /stringData.alertmanager.yaml \(the line "routing_key" of its alertmanager.yaml\) holds the plain-text value of runbook-platform:pagerdutyRoutingKey in stacks\/Pulumi.formula-pm-staging.yaml/);
});

test("every policy has fixture tests: a compliant fixture and one-field breaks", (t) => {
    const sources = fs
        .readdirSync(__dirname)
        .filter((f) => f.endsWith(".test.ts"))
        .map((f) => fs.readFileSync(path.join(__dirname, f), "utf8"))
        .join("\n");
    for (const r of RULES) {
        // The two credential policies read a stack file besides resources: their tests build both by hand.
        t.true(sources.includes(`compliantAndBroken(t, "${r.name}"`) || (r.name.startsWith("platform-") && sources.includes(`check("${r.name}"`)), `${r.name} has fixtures`);
    }
});

test("docs/policies.md lists exactly the pack's policies (generated by `npm run policy -- --list`)", (t) => {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "policies.md"), "utf8");
    t.true(doc.includes(policyTable()), "regenerate the table with `npm run policy -- --list`");
});

test("pull requests preview the stacks a change affects", (t) => {
    t.deepEqual(affectedStacks(["stacks/Pulumi.bunty-production.yaml"]), ["bunty-production"]);
    t.deepEqual(affectedStacks(["runbooks/gravitypm.ts", "docs/policies.md"]), ["gravitypm-local", "gravitypm-staging", "gravitypm-production"]);
    t.deepEqual(affectedStacks([`runbooks/seeds/${getRunbook("formula-pm").seed}`]), ["formula-pm-local", "formula-pm-staging", "formula-pm-production"]);
    t.deepEqual(affectedStacks(["README.md", "test/policies/pack.test.ts", ".github/workflows/pr.yml"]), []);
    t.is(affectedStacks(["components/targets/aws/index.ts"]).length, 15, "shared code affects every stack");
    t.is(affectedStacks(["runbooks/schema.ts"]).length, 15);
    t.is(affectedStacks(["policies/aws/rds-instance-multi-az.ts"]).length, 15);
});

test("the coverage report's policy column names real policies", (t) => {
    const names = new Set(policies.map((p) => p.name));
    for (const n of COVERAGE_POLICY_NAMES) t.true(names.has(n), n);
});

test("each policy file is named after its policy and exports only it; helpers live in policies/lib/", (t) => {
    const prefix: Record<string, string> = { aws: "aws", docker: "docker", kubernetes: "k8s", platform: "platform" };
    const found = new Set<string>();
    for (const dir of fs.readdirSync(path.join(ROOT, "policies"), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== "lib")) {
        t.truthy(prefix[dir.name], `policies/${dir.name}/ is a target folder (aws, docker, kubernetes, platform)`);
        for (const file of fs.readdirSync(path.join(ROOT, "policies", dir.name)).filter((f) => f.endsWith(".ts"))) {
            const mod = require(path.join(ROOT, "policies", dir.name, file)) as Record<string, unknown>;
            const rules = Object.values(mod).filter((v): v is { name: string; kind: string } => !!v && typeof v === "object" && "kind" in v && "check" in v && "name" in v);
            t.is(rules.length, 1, `policies/${dir.name}/${file} exports exactly one policy`);
            t.deepEqual(Object.keys(mod).length, 1, `policies/${dir.name}/${file} exports nothing besides its policy (helpers go to policies/lib/)`);
            if (rules[0]) {
                t.is(rules[0].name, `${prefix[dir.name]}-${file.replace(/\.ts$/, "")}`, `policies/${dir.name}/${file} is named after its policy`);
                found.add(rules[0].name);
            }
        }
    }
    t.deepEqual([...found].sort(), RULES.map((r) => r.name).sort(), "every policy of the pack has its own file");
});

test("a first preview: policies match related resources by dependency when ARNs and names are unknown, check what is known, and are never cut short", async (t) => {
    const U = UNKNOWN_STRING;
    const stack = "bunty-production";
    const bucket = urnOf(stack, "aws:s3/bucket:Bucket", "files");
    const base = (): Fake[] => [
        { type: "aws:s3/bucket:Bucket", name: "files", props: { bucket: U } },
        { type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name: "files-sse", dependsOn: [bucket], props: { bucket: U, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: U } }] } },
        { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name: "files-pab", dependsOn: [bucket], props: { bucket: U, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true } },
    ];
    for (const name of ["aws-s3-bucket-encryption", "aws-s3-bucket-public-access-block"]) {
        const ok = await check(name, stack, base());
        t.deepEqual(ok.messages, [], `${name}: matched by dependency although every bucket name is unknown`);
    }
    const noSse = base().filter((r) => r.name !== "files-sse");
    t.regex((await check("aws-s3-bucket-encryption", stack, noSse)).messages.join(), /"files" has no server-side encryption configuration/, "a missing configuration is still caught in preview");
    const open = base();
    open[2].props.blockPublicPolicy = false;
    t.regex((await check("aws-s3-bucket-public-access-block", stack, open)).messages.join(), /leaves blockPublicPolicy off/, "a known flag is still checked beside unknown names");
    const all = await runPolicies(fakePlan(stack, base()), { exceptions: [] });
    t.deepEqual(
        all.violations.filter((v) => /can't run policy/.test(v.message)).map((v) => v.policy),
        [],
        "no policy reads through the analyzer's unknown-checking proxy",
    );
});
