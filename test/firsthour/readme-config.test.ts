import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { readStackConfig, STACKS_DIR } from "../../cli/harness/stack-files";
import { ConfigError, resolveStack } from "../../stacks/settings";

/** The README's "Stack configuration" examples, exactly as printed: the file resolves, the error is the program's. */

const ROOT = path.resolve(__dirname, "..", "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Stack configuration\n"), readme.indexOf("\n## ", readme.indexOf("## Stack configuration\n") + 5));

test("the example stack file resolves as the stack it names, with its overrides and exception", (t) => {
    const stack = /`stacks\/Pulumi\.([a-z-]+)\.yaml`/.exec(section)![1];
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const ctx = resolveStack(stack, readStackConfig(stack, yaml).config);
    const example = YAML.parse(yaml) as { config: Record<string, Record<string, unknown>> };
    t.deepEqual(
        ctx.overrides.map((o) => o.key),
        Object.keys(example.config["runbook-platform:overrides"]),
    );
    t.true(ctx.overrides.some((o) => !o.tightens && o.exception), "the example's exception excuses a loosening");
    t.true(ctx.overrides.some((o) => o.tightens && !Number.isInteger(o.to)), "the example tightens with a decimal");
    t.true(Object.values(ctx.settings.images).some((i) => i.includes("@sha256:")) && Object.values(ctx.settings.images).some((i) => /:\d/.test(i)));
    // And it is the committed stack's file plus the example's additions: the images are the stack's own services.
    const committed = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, Record<string, string>> };
    t.deepEqual(Object.keys(example.config["runbook-platform:images"]).sort(), Object.keys(committed.config["runbook-platform:images"]).sort());
});

test("the example error is the program's message, word for word", (t) => {
    const printed = /```\n(stack [\s\S]*?)```/.exec(section)![1].trim();
    const stack = /^stack (\S+): invalid configuration/.exec(printed)![1];
    const m = /runbook-platform:overrides\.(\S+) = (\S+): /.exec(printed)!;
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const text = YAML.stringify({ config: { ...doc.config, "runbook-platform:overrides": { [m[1]]: Number(m[2]) } } });
    const err = t.throws(() => resolveStack(stack, readStackConfig(stack, text).config), { instanceOf: ConfigError });
    t.is(err!.message, printed);
});
