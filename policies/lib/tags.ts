import { isUnknown } from "./inputs";
import type { Subject } from "./policy";
import { isRecord } from "./values";

/** Which `key=value` tags the stack's resources carry, counted once per resource list. */
export interface TagIndex {
    /** `key=value` → how many resources carry it. */
    readonly carried: ReadonlyMap<string, number>;
    /** Some resource's tags are unknown until deploy (a first preview): nothing can be said to select nothing. */
    readonly unknown: boolean;
}

const indexes = new WeakMap<readonly Subject[], TagIndex>();

export function tagIndex(resources: readonly Subject[]): TagIndex {
    let ix = indexes.get(resources);
    if (!ix) {
        const carried = new Map<string, number>();
        let unknown = false;
        for (const r of resources) {
            const tags = r.props.tags;
            if (isUnknown(tags)) unknown = true;
            if (!isRecord(tags)) continue;
            for (const [k, v] of Object.entries(tags)) {
                if (isUnknown(v)) unknown = true;
                const key = `${k}=${String(v)}`;
                carried.set(key, (carried.get(key) ?? 0) + 1);
            }
        }
        ix = { carried, unknown };
        indexes.set(resources, ix);
    }
    return ix;
}

/**
 * Why a tag condition selects nothing, or undefined when some resource carries one of the tags
 * (AWS Backup selects resources matching any of a selection's tags) or that is unknown yet.
 */
export function selectsNothing(resources: readonly Subject[], tags: readonly { key: string; value: string }[]): string | undefined {
    if (tags.length === 0) return undefined;
    const ix = tagIndex(resources);
    if (ix.unknown) return undefined;
    if (tags.some((t) => (ix.carried.get(`${t.key}=${t.value}`) ?? 0) > 0)) return undefined;
    return `it selects by tag ${tags.map((t) => `${t.key}=${t.value}`).join(" or ")}, which no resource of the stack carries`;
}
