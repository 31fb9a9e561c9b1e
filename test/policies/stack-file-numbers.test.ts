import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { readStackConfig, STACKS_DIR } from "../../cli/harness/stack-files";
import { resolveStack } from "../../stacks/settings";
import { getRunbook } from "../../runbooks";

/**
 * A number JSON cannot carry (`.inf`, `-.inf`, `.nan`) in a stack file keeps the text the file
 * spells it with on its way to the program (config travels as JSON text, where it used to become
 * `null`), so the configuration error names the value that was written.
 */

const STACK = "bunty-production";
const alert = getRunbook("bunty").alerts[0];
const key = `alerts.${alert.id}.${alert.levels[0].severity}.threshold`;
const committed = fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${STACK}.yaml`), "utf8").trimEnd();
const file = (value: string) => `${committed}\n  runbook-platform:overrides:\n    ${key}: ${value}\n  runbook-platform:nested:\n    - ${value}\n`;

for (const spelled of [".inf", "-.inf", ".Inf", "+.inf", ".nan", ".NaN"]) {
    test(`${spelled} reaches the program as written, and its error names it`, (t) => {
        const { config } = readStackConfig(STACK, file(spelled));
        const overrides = JSON.parse(config["runbook-platform:overrides"]) as Record<string, unknown>;
        t.is(overrides[key], spelled);
        t.deepEqual(JSON.parse(config["runbook-platform:nested"]), [spelled], "inside lists too");
        delete config["runbook-platform:nested"];
        const message = t.throws(() => resolveStack(STACK, config))?.message ?? "";
        t.true(message.includes(`${key} = ${JSON.stringify(spelled)}`), message);
        t.false(message.includes("null"), message);
    });
}

test("finite numbers, and strings that look like them, are untouched", (t) => {
    const { config } = readStackConfig(STACK, `config:\n  runbook-platform:overrides:\n    a: 1.5e3\n    b: "inf"\n    c: -0.25\n    d: '.inf'\n`);
    t.deepEqual(JSON.parse(config["runbook-platform:overrides"]), { a: 1500, b: "inf", c: -0.25, d: ".inf" });
});
