import * as fs from "fs";
import * as path from "path";
import type { Source } from "./schema";

/** The five runbooks as their teams wrote them; the data modules point into these files. */
export const SEEDS_DIR = path.join(__dirname, "seeds");

export interface SeedSection {
    heading: string;
    level: number;
    /** Lines up to the next heading of the same or a higher level, fenced code included. */
    body: string;
}

/** `### **Alert Thresholds**` and `## 🚨 Emergency Contacts` both become their plain words. */
export function normalizeHeading(h: string): string {
    return h
        .replace(/\*\*/g, "")
        .replace(/[^\x20-\x7e]/g, "")
        .trim();
}

const cache = new Map<string, SeedSection[]>();

/** Markdown sections of a seed. `#` lines inside fenced code are shell comments, not headings. */
export function seedSections(seed: string): SeedSection[] {
    const hit = cache.get(seed);
    if (hit) return hit;
    const lines = fs.readFileSync(path.join(SEEDS_DIR, seed), "utf8").split("\n");
    const headings: { line: number; level: number; heading: string }[] = [];
    let fenced = false;
    lines.forEach((line, i) => {
        if (/^\s*```/.test(line)) fenced = !fenced;
        const m = !fenced && /^(#{1,6})\s+(.*)$/.exec(line);
        if (m) headings.push({ line: i, level: m[1].length, heading: normalizeHeading(m[2]) });
    });
    const sections = headings.map((h, idx) => {
        const end = headings.slice(idx + 1).find((n) => n.level <= h.level)?.line ?? lines.length;
        return { heading: h.heading, level: h.level, body: lines.slice(h.line + 1, end).join("\n") };
    });
    cache.set(seed, sections);
    return sections;
}

/** Why a source does not point at its seed, or undefined when the quote stands in that section. */
export function checkSource(src: Source): string | undefined {
    const sections = seedSections(src.seed).filter((s) => s.heading === src.section);
    if (sections.length === 0) return `${src.seed} has no section "${src.section}"`;
    if (!sections.some((s) => s.body.includes(src.quote))) {
        return `section "${src.section}" of ${src.seed} does not contain "${src.quote}"`;
    }
    return undefined;
}
