import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { getRunbook, type AppId, type Env, type Runbook } from "../../runbooks";
import { parseStackName, PROJECT } from "../../stacks/settings";

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

/** Exceptions the offline check supplies for a stack (e.g. from a stack file text under test), by stack name. */
const suppliedExceptions = new Map<string, readonly DeclaredException[]>();

/** Used by the offline check to give the pack a stack's exceptions; `undefined` goes back to the stack file. */
export function supplyExceptions(stack: string, exceptions: readonly DeclaredException[] | undefined): void {
    if (exceptions) suppliedExceptions.set(stack, exceptions);
    else suppliedExceptions.delete(stack);
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

/**
 * The stack's declared exceptions: the committed stack file (plain config, readable without the
 * secrets provider), or — when the pack runs somewhere without the repository's `stacks/` — the
 * config the engine hands the analyzer (`PULUMI_CONFIG`).
 */
export function declaredExceptions(stack: string): readonly DeclaredException[] {
    const supplied = suppliedExceptions.get(stack);
    if (supplied) return supplied;
    const file = path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
    if (fs.existsSync(file)) {
        const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
        return parseExceptions(doc.config?.[`${PROJECT}:exceptions`], path.relative(process.cwd(), file));
    }
    try {
        return parseExceptions(new pulumi.Config(PROJECT).getObject("exceptions"), `stack ${stack} config`);
    } catch {
        return [];
    }
}

/** The context for the stack a URN belongs to; undefined for a stack that is not `<app>-<env>`. */
export function contextFor(urn: string | undefined): StackContext | undefined {
    const stack = stackFromUrn(urn) ?? currentStack();
    if (!stack) return undefined;
    let parsed: { app: AppId; env: Env };
    try {
        parsed = parseStackName(stack);
    } catch {
        return undefined;
    }
    return { stack, app: parsed.app, env: parsed.env, runbook: getRunbook(parsed.app), exceptions: declaredExceptions(stack) };
}

/** The exception that covers a finding's runbook key, if the stack declared one. */
export function exceptionFor(ctx: StackContext, key: string | undefined): DeclaredException | undefined {
    if (!key) return undefined;
    return ctx.exceptions.find((e) => e.key === key || key.startsWith(`${e.key}.`));
}
