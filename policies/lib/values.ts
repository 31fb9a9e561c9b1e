import YAML from "yaml";

/** Small, total readers for provider inputs whose shape the pack does not control. */

export type Visit = (path: string, value: unknown) => void;

/** Reads a property, or undefined when the analyzer's proxy says it is unknown during preview. */
function read(obj: any, key: PropertyKey): unknown {
    try {
        return obj[key];
    } catch {
        return undefined;
    }
}

/**
 * Calls `visit` on every value under `value`, with dotted/indexed paths like `uploads[0].content`.
 * Values unknown during a preview are skipped instead of aborting the whole policy.
 */
export function walk(value: unknown, visit: Visit, path = ""): void {
    visit(path, value);
    if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) walk(read(value, i), visit, `${path}[${i}]`);
    } else if (value && typeof value === "object" && !(value instanceof Date)) {
        for (const k of Object.keys(value)) walk(read(value, k), visit, path ? `${path}.${k}` : k);
    }
}

export function isRecord(v: unknown): v is Record<string, any> {
    return !!v && typeof v === "object" && !Array.isArray(v);
}

export function asArray<T = any>(v: unknown): T[] {
    return Array.isArray(v) ? (v as T[]) : v === undefined || v === null ? [] : [v as T];
}

export function num(v: unknown): number | undefined {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
    return undefined;
}

export function bool(v: unknown): boolean | undefined {
    if (typeof v === "boolean") return v;
    if (v === "true") return true;
    if (v === "false") return false;
    return undefined;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Prometheus / Loki / Go durations: `30s`, `5m`, `1h30m`, `720h`, `30d`, `1w`; a bare number is seconds. */
export function durationToSeconds(d: unknown): number | undefined {
    if (typeof d === "number") return d;
    if (typeof d !== "string" || d.trim() === "") return undefined;
    const s = d.trim();
    if (/^[0-9.]+$/.test(s)) return Number(s);
    const re = /([0-9.]+)(ms|s|m|h|d|w|y)/gy;
    let total = 0;
    let matched = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
        total += Number(m[1]) * UNIT_SECONDS[m[2]];
        matched = re.lastIndex;
    }
    return matched === s.length ? total : undefined;
}

export function formatSeconds(s: number): string {
    if (s % 86400 === 0) return `${s / 86400}d`;
    if (s % 3600 === 0) return `${s / 3600}h`;
    if (s % 60 === 0) return `${s / 60}m`;
    return `${s}s`;
}

const yamlCache = new Map<string, unknown[]>();

/** Every YAML document in a string (a config file's content), or [] when it is not YAML. */
export function yamlDocuments(text: string): unknown[] {
    const hit = yamlCache.get(text);
    if (hit) return hit;
    let docs: unknown[] = [];
    try {
        docs = YAML.parseAllDocuments(text)
            .filter((d) => d.errors.length === 0)
            .map((d) => d.toJSON() as unknown)
            .filter((d) => d !== null && typeof d === "object");
    } catch {
        docs = [];
    }
    if (yamlCache.size > 2000) yamlCache.clear();
    yamlCache.set(text, docs);
    return docs;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A value as text: plain strings, and base64 (`contentBase64` uploads, a Secret's `data`) decoded when it decodes to text. */
export function textOf(path: string, value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    if (value.length >= 8 && value.length % 4 === 0 && BASE64.test(value) && (/contentBase64$/i.test(path) || /(^|\.)data\./.test(path))) {
        const decoded = Buffer.from(value, "base64").toString("utf8");
        if (!/[\x00-\x08\x0e-\x1f]/.test(decoded)) return decoded;
    }
    return value;
}

/**
 * Structured objects found anywhere in some inputs: the objects themselves (a CRD's `spec`,
 * Helm values) and YAML parsed out of strings that contain every one of `hints` (an uploaded
 * config file, AMP rule data, a Secret's `stringData`). Nested YAML strings are followed too
 * (an AMP alert manager definition holds its config as a string inside YAML).
 */
export function structuredIn(value: unknown, hints: readonly string[], depth = 0): { path: string; value: Record<string, any> }[] {
    const out: { path: string; value: Record<string, any> }[] = [];
    walk(value, (path, v) => {
        if (isRecord(v)) out.push({ path, value: v });
        const text = textOf(path, v);
        if (text && depth < 2 && hints.every((h) => text.includes(h))) {
            for (const doc of yamlDocuments(text)) {
                for (const inner of structuredIn(doc, hints, depth + 1)) out.push({ path: inner.path ? `${path}>${inner.path}` : path, value: inner.value });
            }
        }
    });
    return out;
}
