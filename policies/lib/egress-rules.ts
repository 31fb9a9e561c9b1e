import { asArray, isRecord, num } from "./values";

/**
 * Whether one NetworkPolicy egress rule allows no more than another: every port of it within a
 * port of the other, every peer within a peer of the other (a narrower selector, a smaller
 * address block that leaves out at least the other's exceptions). A rule with no `to` reaches
 * every destination, one with no `ports` every port.
 */

type Rec = Record<string, any>;

function ipv4(cidr: unknown): { base: number; bits: number } | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(String(cidr));
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const bits = Number(m[5]);
    if (octets.some((o) => o > 255) || bits > 32) return undefined;
    const addr = octets.reduce((a, o) => a * 256 + o, 0);
    const size = 2 ** (32 - bits);
    return { base: addr - (addr % size), bits };
}
const size = (c: { bits: number }) => 2 ** (32 - c.bits);
/** `inner` lies within `outer` (both IPv4 blocks). */
const inside = (inner: { base: number; bits: number }, outer: { base: number; bits: number }) => inner.bits >= outer.bits && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
const overlaps = (a: { base: number; bits: number }, b: { base: number; bits: number }) => a.base < b.base + size(b) && b.base < a.base + size(a);

/** An address block `r` allows no more than `a`: inside it, and each of `a`'s exceptions that reaches into `r` left out by `r` too. */
function blockWithin(r: Rec, a: Rec): boolean {
    const rc = ipv4(r.cidr);
    const ac = ipv4(a.cidr);
    if (!rc || !ac) return String(r.cidr) === String(a.cidr) && asArray(a.except).every((e) => asArray(r.except).map(String).includes(String(e)));
    if (!inside(rc, ac)) return false;
    const rex = asArray(r.except).map(ipv4).filter((x): x is { base: number; bits: number } => !!x);
    return asArray(a.except)
        .map(ipv4)
        .every((e) => !e || !overlaps(e, rc) || (!inside(rc, e) && rex.some((x) => inside(e, x))));
}

/** A label selector `r` selects no more than `a`: `a`'s labels and expressions are all in `r` (an absent or empty `a` selects all). */
export function selectorWithin(r: unknown, a: unknown): boolean {
    if (!isRecord(a)) return true;
    if (!isRecord(r)) return Object.keys(a.matchLabels ?? {}).length === 0 && asArray(a.matchExpressions).length === 0;
    const rl = isRecord(r.matchLabels) ? r.matchLabels : {};
    const al = isRecord(a.matchLabels) ? a.matchLabels : {};
    if (!Object.entries(al).every(([k, v]) => rl[k] === v)) return false;
    const rx = asArray(r.matchExpressions).map((e) => JSON.stringify(canonical(e)));
    return asArray(a.matchExpressions).every((e) => rx.includes(JSON.stringify(canonical(e))));
}

function canonical(x: unknown): unknown {
    if (Array.isArray(x)) return x.map(canonical);
    if (isRecord(x)) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, canonical(x[k])]));
    return x;
}

export function peerWithin(r: Rec, a: Rec): boolean {
    if (isRecord(a.ipBlock)) return isRecord(r.ipBlock) && blockWithin(r.ipBlock, a.ipBlock);
    if (r.ipBlock !== undefined) return false;
    // No namespaceSelector: the policy's own namespace only.
    if (a.namespaceSelector === undefined) {
        if (r.namespaceSelector !== undefined) return false;
    } else if (r.namespaceSelector === undefined || !selectorWithin(r.namespaceSelector, a.namespaceSelector)) return false;
    return selectorWithin(r.podSelector, a.podSelector);
}

const protocol = (p: Rec) => String(p.protocol ?? "TCP");

function portWithin(r: Rec, a: Rec): boolean {
    if (protocol(r) !== protocol(a)) return false;
    if (a.port === undefined) return true;
    if (r.port === undefined) return false;
    const rf = num(r.port);
    const af = num(a.port);
    if (rf === undefined || af === undefined) return rf === undefined && af === undefined && String(r.port) === String(a.port) && r.endPort === undefined && a.endPort === undefined;
    return rf >= af && (num(r.endPort) ?? rf) <= (num(a.endPort) ?? af);
}

export function ruleWithin(r: Rec, a: Rec): boolean {
    const rPorts = asArray(r.ports).filter(isRecord);
    const aPorts = asArray(a.ports).filter(isRecord);
    if (aPorts.length > 0 && (rPorts.length === 0 || !rPorts.every((p) => aPorts.some((q) => portWithin(p, q))))) return false;
    const rTo = asArray(r.to).filter(isRecord);
    const aTo = asArray(a.to).filter(isRecord);
    if (aTo.length === 0) return true;
    return rTo.length > 0 && rTo.every((p) => aTo.some((q) => peerWithin(p, q)));
}

/** A rule in words: "every port to every pod of the namespace", "UDP 53, TCP 53 to pods {…} in namespaces {…}". */
export function describeRule(rule: Rec): string {
    const ports = asArray(rule.ports).filter(isRecord);
    const on = ports.length ? ports.map((p) => `${protocol(p)} ${p.port ?? "every port"}${p.endPort !== undefined ? `-${p.endPort}` : ""}`).join(", ") : "every port";
    const to = asArray(rule.to).filter(isRecord);
    const peers = to.length ? to.map(describePeer).join("; ") : "every destination";
    return `${on} to ${peers}`;
}

function describePeer(p: Rec): string {
    if (isRecord(p.ipBlock)) return `${p.ipBlock.cidr}${asArray(p.ipBlock.except).length ? ` except ${asArray(p.ipBlock.except).join(", ")}` : ""}`;
    const pods = isRecord(p.podSelector) && (Object.keys(p.podSelector.matchLabels ?? {}).length || asArray(p.podSelector.matchExpressions).length) ? `pods ${JSON.stringify(p.podSelector)}` : "every pod";
    if (p.namespaceSelector === undefined) return `${pods} of the namespace`;
    const ns = p.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"];
    return `${pods} in ${typeof ns === "string" && Object.keys(p.namespaceSelector.matchLabels).length === 1 && !asArray(p.namespaceSelector.matchExpressions).length ? `namespace ${ns}` : `namespaces ${JSON.stringify(p.namespaceSelector)}`}`;
}
