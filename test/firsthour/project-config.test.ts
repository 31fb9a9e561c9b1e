import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { readStackConfig } from "../../cli/harness/stack-files";
import { allStacks, OPERATOR_SECRETS, OPTIONAL_OPERATOR_SECRETS, PROJECT, resolveStack, settingsSchema, UNDECLARED_CONFIG } from "../../stacks/settings";

/**
 * Pulumi.yaml's `config:` declares the settings the program reads, and settings.ts and the
 * declaration agree: every key is declared or listed as undeclared with a reason, the declaration
 * is valid under Pulumi's project schema, and applying it the way the Pulumi CLI does (a default
 * for each key a stack does not set; a declared key without a default required) changes no
 * committed stack's resolved configuration.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config?: Record<string, { type?: string; description?: string; default?: unknown; value?: unknown; secret?: boolean; items?: unknown }>;
};
const declared = project.config ?? {};
const settingKeys = [...Object.keys(settingsSchema.shape), ...OPERATOR_SECRETS, ...OPTIONAL_OPERATOR_SECRETS];

test("every setting the program reads is declared in Pulumi.yaml or listed as undeclared, with a reason; nothing else is declared", (t) => {
    for (const key of settingKeys) {
        const isDeclared = key in declared;
        t.not(isDeclared, key in UNDECLARED_CONFIG, `${key}: declared in Pulumi.yaml and listed in UNDECLARED_CONFIG, or neither`);
        if (!isDeclared) t.true(UNDECLARED_CONFIG[key]?.length > 40, `${key}: no reason why it is not declared`);
    }
    for (const key of Object.keys(declared)) t.true(settingKeys.includes(key), `Pulumi.yaml declares ${key}, which the program does not read`);
    for (const key of Object.keys(UNDECLARED_CONFIG)) t.true(settingKeys.includes(key), `UNDECLARED_CONFIG lists ${key}, which the program does not read`);
    // Pulumi.yaml's comment names the undeclared keys too, for a reader of that file.
    const text = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
    for (const key of Object.keys(UNDECLARED_CONFIG)) t.true(text.includes(`\`${key}\``), `Pulumi.yaml's comment does not mention ${key}`);
});

test("the declaration is valid under Pulumi's project schema (configTypeDeclaration)", (t) => {
    const simple = ["string", "integer", "boolean", "array"];
    for (const [key, d] of Object.entries(declared)) {
        t.false(key.includes(":") && !key.startsWith(`${PROJECT}:`), `${key}: another namespace's key takes a value, not a declaration`);
        for (const attr of Object.keys(d)) t.true(["type", "description", "default", "value", "secret", "items"].includes(attr), `${key}.${attr} is not a config declaration attribute`);
        t.false("default" in d && "value" in d, `${key}: both default and value`);
        if (d.type !== undefined) t.true(simple.includes(d.type), `${key}: type ${d.type}`);
        if (d.type === "array") t.truthy(d.items, `${key}: an array needs items`);
        t.true((d.description ?? "").length > 20, `${key}: describe it`);
        // A secret with a plaintext default is refused by the CLI ("must be encrypted as it's secret").
        if (d.secret) t.false("default" in d, `${key}: a secret takes no default`);
    }
});

/** What the Pulumi CLI hands the program: the stack's config, with each declared default where the stack sets nothing. */
function asTheCliMerges(stack: string): { config: Record<string, string>; missing: string[] } {
    const { config } = readStackConfig(stack);
    const merged = { ...config };
    const missing: string[] = [];
    for (const [key, d] of Object.entries(declared)) {
        const full = key.includes(":") ? key : `${PROJECT}:${key}`;
        if (full in merged) continue;
        if ("default" in d) merged[full] = typeof d.default === "string" ? d.default : JSON.stringify(d.default);
        else missing.push(key);
    }
    return { config: merged, missing };
}

test("applied as the CLI applies it, the declaration requires nothing a committed stack lacks and changes no stack's configuration", (t) => {
    for (const stack of allStacks()) {
        const { config, missing } = asTheCliMerges(stack);
        t.deepEqual(missing, [], `${stack}: Pulumi would stop with "missing configuration value"`);
        const plain = resolveStack(stack, readStackConfig(stack).config);
        const withDefaults = resolveStack(stack, config);
        t.deepEqual(withDefaults.settings, plain.settings, stack);
        t.deepEqual(withDefaults.hosts, plain.hosts, stack);
        t.is(withDefaults.target, plain.target, stack);
    }
});

test("each declared default is what the program does when the key is absent, and a required key is one the schema requires", (t) => {
    for (const [key, d] of Object.entries(declared)) {
        const field = settingsSchema.shape[key as keyof typeof settingsSchema.shape];
        t.truthy(field, key);
        if (!("default" in d)) {
            t.false(field.safeParse(undefined).success, `${key} is declared required, but the program treats it as optional`);
            continue;
        }
        t.true(field.safeParse(undefined).success, `${key} has a declared default but the program requires it`);
        // The program reads an empty map or list as "not set" (the merge test above shows it changes nothing).
        const empty = Array.isArray(d.default) ? d.default.length === 0 : !!d.default && typeof d.default === "object" && Object.keys(d.default).length === 0;
        t.true(empty || field.safeParse(d.default).success, `${key}: the default ${JSON.stringify(d.default)} is neither empty nor a valid value`);
    }
});

test('every `README "<section>"` a project file points to is a section of the README', (t) => {
    const headings = new Set([...fs.readFileSync(path.join(ROOT, "README.md"), "utf8").matchAll(/^#+ (.+)$/gm)].map((m) => m[1].trim()));
    const files = ["Pulumi.yaml", ".npmrc", ".ci/setup", ...fs.readdirSync(path.join(ROOT, ".github", "workflows")).map((f) => `.github/workflows/${f}`)];
    let pointers = 0;
    for (const f of files) {
        for (const m of fs.readFileSync(path.join(ROOT, f), "utf8").matchAll(/README "([^"]+)"/g)) {
            pointers++;
            t.true(headings.has(m[1]), `${f} points to README "${m[1]}", which has no such section`);
        }
    }
    t.true(pointers > 0);
});
