import type { Subject } from "./policy";
import { textOf, walk } from "./values";

/** redis.conf texts in a stack: strings (plain or base64 uploads) that set maxmemory-policy and a port. */
export function redisConfs(resources: readonly Subject[]): { subject: Subject; path: string; directives: Map<string, string> }[] {
    const out: { subject: Subject; path: string; directives: Map<string, string> }[] = [];
    for (const s of resources) {
        walk(s.props, (path, v) => {
            const text = textOf(path, v);
            if (!text || !/^maxmemory-policy /m.test(text) || !/^port \d+/m.test(text)) return;
            const directives = new Map<string, string>();
            for (const line of text.split("\n")) {
                const m = /^([a-z-]+)\s+(.*\S)\s*$/.exec(line.trim());
                if (m) directives.set(m[1], m[2]);
            }
            out.push({ subject: s, path, directives });
        });
    }
    return out;
}
