import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { APP_IDS, ENVS, getRunbook } from "../../runbooks";
import { readStackConfig, STACKS_DIR } from "../../cli/harness/stack-files";
import { planStack } from "../../cli/harness/runtime";
import { allStacks, ConfigError, resolveStack } from "../../stacks/settings";

/** Stack files and their validation: every committed stack resolves, every class of bad value is named. */

function stackFile(stack: string): Record<string, unknown> {
    return YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")).config;
}

/** The committed file with one key replaced (or removed, for `undefined`). */
function variant(stack: string, key: string, value: unknown): string {
    const config = { ...stackFile(stack) };
    if (value === undefined) delete config[key];
    else config[key] = value;
    return YAML.stringify({ config });
}

function resolveText(stack: string, text: string) {
    return resolveStack(stack, readStackConfig(stack, text).config);
}

test("there is a stack file for each app × environment, and no other", (t) => {
    const files = fs.readdirSync(STACKS_DIR).filter((f) => f.startsWith("Pulumi.")).map((f) => f.slice("Pulumi.".length, -".yaml".length));
    t.deepEqual(files.sort(), allStacks().sort());
    t.is(files.length, APP_IDS.length * ENVS.length);
});

test("every committed stack resolves to its app, env and default target", (t) => {
    const targets: Record<string, string> = { local: "docker", staging: "kubernetes", production: "aws" };
    for (const stack of allStacks()) {
        const ctx = resolveStack(stack, readStackConfig(stack).config);
        t.is(`${ctx.app}-${ctx.env}`, stack);
        t.is<string, string>(ctx.target, targets[ctx.env]);
        t.is(ctx.protect, ctx.env === "production");
        t.deepEqual(Object.keys(ctx.settings.images).sort(), getRunbook(ctx.app).services.map((s) => s.name).sort());
    }
});

const BAD: { name: string; stack: string; key: string; value: unknown; expect: RegExp[] }[] = [
    {
        name: "an unpinned image",
        stack: "gravitypm-production",
        key: "runbook-platform:images",
        value: { backend: "ghcr.io/gravitypm/api:latest", frontend: "ghcr.io/gravitypm/frontend:1.3.2" },
        expect: [/runbook-platform:images\.backend = "ghcr\.io\/gravitypm\/api:latest": the tag "latest" moves/, /allowed: a version tag \(e\.g\. :1\.3\.2\) or a sha256 digest/],
    },
    {
        name: "an image with no tag",
        stack: "bunty-local",
        key: "runbook-platform:images",
        value: { backend: "ghcr.io/bunty/backend", frontend: "ghcr.io/bunty/frontend:1.4.0" },
        expect: [/runbook-platform:images\.backend = "ghcr\.io\/bunty\/backend": has no tag, so Docker pulls "latest"/, /allowed: a version tag/],
    },
    {
        name: "a service without an image",
        stack: "formula-pm-staging",
        key: "runbook-platform:images",
        value: { frontend: "ghcr.io/formula-pm/frontend:1.4.0" },
        expect: [/runbook-platform:images\.backend = \(missing\)/, /the runbook runs service "backend"/],
    },
    {
        name: "an image for a service the runbook does not have",
        stack: "formula-pm-local",
        key: "runbook-platform:images",
        value: { frontend: "a/b:1.0.0", backend: "a/c:1.0.0", worker: "a/d:1.0.0" },
        expect: [/runbook-platform:images\.worker = "a\/d:1.0.0"/, /allowed: frontend, backend/],
    },
    {
        name: "an unknown target",
        stack: "pfm-community-staging",
        key: "runbook-platform:target",
        value: "gcp",
        expect: [/runbook-platform:target = "gcp"/, /docker.*kubernetes.*aws/],
    },
    {
        name: "an unknown key",
        stack: "pfm-community-local",
        key: "runbook-platform:replicas",
        value: 3,
        expect: [/runbook-platform:replicas: unknown key/, /allowed: target, images, hosts, overrides, exceptions/],
    },
    {
        name: "a loosened alert threshold",
        stack: "personal-finance-hub-production",
        key: "runbook-platform:overrides",
        value: { "alerts.kafka-consumer-lag.critical.threshold": 8000 },
        expect: [/runbook-platform:overrides\.alerts\.kafka-consumer-lag\.critical\.threshold = 8000/, /loosens the runbook; allowed: a number <= 5000/],
    },
    {
        name: "a longer alert duration",
        stack: "pfm-community-production",
        key: "runbook-platform:overrides",
        value: { "alerts.http-error-rate.critical.for": "10m" },
        expect: [/overrides\.alerts\.http-error-rate\.critical\.for = "10m"/, /no longer than 2m/],
    },
    {
        name: "a shorter backup retention",
        stack: "formula-pm-production",
        key: "runbook-platform:overrides",
        value: { "backups.postgres.retentionDays": 7 },
        expect: [/overrides\.backups\.postgres\.retentionDays = 7/, />= 30/],
    },
    {
        name: "a rarer backup",
        stack: "gravitypm-production",
        key: "runbook-platform:overrides",
        value: { "backups.mongodb.cron": "0 0 * * *" },
        expect: [/overrides\.backups\.mongodb\.cron = "0 0 \* \* \*"/, /at least as frequent as "0 \*\/6 \* \* \*"/],
    },
    {
        name: "an override of a number the runbook does not have",
        stack: "bunty-production",
        key: "runbook-platform:overrides",
        value: { "alerts.kafka-consumer-lag.warning.threshold": 10 },
        expect: [/overrides\.alerts\.kafka-consumer-lag\.warning\.threshold = 10/, /not a runbook number this app has/],
    },
    {
        name: "an override of the wrong kind",
        stack: "bunty-production",
        key: "runbook-platform:overrides",
        value: { "logs.retentionDays": "thirty" },
        expect: [/overrides\.logs\.retentionDays = "thirty"/, /a positive whole number/],
    },
    {
        name: "a region other than the runbook's",
        stack: "gravitypm-production",
        key: "aws:region",
        value: "eu-west-1",
        expect: [/aws:region = "eu-west-1"/, /allowed: us-east-1/],
    },
    {
        name: "unprotected production",
        stack: "bunty-production",
        key: "runbook-platform:protect",
        value: false,
        expect: [/runbook-platform:protect = false/, /allowed: true/],
    },
    {
        name: "Kubernetes settings on the AWS target",
        stack: "bunty-production",
        key: "runbook-platform:kubernetes",
        value: { namespace: "bunty" },
        expect: [/runbook-platform:kubernetes: set, but this stack's target is aws/],
    },
    {
        name: "a bad host name",
        stack: "bunty-staging",
        key: "runbook-platform:hosts",
        value: { backend: "api staging" },
        expect: [/runbook-platform:hosts\.backend = "api staging"/, /allowed: e\.g\. api\.example\.com/],
    },
    {
        name: "a bad Grafana host name",
        stack: "gravitypm-production",
        key: "runbook-platform:aws",
        value: { grafanaHost: "https://grafana.gravitypm.com" },
        expect: [/runbook-platform:aws\.grafanaHost = "https:\/\/grafana\.gravitypm\.com"/, /not a DNS host name \(allowed: e\.g\. api\.example\.com\)/],
    },
    {
        name: "a Grafana host a service is served on",
        stack: "gravitypm-production",
        key: "runbook-platform:aws",
        value: { grafanaHost: "api.gravitypm.com" },
        expect: [/runbook-platform:aws\.grafanaHost = "api\.gravitypm\.com": service backend is served on this host/, /allowed: a host of its own/],
    },
    {
        name: "a Grafana host on a target other than AWS",
        stack: "gravitypm-local",
        key: "runbook-platform:aws",
        value: { grafanaHost: "grafana.gravitypm.com" },
        expect: [/runbook-platform:aws: set, but this stack's target is docker/, /allowed only with target aws/],
    },
    {
        name: "a mail relay that is not host:port",
        stack: "formula-pm-staging",
        key: "runbook-platform:alerting",
        value: { smtp: { smarthost: "smtp.example.com", from: "alertmanager@example.com" } },
        expect: [/runbook-platform:alerting\.smtp\.smarthost = "smtp\.example\.com"/, /allowed: e\.g\. smtp\.example\.com:587/],
    },
    {
        name: "a mail relay for a runbook that sends no alert e-mail",
        stack: "bunty-staging",
        key: "runbook-platform:alerting",
        value: { smtp: { smarthost: "smtp.example.com:587", from: "alertmanager@example.com" } },
        expect: [/runbook-platform:alerting\.smtp: set, but the bunty runbook names no alert e-mail address/],
    },
    {
        name: "alert delivery settings on the AWS target",
        stack: "formula-pm-production",
        key: "runbook-platform:deadMansSwitchUrl",
        value: "https://hc-ping.example.com/abc",
        expect: [/runbook-platform:deadMansSwitchUrl: set, but the aws target delivers through SNS/, /allowed only with target docker or kubernetes/],
    },
    {
        name: "a relay password without a user name",
        stack: "formula-pm-staging",
        key: "runbook-platform:smtpPassword",
        value: "relay-password",
        expect: [/runbook-platform:smtpPassword: set without runbook-platform:alerting\.smtp\.authUsername/],
    },
];

for (const c of BAD) {
    test(`refuses ${c.name}, naming the stack, key, value and what is allowed`, (t) => {
        const err = t.throws(() => resolveText(c.stack, variant(c.stack, c.key, c.value)), { instanceOf: ConfigError });
        t.regex(err!.message, new RegExp(`^stack ${c.stack}: invalid configuration`));
        for (const re of c.expect) t.regex(err!.message, re);
    });
}

test("refuses an unknown stack name and lists the allowed form", (t) => {
    const err = t.throws(() => resolveStack("pfm-community-prod", {}), { instanceOf: ConfigError });
    t.regex(err!.message, /unknown stack "pfm-community-prod"/);
    t.regex(err!.message, /env one of local, staging, production/);
});

test("a loosening with a declared exception is allowed and recorded; a tightening needs none", (t) => {
    const stack = "personal-finance-hub-production";
    const config = { ...stackFile(stack) } as Record<string, unknown>;
    config["runbook-platform:overrides"] = { "alerts.kafka-consumer-lag.critical.threshold": 8000, "backups.postgres.retentionDays": 35 };
    config["runbook-platform:exceptions"] = [{ key: "alerts.kafka-consumer-lag.critical.threshold", reason: "month-end batch import lags by design until 2027-01" }];
    const ctx = resolveText(stack, YAML.stringify({ config }));
    const lag = ctx.runbook.alerts.find((a) => a.id === "kafka-consumer-lag")!.levels.find((l) => l.severity === "critical")!;
    t.is(lag.threshold, 8000);
    t.is(ctx.baseline.alerts.find((a) => a.id === "kafka-consumer-lag")!.levels.find((l) => l.severity === "critical")!.threshold, 5000, "the baseline is untouched");
    t.deepEqual(
        ctx.overrides.map((o) => [o.key, o.tightens, o.exception]),
        [
            ["alerts.kafka-consumer-lag.critical.threshold", false, "month-end batch import lags by design until 2027-01"],
            ["backups.postgres.retentionDays", true, undefined],
        ],
    );
});

test("an exception needs a reason and an override to excuse", (t) => {
    const stack = "bunty-production";
    const short = t.throws(() => resolveText(stack, variant(stack, "runbook-platform:exceptions", [{ key: "logs.retentionDays", reason: "because" }])));
    t.regex(short!.message, /runbook-platform:exceptions\.0\.reason = "because": a reason of at least 20 characters/);
    const orphan = t.throws(() => resolveText(stack, variant(stack, "runbook-platform:exceptions", [{ key: "logs.retentionDays", reason: "nothing overrides this key at all" }])));
    t.regex(orphan!.message, /exceptions\.logs\.retentionDays = "nothing overrides this key at all": an exception must name a key this stack overrides/);
});

test("a bad stack file stops the plan before the engine registers anything", async (t) => {
    const stack = "pfm-community-local";
    const err = await t.throwsAsync(planStack(stack, { stackFileText: variant(stack, "runbook-platform:target", "gcp") }));
    t.regex(err!.message, /stack pfm-community-local: invalid configuration/);
});
