import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { ConfigError, OPERATOR_SECRETS, PAGED_ENVS, PROJECT, parseStackName } from "../../stacks/settings";

export const ROOT = path.resolve(__dirname, "..", "..");
export const STACKS_DIR = path.join(ROOT, "stacks");

/** Shown wherever a secret's value would be: plan output, policy reports, drift reports. */
export const SECRET_PLACEHOLDER = "[secret]";

export interface StackConfig {
    /** Flat `namespace:key` → string, as the Pulumi engine hands config to a program. */
    readonly config: Record<string, string>;
    /** Keys whose value is a secret (`secure:` in the file, or an operator secret assumed present). */
    readonly secretKeys: string[];
    /** Operator secrets the file does not hold, supplied as placeholders for the offline run. */
    readonly assumedSecrets: string[];
}

/**
 * The stack file's YAML as data, numbers JSON cannot carry (`.inf`, `-.inf`, `.nan`) kept as the
 * text the file spells them with: the program receives config as JSON text, where they would
 * become `null`, and a message about the value would then name `null` instead of what was written.
 */
function parseKeepingNumbers(text: string): unknown {
    const doc = YAML.parseDocument(text);
    if (doc.errors.length > 0) throw doc.errors[0];
    YAML.visit(doc, {
        Scalar(_key, node) {
            if (typeof node.value === "number" && !Number.isFinite(node.value)) node.value = node.source ?? String(node.value);
        },
    });
    return doc.toJS();
}

/**
 * Reads `stacks/Pulumi.<stack>.yaml`. `secure:` values are encrypted by the stack's secrets
 * provider and cannot be decrypted offline; they become `[secret]` placeholders, as do the
 * operator secrets a paged environment needs but a committed file never holds.
 */
export function readStackConfig(stack: string, overrideText?: string): StackConfig {
    const { env } = parseStackName(stack);
    const file = path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
    const text = overrideText ?? (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
    if (text === undefined) throw new Error(`stack ${stack}: no stack file ${path.relative(ROOT, file)}`);
    let doc: { config?: Record<string, unknown> };
    try {
        doc = (parseKeepingNumbers(text) ?? {}) as typeof doc;
    } catch (e) {
        // The yaml error says where, not in which file: `file:line:column: what`, as editors link it.
        const err = e as YAML.YAMLError;
        const at = err.linePos?.[0];
        const what = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        const key = err.code === "DUPLICATE_KEY" && at ? /^(.*?):(\s|$)/.exec(text.split("\n")[at.line - 1]?.trim() ?? "")?.[1] : undefined;
        throw new ConfigError(stack, [`${path.relative(ROOT, file)}${at ? `:${at.line}:${at.col}` : ""}: ${key ? `${key} appears twice in one map (${what}); allowed: each key once` : what}`]);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        if (value && typeof value === "object" && "secure" in (value as object)) {
            config[key] = SECRET_PLACEHOLDER;
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    const assumedSecrets: string[] = [];
    if (PAGED_ENVS.includes(env)) {
        for (const name of OPERATOR_SECRETS) {
            const key = `${PROJECT}:${name}`;
            if (!(key in config)) {
                config[key] = SECRET_PLACEHOLDER;
                secretKeys.push(key);
                assumedSecrets.push(key);
            }
        }
    }
    return { config, secretKeys, assumedSecrets };
}
