import type { Subject } from "./policy";
import { redisConfs } from "./redis";
import { isRecord, textOf, walk } from "./values";

/**
 * The configuration a Redis the stack runs itself actually starts with: its redis.conf, then the
 * options on the `redis-server <file>.conf …` command line, which Redis appends to the file's text
 * (so `--maxmemory-policy noeviction` overrides the file, `--save ""` drops every save point). A
 * command line is read from a container's command array, or from a script that runs redis-server on
 * a .conf (its `args+=(…)` arrays too, where the command line expands `"${args[@]}"`). Scratch
 * servers without a .conf (verify-latest.sh's restore check) are not the data store and are skipped.
 */

export interface RedisCommandLine {
    readonly subject: Subject;
    readonly path: string;
    /** `--name value…` options in order, as config lines (`save 900 1`, `save ""` as `save` with value ""). */
    readonly options: readonly (readonly [string, string])[];
}

export interface RedisEffective {
    /** The resource holding the redis.conf. */
    readonly subject: Subject;
    readonly path: string;
    /** Last value of each single-valued directive, file then command line. */
    readonly directives: ReadonlyMap<string, string>;
    /** Where each directive's effective value was set: the file, or a command line. */
    readonly setBy: ReadonlyMap<string, string>;
    /** Save points in effect (`save ""` clears them). */
    readonly save: readonly (readonly [number, number])[];
}

const TOKEN = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;

function tokens(line: string): string[] {
    return [...line.matchAll(TOKEN)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** `--name v1 v2 --other` → [[name, "v1 v2"], …]; expansions (`$…`) are not options. */
function optionsOf(args: readonly string[]): [string, string][] {
    const out: [string, string][] = [];
    for (let i = 0; i < args.length; i++) {
        const m = /^--([a-z][a-z0-9-]*)$/.exec(args[i]);
        if (!m) continue;
        const values: string[] = [];
        while (i + 1 < args.length && !args[i + 1].startsWith("--")) values.push(args[++i]);
        out.push([m[1], values.filter((v) => !v.includes("$")).join(" ")]);
    }
    return out;
}

const isServer = (t: string) => t === "redis-server" || t.endsWith("/redis-server");

/** Options after `redis-server <file>.conf` in a token list, with the script's arrays expanded. */
function afterConf(args: readonly string[], arrays: ReadonlyMap<string, string[]>): [string, string][] | undefined {
    const at = args.findIndex((t, i) => isServer(t) && /\.conf$/.test(args[i + 1] ?? ""));
    if (at < 0) return undefined;
    const rest = args.slice(at + 2).flatMap((t) => {
        const m = /^\$\{(\w+)\[@\]\}$/.exec(t);
        return m ? (arrays.get(m[1]) ?? []) : [t];
    });
    return optionsOf(rest);
}

function scriptCommandLines(text: string): [string, string][][] {
    const lines = text.replace(/\\\n/g, " ").split("\n").map((l) => l.replace(/(^|\s)#.*$/, ""));
    const arrays = new Map<string, string[]>();
    for (const l of lines) {
        const m = /(\w+)\+?=\((.*)\)\s*;?\s*$/.exec(l.trim());
        if (m) arrays.set(m[1], [...(arrays.get(m[1]) ?? []), ...tokens(m[2])]);
    }
    return lines.map((l) => afterConf(tokens(l), arrays)).filter((o): o is [string, string][] => o !== undefined);
}

/** Every redis-server command line that loads a .conf, in the stack's resources. */
export function redisCommandLines(resources: readonly Subject[]): RedisCommandLine[] {
    const out: RedisCommandLine[] = [];
    const visit = (s: Subject, v: unknown, path: string): void => {
        if (Array.isArray(v)) {
            if (v.every((x) => typeof x === "string")) {
                const direct = afterConf(v as string[], new Map());
                if (direct) out.push({ subject: s, path, options: direct });
            }
            v.forEach((x, i) => visit(s, x, `${path}[${i}]`));
        } else if (isRecord(v)) {
            for (const [k, x] of Object.entries(v)) visit(s, x, path ? `${path}.${k}` : k);
        }
    };
    for (const s of resources) {
        visit(s, s.props, "");
        walk(s.props, (path, v) => {
            const text = textOf(path, v);
            if (!text || !/redis-server/.test(text)) return;
            for (const options of scriptCommandLines(text)) out.push({ subject: s, path, options });
        });
    }
    return out;
}

/** redis.conf lines in order (`save` repeated), from the same texts redisConfs reads. */
function confLines(subject: Subject, path: string): [string, string][] {
    let text: string | undefined;
    walk(subject.props, (p, v) => {
        if (p === path) text = textOf(p, v);
    });
    const out: [string, string][] = [];
    for (const line of (text ?? "").split("\n")) {
        const m = /^([a-z-]+)(?:\s+(.*?))?\s*$/.exec(line.trim());
        if (m) out.push([m[1], m[2] ?? ""]);
    }
    return out;
}

const unquote = (v: string) => v.replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");

/**
 * The effective configuration of each redis.conf: on Docker with the command line of the container
 * that mounts it; on Kubernetes with every redis-server command line of the stack (the ConfigMap and
 * the start script are separate objects, and every Redis pod loads both).
 */
export function redisEffective(resources: readonly Subject[]): RedisEffective[] {
    const lines = redisCommandLines(resources);
    const k8s = (s: Subject) => s.type.startsWith("kubernetes:");
    return redisConfs(resources).map((c) => {
        const applied: { line: [string, string]; by: string }[] = confLines(c.subject, c.path).map((line) => ({ line, by: `redis.conf ${c.path}` }));
        for (const l of lines.filter((x) => x.subject === c.subject || (k8s(x.subject) && k8s(c.subject)))) {
            for (const line of l.options) applied.push({ line: [line[0], line[1]], by: `the redis-server command line in ${l.subject.type} "${l.subject.name}" (${l.path})` });
        }
        const directives = new Map<string, string>();
        const setBy = new Map<string, string>();
        let save: [number, number][] = [];
        for (const { line: [k, raw], by } of applied) {
            const v = unquote(raw);
            directives.set(k, v);
            setBy.set(k, by);
            if (k !== "save") continue;
            const nums = v.split(/\s+/).filter(Boolean).map(Number);
            if (nums.length === 0 || nums.some((n) => !Number.isFinite(n))) save = [];
            else for (let i = 0; i + 1 < nums.length; i += 2) save.push([nums[i], nums[i + 1]]);
        }
        return { subject: c.subject, path: c.path, directives, setBy, save };
    });
}
