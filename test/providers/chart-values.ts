import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";

/**
 * Which of the values we give a chart it reads. Helm passes unknown keys through silently, so a
 * misspelt or version-skewed key (a key the pinned chart does not have yet, or no longer has) is
 * lost without a word. A key counts as read when a template of the chart (or of the subchart the
 * key belongs to, a template string in its values.yaml, or a dependency `condition`) reads `.Values.<key path>` or reads one of its
 * ancestors as a whole (`toYaml .Values.podLabels`, `with .Values.securityContext`).
 */

interface ChartIndex {
    readonly dir: string;
    /** Every maximal `.Values.a.b.c` chain the templates read, as dotted paths. */
    readonly chains: ReadonlySet<string>;
    /** Chains the templates hand on whole (`toYaml`, `omit`, `tpl`, `merge` …): every key below them reaches the output. */
    readonly passThrough: ReadonlySet<string>;
    /** The templates' text, for field names read through a helper or a `with` block (`.sampleLimit`). */
    readonly text: string;
    /** The chart's values.yaml. */
    readonly defaults: Record<string, unknown>;
    /** Subcharts by the key their values live under (alias, else name). */
    readonly subcharts: ReadonlyMap<string, ChartIndex>;
}

const cache = new Map<string, ChartIndex>();

function templateFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return templateFiles(p);
        return /\.(ya?ml|tpl|txt|json)$/.test(e.name) ? [p] : [];
    });
}

/** `.Values.a.b`, `$.Values.a.b`, `$root.Values.a.b`, and `index .Values "a-b" "c"` in Go templates. */
export function valueChains(text: string): string[] {
    const out: string[] = [];
    for (const m of text.matchAll(/\bValues((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) out.push(m[1].slice(1));
    for (const m of text.matchAll(/\bindex\s+\(?\s*\$?[A-Za-z_]*\.?Values\s*\)?((?:\s+"[^"]+")+)/g)) {
        const keys = [...m[1].matchAll(/"([^"]+)"/g)].map((k) => k[1]);
        out.push(keys.join("."));
    }
    return out;
}

export function indexChart(dir: string): ChartIndex {
    const hit = cache.get(dir);
    if (hit) return hit;
    const chart = YAML.parse(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8")) as { dependencies?: { name: string; alias?: string; condition?: string }[] };
    const chains = new Set<string>();
    const texts = templateFiles(path.join(dir, "templates")).map((f) => fs.readFileSync(f, "utf8"));
    const valuesFile = path.join(dir, "values.yaml");
    // Charts that render a configuration file from a template string in values.yaml (`tpl
    // .Values.loki.config`, promtail's `config.file`) read values from there too.
    if (fs.existsSync(valuesFile)) texts.push(fs.readFileSync(valuesFile, "utf8").split("\n").filter((l) => !/^\s*#/.test(l)).join("\n"));
    for (const text of texts) for (const c of valueChains(text)) chains.add(c);
    const text = texts.join("\n");
    const passThrough = new Set<string>();
    const handOn = /(?:toYaml|toJson|toPrettyJson|omit|tpl|merge|mergeOverwrite|deepCopy|dict\s+"[^"]+")\s*\(?\s*\$?[A-Za-z_]*\.?Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?![.A-Za-z0-9_])|Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*\|\s*(?:toYaml|toJson|toPrettyJson)|with\s+\$?[A-Za-z_]*\.?Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*-?}}\s*(?:\n[^\n]*){0,2}?toYaml\s+\.\s/g;
    for (const m of text.matchAll(handOn)) passThrough.add((m[1] ?? m[2] ?? m[3]).slice(1));
    const defaults = fs.existsSync(valuesFile) ? ((YAML.parse(fs.readFileSync(valuesFile, "utf8")) ?? {}) as Record<string, unknown>) : {};
    for (const d of chart.dependencies ?? []) for (const c of (d.condition ?? "").split(",").filter(Boolean)) chains.add(c.trim());
    const subcharts = new Map<string, ChartIndex>();
    const subDir = path.join(dir, "charts");
    const byName = new Map<string, string>();
    if (fs.existsSync(subDir)) {
        for (const e of fs.readdirSync(subDir, { withFileTypes: true })) {
            if (!e.isDirectory() || !fs.existsSync(path.join(subDir, e.name, "Chart.yaml"))) continue;
            const sub = YAML.parse(fs.readFileSync(path.join(subDir, e.name, "Chart.yaml"), "utf8")) as { name: string };
            byName.set(sub.name, path.join(subDir, e.name));
        }
    }
    for (const d of chart.dependencies ?? []) {
        const sd = byName.get(d.name);
        if (!sd) throw new Error(`${dir}: dependency ${d.name} is in Chart.yaml but not vendored under charts/`);
        subcharts.set(d.alias ?? d.name, indexChart(sd));
    }
    const index = { dir, chains, passThrough, text, defaults, subcharts };
    cache.set(dir, index);
    return index;
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

function defaultAt(defaults: Record<string, unknown>, keyPath: string): unknown {
    let v: unknown = defaults;
    for (const k of keyPath.split(".")) v = isMap(v) ? v[k] : undefined;
    return v;
}

/**
 * Whether the chart reads `keyPath` (dotted): by name, below an ancestor it hands on whole
 * (`toYaml`, or a free-form map with no defaults), or (for a map it reads field by field)
 * something below it. Below an ancestor read as a context but field by field (a helper given
 * `.Values.kubelet.serviceMonitor`, a `with` block), the key must be one of the chart's defaults
 * there or a field name its templates use.
 */
function reads(index: ChartIndex, keyPath: string, isMapValue: boolean): "whole" | "below" | false {
    const fieldByField = (c: string) => !index.passThrough.has(c) && isMap(defaultAt(index.defaults, c)) && Object.keys(defaultAt(index.defaults, c) as object).length > 0;
    // A map the chart reads field by field: its keys are checked one by one.
    if (isMapValue && (index.chains.has(keyPath) || [...index.chains].some((c) => c.startsWith(`${keyPath}.`))) && (fieldByField(keyPath) || !index.chains.has(keyPath))) return "below";
    if (index.chains.has(keyPath)) return "whole";
    const ancestors = [...index.chains].filter((c) => keyPath.startsWith(`${c}.`));
    if (ancestors.some((c) => !fieldByField(c))) return "whole";
    if (ancestors.length) {
        const last = keyPath.split(".").at(-1)!;
        const named = new RegExp(`\\.${last.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9_])`).test(index.text);
        if (defaultAt(index.defaults, keyPath) !== undefined || named) return "whole";
    }
    return false;
}

/**
 * The key paths of `values` the chart never reads, as `a.b.c` (subchart keys prefixed with the
 * subchart's key). `global` is Helm's shared map and always passed on.
 */
export function unreadKeys(dir: string, values: Record<string, unknown>): string[] {
    return walk(indexChart(dir), values, []);
}

function walk(index: ChartIndex, values: Record<string, unknown>, prefix: string[]): string[] {
    const out: string[] = [];
    for (const [key, value] of Object.entries(values)) {
        const p = [...prefix, key];
        const dotted = p.join(".");
        if (prefix.length === 0 && key === "global") continue;
        const sub = prefix.length === 0 ? index.subcharts.get(key) : undefined;
        const here = reads(index, dotted, isMap(value));
        if (sub) {
            // The parent may read its subchart's values too (kube-prometheus-stack reads `grafana.sidecar`).
            if (!isMap(value)) continue;
            const unread = walk(sub, value, []).filter((k) => reads(index, `${key}.${k}`, false) !== "whole");
            out.push(...unread.map((k) => `${key}.${k}`));
            continue;
        }
        if (here === "whole") continue;
        if (here === "below" && isMap(value)) {
            out.push(...walk(index, value, p));
            continue;
        }
        out.push(dotted);
    }
    return out;
}
