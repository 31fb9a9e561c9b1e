import * as fs from "fs";
import * as path from "path";
import { SEEDS_DIR } from "../../runbooks/seeds";
import { finding, label, resourceRule, type Subject } from "../lib/policy";
import { isRecord, isSecretPath, textOf, walk } from "../lib/values";

/**
 * Secret-looking inputs (passwords, tokens, keys, webhook URLs; env vars named like them; config
 * files with such lines; Kubernetes Secret data) must be Pulumi secrets. The offline check knows
 * which input paths are secret and holds every such value to it. The real analyzer sees secrets
 * already unwrapped, so there the policy can only refuse values it knows are literals: the
 * passwords written in the runbooks themselves, and values too short to be generated.
 */

const SECRET_WORDS = /(^|_)(password|passwd|pwd|secret|token|apikey|api_key|private_key|privatekey|authtoken|routing_key|routingkey|service_key|webhook_url|credentials?|requirepass|access_key|secret_key|keyfile)($|_)/;
/** Names that hold a reference to a secret or a fact about it, not the secret (`existingSecret`, `passwordKey`: a Secret's name and key). */
const NOT_SECRET = /(^|_)(existing|existing_secret|config_secret|tls_secret|password_key|user_key|username_key|token_key|secret_ref|secret_template|arn|id|ids|name|names|version|length|file|path|ref|refs|kms|kms_key|key_id|secret_name|secret_key_ref|value_from|from|url_file|key_file|password_file|manage|manage_master_user_password|special|override_special|upper|lower|numeric|min|count|wo_version|type|types|enabled|update_strategy|rotation|mode|header|policy|storage|pair|spec|arns|timeout|format|encoding|selector|hash|source|sources|public|public_key|pem_public)($|_)/;

/** `masterPassword` → `master_password`, `REDIS-PASSWORD` → `redis_password`. */
export function snake(name: string): string {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .replace(/[^A-Za-z0-9]+/g, "_")
        .toLowerCase();
}

export function secretLooking(name: string): boolean {
    const n = snake(name);
    return SECRET_WORDS.test(n) && !NOT_SECRET.test(n);
}

/** A value that points at a secret instead of holding one: an ARN, a variable, a file, a placeholder. */
function isReference(v: string): boolean {
    // `routingKey = out.SecretString;` in a function's source: a value read at run time, not a literal.
    if (/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+;$/.test(v)) return true;
    return v === "" || v === "[secret]" || /^arn:/.test(v) || /^\$\{?[A-Za-z_]/.test(v) || /^\{\{.*\}\}$/.test(v) || /^\/[\w./-]+$/.test(v) || /^(true|false|null|none|\*+)$/i.test(v);
}

/** Passwords the runbooks write in clear (`redis-cli -a redis_secure_2024`): a stack must never reuse them. */
export function seedLiterals(): string[] {
    const out = new Set<string>();
    for (const file of fs.readdirSync(SEEDS_DIR)) {
        const text = fs.readFileSync(path.join(SEEDS_DIR, file), "utf8");
        for (const m of text.matchAll(/(?:\s-a|--pass(?:word)?[=\s]|requirepass\s|PASSWORD=|password:\s*)\s*["']?([A-Za-z0-9_@#%+=.!-]{4,})/g)) {
            if (!m[1].startsWith("$")) out.add(m[1]);
        }
    }
    return [...out];
}

const LITERALS = seedLiterals();
const MIN_GENERATED = 16;

/** A config-file line that sets a credential to a literal: `password: x`, `requirepass x`, `routing_key: x`, a Slack hook URL. */
const CONFIG_LINE = /^\s*-?\s*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=\s]\s*["']?([^\s"'#]+)["']?\s*$/;

interface Candidate {
    readonly path: string;
    readonly why: string;
    readonly value: string;
}

/** Every value in a resource's inputs that is a credential by its name, its env var, its config line or its resource. */
export function secretCandidates(s: Subject): Candidate[] {
    const out: Candidate[] = [];
    const k8sSecret = s.type === "kubernetes:core/v1:Secret";
    const visit = (p: string, v: unknown): void => {
        // JSON documents in inputs (ECS container definitions, IAM policies) are read as structure.
        if (typeof v === "string" && /^\s*[[{]/.test(v)) {
            try {
                const doc = JSON.parse(v) as unknown;
                walk(doc, (inner, x) => (inner ? visit(`${p}>${inner}`, x) : undefined));
                return;
            } catch {
                // not JSON: read as text below
            }
        }
        const key = p.split(/[.[\]>]/).filter(Boolean).pop() ?? "";
        if (typeof v === "string") {
            if (k8sSecret && /^(data|stringData)\./.test(p)) {
                out.push({ path: p, why: "a Kubernetes Secret's data", value: v });
                return;
            }
            const env = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(v);
            if (env && /(^|[.>])(envs|env|environment)\[\d+\]$/.test(p)) {
                if (secretLooking(env[1]) && !isReference(env[2])) out.push({ path: p, why: `environment variable ${env[1]}`, value: env[2] });
                return;
            }
            if (!/^\d+$/.test(key) && secretLooking(key) && !isReference(v)) {
                out.push({ path: p, why: `input ${key}`, value: v });
                return;
            }
            const text = textOf(p, v) ?? v;
            if (text.includes("\n")) {
                for (const line of text.split("\n")) {
                    const m = CONFIG_LINE.exec(line);
                    if (m && secretLooking(m[1].split(".").pop() ?? "") && !isReference(m[2])) {
                        out.push({ path: p, why: `the line "${m[1]}" of its ${key || "content"}`, value: m[2] });
                        return;
                    }
                    if (/https:\/\/hooks\.slack\.com\/services\/\S+/.test(line) || /events\.pagerduty\.com\/\S*\/[A-Za-z0-9]{20,}/.test(line)) {
                        out.push({ path: p, why: `an integration URL in its ${key || "content"}`, value: line.trim() });
                        return;
                    }
                }
            }
        } else if (Array.isArray(v)) {
            // argv: `redis-server --requirepass <literal>`, `redis-cli -a <literal>`.
            v.forEach((arg, i) => {
                const flag = i > 0 ? v[i - 1] : undefined;
                if (typeof arg === "string" && typeof flag === "string" && /^--?(requirepass|password|pass|a|masterauth)$/.test(flag) && !isReference(arg)) {
                    out.push({ path: `${p}[${i}]`, why: `the argument after ${flag}`, value: arg });
                }
            });
        } else if (isRecord(v) && typeof v.name === "string" && typeof v.value === "string" && secretLooking(v.name) && !isReference(v.value) && /(^|[.>])(env|environment)\[\d+\]$/.test(p)) {
            out.push({ path: `${p}.value`, why: `environment variable ${v.name}`, value: v.value });
        }
    };
    walk(s.props, visit);
    return out;
}

export const platformNoLiteralSecrets = resourceRule({
    name: "platform-no-literal-secrets",
    description: "Passwords, tokens, keys and integration URLs in resource inputs are Pulumi secrets (generated or operator-set), never literals.",
    tier: "security",
    target: "any",
    types: ["*"],
    remediationSteps: "Take the value from args.secrets (RandomPassword .result) or args.receivers, or wrap it with pulumi.secret(); never write it in code or plain config.",
    check: (s) => {
        const candidates = secretCandidates(s);
        if (s.secretPaths) {
            const paths = s.secretPaths;
            return candidates
                .filter((c) => !isSecretPath(paths, c.path))
                .map((c) => finding(`${label(s)}: ${c.path} (${c.why}) holds a credential that is not a Pulumi secret; it would be stored and shown in plain text`));
        }
        return candidates
            .filter((c) => LITERALS.some((l) => c.value.includes(l)) || (c.value.length < MIN_GENERATED && !/\s/.test(c.value)))
            .map((c) =>
                finding(`${label(s)}: ${c.path} (${c.why}) holds ${LITERALS.some((l) => c.value.includes(l)) ? "a password written in the runbook" : `a ${c.value.length}-character literal, not a generated secret`}; use a generated Pulumi secret`),
            );
    },
});
