import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { PlannedResource } from "../cli/harness/runtime";
import { SECRET_SIG, SIG_KEY, UNKNOWN_STRING } from "./lib/inputs";

/**
 * A planned resource's inputs as the engine sends them to an analyzer: `MarshalProperties` with
 * `KeepUnknowns`, `KeepSecrets` and not `KeepResources` (pulumi/pulumi
 * `pkg/resource/plugin/analyzer_plugin.go`, `sdk/go/common/resource/plugin/rpc.go`): secrets as
 * the secret signature object, unknowns as the unknown sentinel, assets and archives as their
 * signature objects, a resource reference as its id or URN. The offline check and the tests that
 * drive the real analyzer over gRPC both start from this, so the pack sees the same inputs in both.
 */

// Internal modules of the pinned @pulumi/policy (their typings export nothing): the analyzer server's own deserializer and proxy.
const { deserializeProperties } = require("@pulumi/policy/deserialize") as { deserializeProperties(s: Struct, proxySecrets: boolean): Record<string, unknown> };
const { unknownCheckingProxy, UnknownValueError } = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(v: T): T; UnknownValueError: new (...args: any[]) => Error };
export const POLICY_SDK_VERSION: string = (require("@pulumi/policy/version") as { version: string }).version;

/** A policy cut short by an unknown value (the server turns it into "can't run policy … during preview"). */
export function isUnknownValueError(e: unknown): boolean {
    return e instanceof UnknownValueError;
}

/** A planned resource, optionally with the engine's wire form already recorded (the preview planner keeps it). */
export type WiredResource = PlannedResource & { readonly wire?: Record<string, unknown> };

const SHOWN_UNKNOWN = "[unknown]";

function rebuild(raw: unknown, shown: unknown, path: string, secrets: ReadonlySet<string>, inSecret: boolean): unknown {
    if (!inSecret && secrets.has(path)) return { [SIG_KEY]: SECRET_SIG, value: rebuild(raw, undefined, path, secrets, true) ?? null };
    if (raw === undefined) return (inSecret || shown === SHOWN_UNKNOWN) && path !== "" ? UNKNOWN_STRING : undefined;
    if (Array.isArray(raw)) {
        const s = Array.isArray(shown) ? shown : [];
        return raw.map((v, i) => rebuild(v, s[i], `${path}[${i}]`, secrets, inSecret) ?? null);
    }
    if (raw && typeof raw === "object") {
        const s = shown && typeof shown === "object" ? (shown as Record<string, unknown>) : {};
        const out: Record<string, unknown> = {};
        for (const k of new Set([...Object.keys(raw), ...Object.keys(s)])) {
            const v = rebuild((raw as Record<string, unknown>)[k], s[k], path ? `${path}.${k}` : k, secrets, inSecret);
            if (v !== undefined) out[k] = v;
        }
        return out;
    }
    return raw;
}

/** The resource's inputs in the engine's wire form (JSON, ready for `Struct.fromJavaScript`). */
export function wireProperties(r: WiredResource): Record<string, unknown> {
    return skipInternalKeys(r.wire ?? rebuild(r.props, r.inputs, "", new Set(r.secretPaths), false) ?? {}) as Record<string, unknown>;
}

/** `SkipInternalKeys`: the engine drops keys that start with `__` (the SDK's `__pulumiArchive` marker, providers' `__defaults`). */
function skipInternalKeys(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(skipInternalKeys);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith("__")).map(([k, x]) => [k, skipInternalKeys(x)]));
    return v;
}

/** What `@pulumi/policy`'s analyzer server hands a policy for these wire properties (server.ts: deserialize, then the unknown-checking proxy). */
export function analyzerProps(wire: Record<string, unknown>): Record<string, any> {
    // The server reads `Struct.toJavaScript()` of what arrived; the wire form is already that JSON, so the protobuf round trip is skipped.
    const arrived = { toJavaScript: () => wire } as unknown as Struct;
    return unknownCheckingProxy(deserializeProperties(arrived, false)) as Record<string, any>;
}
