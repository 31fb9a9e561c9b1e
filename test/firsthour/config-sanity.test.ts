import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { readStackConfig, STACKS_DIR } from "../../cli/harness/stack-files";
import { allRunbooks, getRunbook, type Alert, type Runbook } from "../../runbooks";
import { allStacks, ConfigError, CONFIG_NAMESPACES, parseStackName, PROJECT, resolveStack } from "../../stacks/settings";

/**
 * Nonsense numbers and misspelled config refused at the edge, each with the key and what is
 * allowed; every case is built from the runbook data, not typed numbers.
 */

function fileText(stack: string, extra: Record<string, unknown> = {}): string {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return YAML.stringify({ config: { ...doc.config, ...extra } });
}
const resolve = (stack: string, text: string) => resolveStack(stack, readStackConfig(stack, text).config);
const overrides = (o: unknown) => ({ [`${PROJECT}:overrides`]: o });
const production = (rb: Runbook) => allStacks().find((s) => parseStackName(s).app === rb.app && parseStackName(s).env === "production")!;
const levelOf = (a: Alert, severity: string) => a.levels.find((l) => l.severity === severity);

/** Every alert with a warning and a critical level, with its app. */
const twoLevel = allRunbooks().flatMap((rb) => rb.alerts.filter((a) => levelOf(a, "warning") && levelOf(a, "critical")).map((a) => ({ rb, a })));

test("a negative threshold is refused for every alert that fires above it, naming the key and the range", (t) => {
    let checked = 0;
    for (const rb of allRunbooks()) {
        for (const a of rb.alerts.filter((x) => x.direction === "above" && x.unit !== "bool")) {
            const level = a.levels[0];
            const key = `alerts.${a.id}.${level.severity}.threshold`;
            const err = t.throws(() => resolve(production(rb), fileText(production(rb), overrides({ [key]: -1 }))), { instanceOf: ConfigError }, `${rb.app} ${key}`);
            t.true(err!.message.includes(`${PROJECT}:overrides.${key} = -1:`), err!.message);
            t.regex(err!.message, /the level must be (a percentage \(0 to 100\)|not negative)/);
            const lowest = Number(/allowed: (?:a number from |a number >= )?([\d.]+)/.exec(err!.message)?.[1]);
            t.true(lowest >= 0, err!.message);
            checked++;
        }
    }
    t.true(checked > 20);
});

test("a percentage above 100 is refused, even with an exception that allows loosening", (t) => {
    for (const rb of allRunbooks()) {
        const a = rb.alerts.find((x) => x.unit === "percent" && x.direction === "below");
        if (!a) continue;
        const key = `alerts.${a.id}.${a.levels[0].severity}.threshold`;
        const err = t.throws(() => resolve(production(rb), fileText(production(rb), overrides({ [key]: 101 }))), { instanceOf: ConfigError });
        t.regex(err!.message, /a percentage \(0 to 100\)/);
        t.true(err!.message.includes(`allowed: a number from ${a.levels[0].threshold} to 100`), err!.message);
    }
    const rb = getRunbook("formula-pm");
    const above = rb.alerts.find((x) => x.unit === "percent" && x.direction === "above" && levelOf(x, "critical"))!;
    const key = `alerts.${above.id}.critical.threshold`;
    const text = fileText(production(rb), { ...overrides({ [key]: 120 }), [`${PROJECT}:exceptions`]: [{ key, reason: "an exception cannot make a percentage exceed one hundred" }] });
    t.regex(t.throws(() => resolve(production(rb), text))!.message, new RegExp(`overrides\\.${key.replace(/\./g, "\\.")} = 120: .*a percentage \\(0 to 100\\)`));
});

test("a critical level tighter than its warning level is refused for every two-level alert, by direction", (t) => {
    t.true(twoLevel.length > 10);
    for (const { rb, a } of twoLevel) {
        const warning = levelOf(a, "warning")!.threshold;
        const critical = levelOf(a, "critical")!.threshold;
        // Past the warning level, on the side that is tighter for the critical level (the side the warning is on).
        const crossed = a.direction === "above" ? warning / 2 : warning + (a.unit === "percent" ? Math.min(1, (100 - warning) / 2) : 1);
        if (crossed === warning || (a.unit === "percent" && crossed > 100)) continue;
        const key = `alerts.${a.id}.critical.threshold`;
        const err = t.throws(() => resolve(production(rb), fileText(production(rb), overrides({ [key]: crossed }))), { instanceOf: ConfigError }, `${rb.app} ${a.id}`);
        t.true(err!.message.includes(`${PROJECT}:overrides.${key} = ${crossed}: the ${a.id} alert fires ${a.direction} its threshold`), err!.message);
        t.true(err!.message.includes(`${a.direction === "above" ? "no lower" : "no higher"} than its warning level ${warning}`), err!.message);
        const [lo, hi] = a.direction === "above" ? [warning, critical] : [critical, warning];
        t.true(err!.message.includes(`allowed: a number from ${lo} to ${hi}`) || (lo === hi && err!.message.includes(`allowed: ${lo}`)), err!.message);
    }
});

test("a quoted number is the number: `\"0.5\"` and `0.5` resolve alike, for thresholds and whole numbers", (t) => {
    const rb = getRunbook("formula-pm");
    const a = rb.alerts.find((x) => x.direction === "above" && levelOf(x, "warning") && x.unit === "percent")!;
    const key = `alerts.${a.id}.warning.threshold`;
    const half = levelOf(a, "warning")!.threshold / 2;
    const stack = production(rb);
    const asNumber = resolve(stack, fileText(stack, overrides({ [key]: half }))).overrides;
    const asString = resolve(stack, fileText(stack, overrides({ [key]: String(half) }))).overrides;
    t.deepEqual(asString, asNumber);
    t.is(asString[0].to, half);
    const retention = rb.backups[0];
    const rkey = `backups.${retention.dataset}.retentionDays`;
    t.deepEqual(resolve(stack, fileText(stack, overrides({ [rkey]: String(retention.retentionDays + 5) }))).overrides[0].to, retention.retentionDays + 5);
    // Not a number at all stays refused, naming what is expected.
    t.regex(t.throws(() => resolve(stack, fileText(stack, overrides({ [key]: "half" }))))!.message, /= "half": expected a number/);
});

test("the nested override form (what `pulumi config set --path` writes) is the dotted form; both at once is refused", (t) => {
    const rb = getRunbook("gravitypm");
    const stack = production(rb);
    const backup = rb.backups[0];
    const nested = { backups: { [backup.dataset]: { retentionDays: backup.retentionDays + 1 } } };
    const dotted = { [`backups.${backup.dataset}.retentionDays`]: backup.retentionDays + 1 };
    t.deepEqual(resolve(stack, fileText(stack, overrides(nested))).overrides, resolve(stack, fileText(stack, overrides(dotted))).overrides);
    const both = t.throws(() => resolve(stack, fileText(stack, overrides({ ...nested, ...dotted }))), { instanceOf: ConfigError });
    t.regex(both!.message, new RegExp(`overrides\\.backups\\.${backup.dataset}\\.retentionDays: given twice`));
    // A nested path to nothing the runbook has is named in full.
    const wrong = t.throws(() => resolve(stack, fileText(stack, overrides({ backups: { nosuch: { retentionDays: 40 } } }))));
    t.regex(wrong!.message, /overrides\.backups\.nosuch\.retentionDays = 40: not a runbook number this app has/);
});

test("a misspelled namespace is refused with a did-you-mean; every namespace not read is refused", (t) => {
    const stack = "bunty-staging";
    const typo = t.throws(() => resolve(stack, fileText(stack, { "runbook-platfrom:target": "kubernetes" })), { instanceOf: ConfigError });
    t.regex(typo!.message, /runbook-platfrom:target: unknown namespace "runbook-platfrom", nothing reads it; did you mean runbook-platform:target\?/);
    const aws = t.throws(() => resolve(stack, fileText(stack, { "asw:region": "us-east-1" })));
    t.regex(aws!.message, /did you mean aws:region\?/);
    const other = t.throws(() => resolve(stack, fileText(stack, { "myteam:owner": "ops" })));
    t.regex(other!.message, new RegExp(`myteam:owner: unknown namespace "myteam", nothing reads it \\(allowed namespaces: ${CONFIG_NAMESPACES.join(", ")}\\)`));
    t.notThrows(() => resolve(stack, fileText(stack, { "pulumi:tags": { team: "ops" } })));
});

test("a YAML error names the stack file and the line; a duplicate key names the key", (t) => {
    const stack = "bunty-local";
    const lines = fileText(stack).split("\n");
    const images = lines.findIndex((l) => l.startsWith(`  ${PROJECT}:images:`));
    const dup = [...lines.slice(0, lines.length - 1), `  ${PROJECT}:images:`, "    backend: ghcr.io/bunty/backend:1.4.1", ""].join("\n");
    const err = t.throws(() => readStackConfig(stack, dup), { instanceOf: ConfigError });
    t.true(err!.message.includes(`stacks/Pulumi.${stack}.yaml:${lines.length}:3: ${PROJECT}:images appears twice in one map`), err!.message);
    t.true(images >= 0);
    const broken = t.throws(() => readStackConfig(stack, "config:\n  runbook-platform:images: [a\n"));
    t.regex(broken!.message, new RegExp(`stacks/Pulumi\\.${stack}\\.yaml:\\d+:\\d+: `));
});

test("a value with credentials in it is named without them, and a non-number override says what is expected", (t) => {
    const stack = "formula-pm-staging";
    const relay = t.throws(() => resolve(stack, fileText(stack, { [`${PROJECT}:alerting`]: { smtp: { smarthost: "relay-user:S3cretPass@smtp.example.com:587", from: "a@example.com" } } })), { instanceOf: ConfigError });
    t.true(relay!.message.includes(`${PROJECT}:alerting.smtp.smarthost = "<credentials>@smtp.example.com:587"`), relay!.message);
    t.false(relay!.message.includes("S3cretPass"));
    const alert = getRunbook("formula-pm").alerts[0];
    const key = `alerts.${alert.id}.${alert.levels[0].severity}.threshold`;
    for (const bad of [null, true]) {
        const err = t.throws(() => resolve(stack, fileText(stack, overrides({ [key]: bad }))), { instanceOf: ConfigError });
        t.true(err!.message.includes(`${PROJECT}:overrides.${key} = ${JSON.stringify(bad)}: expected a number`), err!.message);
    }
});
