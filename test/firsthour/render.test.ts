import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { planStack } from "../../cli/harness/runtime";
import { STACKS_DIR } from "../../cli/harness/stack-files";
import { renderStack } from "../../cli/render";
import { getRunbook } from "../../runbooks";
import { ConfigError, PROJECT } from "../../stacks/settings";

/**
 * `npm run render` builds from the stack's own configuration, like the plan: an override in the
 * stack file changes the rendered rules exactly as it changes the files the program deploys.
 */

const STACK = "formula-pm-local";
const ALERT = "http-error-rate";

function stackText(extra: Record<string, unknown>): string {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return YAML.stringify({ config: { ...doc.config, ...extra } });
}

function strings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(strings);
    if (value && typeof value === "object") return Object.values(value).flatMap(strings);
    return [];
}

const rulesOf = (files: { path: string; content: string }[]) => files.find((f) => f.path === "prometheus/rules.yml")!.content;

test.serial("an override in the stack file reaches the rendered rules, the same rules the plan deploys", async (t) => {
    const warning = getRunbook("formula-pm").alerts.find((a) => a.id === ALERT)!.levels.find((l) => l.severity === "warning")!;
    // Half the runbook's level: a tightening (the alert is "above"), and a decimal.
    const tightened = warning.threshold / 2;
    const text = stackText({ [`${PROJECT}:overrides`]: { [`alerts.${ALERT}.warning.threshold`]: tightened } });

    const committed = rulesOf(renderStack(STACK));
    const overridden = rulesOf(renderStack(STACK, undefined, text));
    t.not(overridden, committed, "the override changed nothing in the render");
    const levelOf = (rules: string) =>
        (YAML.parse(rules) as { groups: { rules: { alert: string; expr: string; labels: { severity: string } }[] }[] }).groups
            .flatMap((g) => g.rules)
            .find((r) => r.labels.severity === "warning" && r.expr.includes("http") && new RegExp(`> ?\\(?${String(tightened).replace(".", "\\.")}\\b`).test(r.expr));
    t.truthy(levelOf(overridden), `no warning rule compares with ${tightened}`);
    t.falsy(levelOf(committed));
    // The text on the page says whose number it is: the stack's override, with the runbook's beside it.
    const described = (YAML.parse(overridden) as { groups: { rules: { expr: string; labels: { severity: string }; annotations?: { description: string } }[] }[] }).groups
        .flatMap((g) => g.rules)
        .find((r) => r.labels.severity === "warning" && r.expr.includes("http") && r.annotations?.description.includes(`overrides.alerts.${ALERT}.warning.threshold`));
    t.truthy(described, "the overridden rule does not name its override");
    t.regex(described!.annotations!.description, new RegExp(`This stack's warning level: .*the runbook's: ${String(warning.threshold).replace(".", "\\.")}\\)`));
    t.false(/The runbook's warning level/.test(described!.annotations!.description));

    const plan = await planStack(STACK, { stackFileText: text });
    const deployed = plan.resources.flatMap((r) => strings(r.inputs));
    t.true(deployed.includes(overridden), "the plan deploys a rules file other than the one render wrote");
    t.false(deployed.includes(committed));
});

test("hosts from the stack file reach the rendered probes' tests", (t) => {
    const service = getRunbook("formula-pm").services.find((s) => s.host)!;
    const host = `probe-check.${service.host}`;
    const files = renderStack(STACK, undefined, stackText({ [`${PROJECT}:hosts`]: { [service.name]: host } }));
    const all = files.map((f) => f.content).join("\n");
    const committed = renderStack(STACK).map((f) => f.content).join("\n");
    // formula-pm's TLS probes test each public host: by default the env-prefixed runbook host.
    t.true(committed.includes(`https://local.${service.host}/`), "the committed render probes no default host");
    t.true(all.includes(`https://${host}/`));
    t.false(all.includes(`local.${service.host}/`), "the default host is still rendered");
});

test("a bad stack file stops the render with the program's message", (t) => {
    const err = t.throws(() => renderStack(STACK, undefined, stackText({ [`${PROJECT}:overrides`]: { [`alerts.${ALERT}.warning.threshold`]: 50 } })), { instanceOf: ConfigError });
    t.regex(err!.message, new RegExp(`stack ${STACK}: invalid configuration[\\s\\S]*overrides\\.alerts\\.${ALERT}\\.warning\\.threshold = 50: loosens the runbook`));
});
