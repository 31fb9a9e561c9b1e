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
    for (const f of templateFiles(path.join(dir, "templates"))) for (const c of valueChains(fs.readFileSync(f, "utf8"))) chains.add(c);
    // Charts that render a configuration file from a template string in values.yaml (`tpl
    // .Values.loki.config`, promtail's `config.file`) read values from there.
    const defaults = path.join(dir, "values.yaml");
    if (fs.existsSync(defaults)) for (const c of valueChains(fs.readFileSync(defaults, "utf8").split("\n").filter((l) => !/^\s*#/.test(l)).join("\n"))) chains.add(c);
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
    const index = { dir, chains, subcharts };
    cache.set(dir, index);
    return index;
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** Whether the chart reads `keyPath` (dotted): itself, an ancestor as a whole, or (for a map) something below it. */
function reads(index: ChartIndex, keyPath: string): "whole" | "below" | false {
    for (const c of index.chains) {
        if (c === keyPath || keyPath.startsWith(`${c}.`)) return "whole";
    }
    for (const c of index.chains) if (c.startsWith(`${keyPath}.`)) return "below";
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
        const here = reads(index, dotted);
        if (sub) {
            // The parent may read its subchart's values too (kube-prometheus-stack reads `grafana.sidecar`).
            if (here === "whole" || !isMap(value)) continue;
            const unread = walk(sub, value, []).filter((k) => reads(index, `${key}.${k}`) !== "whole");
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
