import { AsyncLocalStorage } from "async_hooks";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { getRunbook, type AppId, type Env, type Runbook } from "../../runbooks";
import { overridableKeys } from "../../runbooks/overrides";
import { OPERATOR_SECRETS, OPTIONAL_OPERATOR_SECRETS, parseStackName, PROJECT } from "../../capabilities/stacks";

/**
 * What every policy knows about the stack under review. The runbook is the BASELINE as its team
 * wrote it (`getRunbook(app)`), never the program's copy with overrides: a stack cannot loosen its
 * own guard. The app comes from the stack name, which the pack reads from the URNs it is shown
 * (the same in `pulumi preview` and in the offline check) and, failing that, `pulumi.getStack()`.
 */

export interface DeclaredException {
    readonly key: string;
    readonly reason: string;
}

export interface StackContext {
    readonly stack: string;
    readonly app: AppId;
    readonly env: Env;
    readonly runbook: Runbook;
    /** `runbook-platform:exceptions` from the stack's config: loosenings reviewed and allowed, each with a reason. */
    readonly exceptions: readonly DeclaredException[];
    /** Operator credentials (pager, chat, mail, dead man's switch) the committed stack file holds in plain text instead of `secure:`. */
    readonly plaintextCredentials: readonly PlaintextCredential[];
    /** `runbook-platform:aws.backupCopy.region`: the region every AWS Backup rule must copy to, when the stack asks for a copy. */
    readonly backupCopyRegion?: string;
    /** `runbook-platform:aws.backupCopy.account`: the account every AWS Backup rule must copy to, when the stack asks for one. */
    readonly backupCopyAccount?: string;
    /** `runbook-platform:kubernetes.ingressNamespace`: the ingress controller's namespace, when the stack names one. */
    readonly ingressNamespace?: string;
    /** `runbook-platform:kubernetes.namespace`: the app's namespace, when the stack names one (else the app id). */
    readonly kubernetesNamespace?: string;
}

export interface PlaintextCredential {
    /** `runbook-platform:pagerdutyRoutingKey` */
    readonly key: string;
    readonly value: string;
}

export const STACKS_DIR = path.resolve(__dirname, "..", "..", "stacks");

/** `urn:pulumi:<stack>::<project>::<type>::<name>` → `<stack>`. */
export function stackFromUrn(urn: string | undefined): string | undefined {
    const m = urn ? /^urn:pulumi:([^:]+)::/.exec(urn) : null;
    return m?.[1];
}

function currentStack(): string | undefined {
    try {
        return pulumi.getStack() || undefined;
    } catch {
        return undefined;
    }
}

/**
 * What the offline check supplies for a stack instead of its committed file (a stack file text or
 * exceptions under test). Kept per asynchronous run, so two checks of the same stack in flight at
 * once each see their own.
 */
interface Supplied {
    readonly stack: string;
    readonly exceptions?: readonly DeclaredException[];
    readonly stackFileText?: string;
    /** The runbook a test built the plan from when it is not a committed one (a synthetic tiered app); the committed runbook by default. */
    readonly runbook?: Runbook;
}
/** One run's state: what was supplied, and the contexts built so far (by stack), each built once. */
interface Run extends Supplied {
    readonly contexts: Map<string, StackContext | undefined>;
}
const supplied = new AsyncLocalStorage<Run>();

/**
 * Runs `body` as one check of `given.stack`: a stack file text and/or exceptions stand in for the
 * committed stack file's, and the stack's context is built once for the whole run (every policy,
 * every resource shares it) instead of once per resource and policy.
 */
export function withStackFile<T>(given: Supplied, body: () => Promise<T>): Promise<T> {
    return supplied.run({ ...given, contexts: new Map() }, body);
}

function parseExceptions(value: unknown, where: string): DeclaredException[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw new Error(`${where}: runbook-platform:exceptions must be a list of {key, reason}`);
    return value.map((e, i) => {
        if (!e || typeof e.key !== "string" || typeof e.reason !== "string") {
            throw new Error(`${where}: runbook-platform:exceptions[${i}] must have a string key and reason`);
        }
        return { key: e.key, reason: e.reason };
    });
}

interface StackFileFacts {
    readonly exceptions: readonly DeclaredException[];
    readonly plaintextCredentials: readonly PlaintextCredential[];
    readonly backupCopyRegion?: string;
    /** `runbook-platform:aws.backupCopy.account`: the account every AWS Backup rule must copy to, when the stack asks for one. */
    readonly backupCopyAccount?: string;
    readonly ingressNamespace?: string;
    readonly kubernetesNamespace?: string;
}

/**
 * A string at `path` inside one of the stack's object settings (`runbook-platform:aws`,
 * `runbook-platform:kubernetes`), given as the object or as the JSON text the engine hands it over as.
 */
function settingString(setting: unknown, ...path: string[]): string | undefined {
    let v = setting;
    if (typeof v === "string") {
        try {
            v = JSON.parse(v);
        } catch {
            return undefined;
        }
    }
    const value = path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), v);
    return typeof value === "string" ? value : undefined;
}

const OPERATOR_CREDENTIALS: readonly string[] = [...OPERATOR_SECRETS, ...OPTIONAL_OPERATOR_SECRETS].map((k) => `${PROJECT}:${k}`);

/** The stack file's YAML; a parse error names the file and, for a bare `*` or `&` (a YAML alias or anchor), the exception key it usually is. */
function parseStackFile(text: string, where: string): unknown {
    try {
        return YAML.parse(text);
    } catch (e) {
        const msg = (e as Error).message.split("\n")[0];
        const alias = /^\s*-?\s*key:\s*([*&][^\s]*)\s*$/m.exec(text);
        const hint = alias
            ? `; runbook-platform:exceptions key ${alias[1]} is read as a YAML ${alias[1].startsWith("*") ? "alias" : "anchor"}, not a key: an exception names one runbook key the stack overrides (e.g. "backups.postgres.retentionDays"), "protect", "aws.region" or "quotas.<id>=<limit>", never a wildcard`
            : "";
        throw new Error(`${where}: not valid YAML: ${msg}${hint}`);
    }
}

function factsOf(text: string, where: string): StackFileFacts {
    const config = ((parseStackFile(text, where) ?? {}) as { config?: Record<string, unknown> }).config ?? {};
    const plaintextCredentials = OPERATOR_CREDENTIALS.flatMap((key) => {
        const v = config[key];
        return typeof v === "string" || typeof v === "number" ? [{ key, value: String(v) }] : [];
    });
    const backupCopyRegion = settingString(config[`${PROJECT}:aws`], "backupCopy", "region");
    const backupCopyAccount = settingString(config[`${PROJECT}:aws`], "backupCopy", "account");
    const ingressNamespace = settingString(config[`${PROJECT}:kubernetes`], "ingressNamespace");
    const kubernetesNamespace = settingString(config[`${PROJECT}:kubernetes`], "namespace");
    return {
        exceptions: parseExceptions(config[`${PROJECT}:exceptions`], where),
        plaintextCredentials,
        ...(backupCopyRegion ? { backupCopyRegion } : {}),
        ...(backupCopyAccount ? { backupCopyAccount } : {}),
        ...(ingressNamespace ? { ingressNamespace } : {}),
        ...(kubernetesNamespace ? { kubernetesNamespace } : {}),
    };
}

/** Parsed stack files, by path and modification time: every policy asks for the same few files. */
const fileCache = new Map<string, { mtimeMs: number; facts: StackFileFacts }>();

/**
 * What the pack reads from a stack's own config: the committed stack file (plain config, readable
 * without the secrets provider), or — when the pack runs somewhere without the repository's
 * `stacks/` — the config the engine hands the analyzer (`PULUMI_CONFIG`, secrets decrypted and
 * unmarked, so it cannot say which credentials were plain).
 */
/** Parsed supplied stack files, by text: a check of one supplied file parses it once. */
const suppliedCache = new Map<string, StackFileFacts>();

function suppliedFacts(stack: string, text: string): StackFileFacts {
    const key = `${stack}\n${text}`;
    let facts = suppliedCache.get(key);
    if (!facts) {
        facts = factsOf(text, `stack ${stack} (supplied stack file)`);
        if (suppliedCache.size > 64) suppliedCache.clear();
        suppliedCache.set(key, facts);
    }
    return facts;
}

export function stackFileFacts(stack: string): StackFileFacts {
    const given = supplied.getStore();
    if (given?.stack === stack) {
        const facts = given.stackFileText !== undefined ? suppliedFacts(stack, given.stackFileText) : stackFileFacts.committed(stack);
        return given.exceptions ? { ...facts, exceptions: given.exceptions } : facts;
    }
    return stackFileFacts.committed(stack);
}
stackFileFacts.committed = (stack: string): StackFileFacts => {
    const file = path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
    if (fs.existsSync(file)) {
        const mtimeMs = fs.statSync(file).mtimeMs;
        const hit = fileCache.get(file);
        if (hit && hit.mtimeMs === mtimeMs) return hit.facts;
        const facts = factsOf(fs.readFileSync(file, "utf8"), path.relative(process.cwd(), file));
        fileCache.set(file, { mtimeMs, facts });
        return facts;
    }
    try {
        const backupCopyRegion = settingString(new pulumi.Config(PROJECT).getObject("aws"), "backupCopy", "region");
        const backupCopyAccount = settingString(new pulumi.Config(PROJECT).getObject("aws"), "backupCopy", "account");
        const ingressNamespace = settingString(new pulumi.Config(PROJECT).getObject("kubernetes"), "ingressNamespace");
        const kubernetesNamespace = settingString(new pulumi.Config(PROJECT).getObject("kubernetes"), "namespace");
        return {
            exceptions: parseExceptions(new pulumi.Config(PROJECT).getObject("exceptions"), `stack ${stack} config`),
            plaintextCredentials: [],
            ...(backupCopyRegion ? { backupCopyRegion } : {}),
            ...(backupCopyAccount ? { backupCopyAccount } : {}),
            ...(ingressNamespace ? { ingressNamespace } : {}),
            ...(kubernetesNamespace ? { kubernetesNamespace } : {}),
        };
    } catch {
        return { exceptions: [], plaintextCredentials: [] };
    }
};

/** The stack's declared exceptions (see `stackFileFacts`). */
export function declaredExceptions(stack: string): readonly DeclaredException[] {
    return stackFileFacts(stack).exceptions;
}

/** The context for the stack a URN belongs to; undefined for a stack that is not `<app>-<env>`. */
export function contextFor(urn: string | undefined): StackContext | undefined {
    const stack = stackFromUrn(urn) ?? currentStack();
    if (!stack) return undefined;
    const run = supplied.getStore();
    if (run) {
        if (!run.contexts.has(stack)) run.contexts.set(stack, buildContext(stack, stack === run.stack ? run.runbook : undefined));
        return run.contexts.get(stack);
    }
    return buildContext(stack);
}

function buildContext(stack: string, runbook?: Runbook): StackContext | undefined {
    let parsed: { app: AppId; env: Env };
    try {
        parsed = parseStackName(stack);
    } catch {
        return undefined;
    }
    const facts = stackFileFacts(stack);
    return {
        stack,
        app: parsed.app,
        env: parsed.env,
        runbook: runbook ?? getRunbook(parsed.app),
        exceptions: facts.exceptions,
        plaintextCredentials: facts.plaintextCredentials,
        ...(facts.backupCopyRegion ? { backupCopyRegion: facts.backupCopyRegion } : {}),
        ...(facts.backupCopyAccount ? { backupCopyAccount: facts.backupCopyAccount } : {}),
        ...(facts.ingressNamespace ? { ingressNamespace: facts.ingressNamespace } : {}),
        ...(facts.kubernetesNamespace ? { kubernetesNamespace: facts.kubernetesNamespace } : {}),
    };
}

/** The exception that covers a finding's runbook key, if the stack declared one. */
export function exceptionFor(ctx: StackContext, key: string | undefined): DeclaredException | undefined {
    if (!key) return undefined;
    return ctx.exceptions.find((e) => acceptedExceptionKey(ctx.app, e.key) && (e.key === key || key.startsWith(`${e.key}.`)));
}

/** Per app: the keys the program lets a stack declare an exception for (see `acceptedExceptionKey`). */
const acceptedKeys = new Map<AppId, ReadonlySet<string>>();

/**
 * Whether the program accepts `key` as an exception (stacks/settings.ts): a leaf runbook key the
 * stack may override (`overridableKeys`: `alerts.<id>.<severity>.threshold`, `backups.<dataset>.retentionDays`, ...),
 * `protect` or `aws.region`. A prefix (`alerts`), a wildcard (`*`) or any other key silences
 * nothing: the program would refuse the stack, so the pack must not let it turn findings advisory.
 */
export function acceptedExceptionKey(app: AppId, key: string): boolean {
    let keys = acceptedKeys.get(app);
    if (!keys) {
        keys = new Set([...overridableKeys(getRunbook(app)).keys(), "protect", "aws.region"]);
        acceptedKeys.set(app, keys);
    }
    return keys.has(key);
}
