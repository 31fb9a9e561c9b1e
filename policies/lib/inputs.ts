import * as pulumi from "@pulumi/pulumi";

/**
 * The one way every policy reads a resource's inputs. `@pulumi/policy` hands a policy its inputs
 * behind a proxy that throws on a value unknown during preview, which cuts the whole policy
 * short ("can't run policy … during preview") and loses every check of the values that are
 * known. The pack's adapter (`toPolicy`) turns the inputs into plain data once, before any check
 * runs: each unknown becomes the `UNKNOWN` marker (checks skip it, and check everything else),
 * and assets and archives (a Lambda's source) become their wire objects with the text readable.
 */

/** The wire signatures (`@pulumi/pulumi/runtime/rpc`): what the engine marshals assets, archives and secrets as. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The engine's unknown sentinels, by the type it knew (`sdk/go/common/resource/plugin/rpc.go`); the Node SDK only ever sends the string one. */
export const UNKNOWN_SENTINELS: readonly string[] = [
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
];
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * A value the engine cannot know until deploy. It has no keys, is never a string, number or
 * boolean, equals nothing but itself, and prints as `[unknown]` in a message.
 */
export const UNKNOWN: { readonly unknown: true } = Object.freeze(
    Object.create(null, {
        unknown: { value: true, enumerable: false },
        toString: { value: () => "[unknown]", enumerable: false },
        toJSON: { value: () => "[unknown]", enumerable: false },
        [Symbol.toPrimitive]: { value: () => "[unknown]", enumerable: false },
    }),
);

export function isUnknown(v: unknown): v is typeof UNKNOWN {
    return v === UNKNOWN;
}

/** True when `v` or anything under it is unknown. */
export function hasUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(hasUnknown);
    if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
    return false;
}

/** `@pulumi/policy`'s proxy gives its target back under this key (proxy.ts, `getSpecialProxyTarget`). */
const PROXY_TARGET = "__getSpecialProxyTarget";

function target(v: unknown): unknown {
    if (v && typeof v === "object") {
        const t = (v as Record<string, unknown>)[PROXY_TARGET];
        if (t !== undefined) return t;
    }
    return v;
}

/** Fills `into` with an asset's or archive's wire object; the SDK keeps their contents in promises. */
async function fill(a: pulumi.asset.Asset | pulumi.asset.Archive, into: Record<string, unknown>): Promise<void> {
    const any = a as unknown as { text?: Promise<string>; path?: Promise<string>; uri?: Promise<string>; assets?: Promise<Record<string, unknown>> };
    into[SIG_KEY] = pulumi.asset.Asset.isInstance(a) ? ASSET_SIG : ARCHIVE_SIG;
    if (any.assets !== undefined) into.assets = await plainInputs(await any.assets);
    else if (any.text !== undefined) into.text = await any.text;
    else if (any.path !== undefined) into.path = await any.path;
    else if (any.uri !== undefined) into.uri = await any.uri;
}

function plain(value: unknown, pending: Promise<void>[]): any {
    const v = target(value);
    if (typeof v === "string") return UNKNOWN_SENTINELS.includes(v) ? UNKNOWN : v;
    if (v === null || typeof v !== "object") return v;
    if (pulumi.asset.Asset.isInstance(v) || pulumi.asset.Archive.isInstance(v)) {
        const into: Record<string, unknown> = {};
        pending.push(fill(v, into));
        return into;
    }
    if (Array.isArray(v)) return (v as unknown[]).map((item) => plain(item, pending));
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = plain((v as Record<string, unknown>)[k], pending);
    return out;
}

/**
 * Inputs as plain data: the analyzer's proxy removed, unknowns as `UNKNOWN`, assets and archives
 * as their wire objects with their contents read. Works on the proxied inputs `@pulumi/policy`
 * gives a policy and on plain JSON alike.
 */
export async function plainInputs(value: unknown): Promise<any> {
    const raw = target(value);
    const key = raw && typeof raw === "object" ? raw : undefined;
    const hit = key && converted.get(key);
    if (hit) return hit;
    const pending: Promise<void>[] = [];
    const out = plain(value, pending);
    const done = Promise.all(pending).then(() => out);
    if (key) converted.set(key, done);
    return done;
}

/**
 * Inputs already made plain, by the deserialized object they came from: where one set of inputs
 * is shown to every policy (the offline check deserializes each resource once), it is converted
 * once per stack, not once per policy. The engine's server deserializes afresh for each policy, so
 * there nothing is shared and nothing is stale. Checks only read subjects.
 */
const converted = new WeakMap<object, Promise<any>>();

/**
 * Reads a dotted path (`spec.template.spec.containers`) out of plain inputs: the value, `UNKNOWN`
 * when the path runs through an unknown, or undefined when it is absent.
 */
export function at(obj: unknown, path: string): any {
    let cur: unknown = obj;
    for (const part of path.split(".").filter(Boolean)) {
        if (cur === UNKNOWN) return UNKNOWN;
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
}
