import * as fs from "fs";
import * as path from "path";
import { SEEDS_DIR } from "../../runbooks/seeds";
import type { StackContext } from "./context";
import { ASSET_SIG, SIG_KEY } from "./inputs";
import type { Subject } from "./policy";
import { isRecord, textOf, walk } from "./values";

/**
 * What `platform-no-literal-secrets` looks for. A credential the stack writes down in plain text. The engine unwraps secrets before a policy
 * sees them, so the pack cannot tell a Pulumi secret from a plain value by its marking, nor a
 * generated password from a typed one by its length. It decides by the value and where it flows:
 * - a credential input (by its name, env var, config line, argv flag or Secret key) holding a
 *   password the runbooks write in clear, a vendor's default credential, or the plain-text value
 *   of an operator credential in the committed stack file (`runbook-platform:pagerdutyRoutingKey`
 *   without `secure:`);
 * - a function's source (a Lambda code asset) that holds an integration URL with its token or
 *   assigns a credential a literal: code is committed, so anything written there is in clear.
 * That every credential input is a Pulumi secret is held where the program is built (the target
 * tests read the plan's secret markings, which the engine does not show a policy).
 */

const SECRET_WORDS = /(^|_)(password|passwd|pwd|secret|token|apikey|api_key|private_key|privatekey|authtoken|routing_key|routingkey|service_key|webhook_url|credentials?|requirepass|secret_key|secret_access_key|keyfile)($|_)/;
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

/** An environment variable named as a credential, its word run into a prefix as tools spell them (`PGPASSWORD`, `REDISCLI_AUTH`, `GITHUBTOKEN`). */
const ENV_CREDENTIAL = /(password|passwd|secret|token|apikey|api_key|access_key|private_key|auth)$/;

export function envCredential(name: string): boolean {
    const n = snake(name);
    return secretLooking(name) || (ENV_CREDENTIAL.test(n) && !NOT_SECRET.test(n));
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

/** Credentials a vendor ships as its default (MinIO, Grafana, PostgreSQL images, placeholders): never a real secret. */
export const DEFAULT_CREDENTIALS: readonly string[] = ["minioadmin", "admin", "password", "changeme", "changeit", "secret", "postgres", "root", "guest", "letmein", "123456"];

/** A config-file line that sets a credential to a literal: `password: x`, `requirepass x`, `routing_key: x`, a Slack hook URL. */
const CONFIG_LINE = /^\s*-?\s*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=\s]\s*["']?([^\s"'#]+)["']?\s*$/;

/** An integration URL that carries its own token: a Slack incoming webhook, a PagerDuty URL with a routing key in it. */
const INTEGRATION_URL = /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+|events\.pagerduty\.com\/\S*\/[A-Za-z0-9]{20,}/;

/** A literal assigned to a credential in source code: `routing_key: "R0…"`, `const token = '…'`, `password = "…"`. */
const CODE_ASSIGNMENT = /\b([A-Za-z_$][\w$]*)["']?\s*[:=]\s*(["'`])([^"'`\s]{4,})\2/g;

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
        // A Secret's data keys are file names (`alertmanager.yaml`): the whole key, dots included.
        const dataKey = k8sSecret ? /^(?:data|stringData)\.([^>[]+)$/.exec(p)?.[1] : undefined;
        const key = dataKey ?? p.split(/[.[\]>]/).filter(Boolean).pop() ?? "";
        if (typeof v === "string") {
            if (dataKey !== undefined) {
                // A Secret holds user names, hosts and ports beside passwords: its keys say which is which, files are read line by line below.
                if (secretLooking(key)) out.push({ path: p, why: "a Kubernetes Secret's data", value: textOf(p, v) ?? v });
                if (!(textOf(p, v) ?? v).includes("\n")) return;
            }
            const env = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(v);
            if (env && /(^|[.>])(envs|env|environment)\[\d+\]$/.test(p)) {
                if (envCredential(env[1]) && !isReference(env[2])) out.push({ path: p, why: `environment variable ${env[1]}`, value: env[2] });
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
        } else if (isRecord(v) && typeof v.name === "string" && typeof v.value === "string" && envCredential(v.name) && !isReference(v.value) && /(^|[.>])(env|environment)\[\d+\]$/.test(p)) {
            out.push({ path: `${p}.value`, why: `environment variable ${v.name}`, value: v.value });
        }
    };
    walk(s.props, visit);
    return out;
}

/** Source code the resource runs: the text of each asset in its inputs (a Lambda's `code` archive), by path. */
export function sourcesOf(s: Subject): { path: string; text: string }[] {
    const out: { path: string; text: string }[] = [];
    walk(s.props, (p, v) => {
        if (isRecord(v) && v[SIG_KEY] === ASSET_SIG && typeof v.text === "string") out.push({ path: p, text: v.text });
    });
    return out;
}

/** Literal credentials written in source code: integration URLs with their token, and literals assigned to credential names. */
export function sourceLiterals(text: string): { why: string; value: string }[] {
    const out: { why: string; value: string }[] = [];
    for (const line of text.split("\n")) {
        const url = INTEGRATION_URL.exec(line);
        if (url) out.push({ why: "an integration URL with its token", value: url[0] });
        for (const m of line.matchAll(CODE_ASSIGNMENT)) {
            if (secretLooking(m[1]) && !isReference(m[3]) && !/^https?:\/\/[^/]+\/?[\w/.-]*$/.test(m[3])) out.push({ why: `a literal assigned to ${m[1]}`, value: m[3] });
        }
    }
    return out;
}

/** Why a credential value is known to be written in clear, or undefined when nothing says so. */
export function literalReason(value: string, ctx: Pick<StackContext, "stack" | "plaintextCredentials">): string | undefined {
    const runbook = LITERALS.find((l) => value.includes(l));
    if (runbook) return "a password the runbook writes in clear";
    // Inside a longer value (a config file, a URL) only a value long enough not to match by chance.
    const config = ctx.plaintextCredentials.find((c) => c.value.length > 0 && (value === c.value || (c.value.length >= 8 && value.includes(c.value))));
    if (config) return `the plain-text value of ${config.key} in stacks/Pulumi.${ctx.stack}.yaml`;
    if (DEFAULT_CREDENTIALS.includes(value.trim().toLowerCase())) return `a vendor's default credential ("${value.trim()}")`;
    return undefined;
}

/**
 * Why a credential environment variable's value is in clear even when no list knows it: Kubernetes
 * and ECS hand a container a credential by reference (Kubernetes `valueFrom.secretKeyRef`, ECS
 * `secrets`), so a non-empty literal in a variable named as a credential (PASSWORD, SECRET, TOKEN,
 * KEY…) is one written into the stack. Not on Docker, whose env strings carry the Pulumi secret itself.
 */
export function envLiteralReason(c: Pick<Candidate, "why" | "value">, type: string): string | undefined {
    // Docker's provider takes env only as KEY=value strings: the engine shows a Pulumi secret there unwrapped, like a literal, so nothing tells them apart.
    if (type.startsWith("docker:")) return undefined;
    if (!c.why.startsWith("environment variable") || c.value.trim() === "") return undefined;
    return "a literal value where a reference belongs (valueFrom.secretKeyRef on Kubernetes, secrets on ECS)";
}
