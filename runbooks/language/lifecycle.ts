import { z } from "zod";

/**
 * `data.objectStorage.lifecycle`: the runbook's storage tiers for its buckets ("move statements to
 * Infrequent Access after 30 days and to Glacier after 180"), as S3 lifecycle transitions. Its own
 * module so the language grows outside runbooks/schema.ts, which hands in the shared schemas.
 * MinIO (local and staging) has no storage classes of its own: its ILM transitions move objects to
 * a remote tier (another object store), which those platforms do not run, so the tiers apply on AWS.
 */

/** S3 storage classes a lifecycle rule can move objects to, warmest first (S3's waterfall order). */
export const STORAGE_CLASSES = ["STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** S3 refuses a transition to an Infrequent Access class sooner than 30 days after creation. */
export const IA_MINIMUM_DAYS = 30;
const IA_CLASSES: readonly StorageClass[] = ["STANDARD_IA", "ONEZONE_IA"];

export function lifecycleSchema<S extends z.ZodTypeAny, C extends z.ZodTypeAny>(source: S, converted: C) {
    return z.array(
        z
            .object({
                /** One of `data.objectStorage.buckets`. */
                bucket: z.string(),
                /** Only objects under this key prefix; absent = the whole bucket. */
                prefix: z.string().min(1).optional(),
                /** Days after an object's creation at which it moves to each class, warmest class first. */
                transitions: z.array(z.object({ storageClass: z.enum(STORAGE_CLASSES), days: z.number().int().nonnegative(), converted }).strict()).min(1),
                source,
            })
            .strict()
            .superRefine((tier, ctx) => {
                for (const [i, t] of tier.transitions.entries()) {
                    if (IA_CLASSES.includes(t.storageClass) && t.days < IA_MINIMUM_DAYS) {
                        ctx.addIssue({ code: "custom", path: ["transitions", i, "days"], message: `${t.storageClass} after ${t.days} days: S3 moves objects to an Infrequent Access class no sooner than ${IA_MINIMUM_DAYS} days (allowed: ${IA_MINIMUM_DAYS} or more)` });
                    }
                    const before = tier.transitions[i - 1];
                    if (before && !(STORAGE_CLASSES.indexOf(t.storageClass) > STORAGE_CLASSES.indexOf(before.storageClass) && t.days > before.days)) {
                        ctx.addIssue({
                            code: "custom",
                            path: ["transitions", i],
                            message: `${t.storageClass} after ${t.days} days follows ${before.storageClass} after ${before.days} days (allowed: a colder class, later; order ${STORAGE_CLASSES.join(" > ")})`,
                        });
                    }
                }
            }),
    );
}

interface StoreLike {
    readonly buckets: readonly string[];
    readonly lifecycle?: readonly { readonly bucket: string; readonly prefix?: string }[];
}

/** Tiers naming a bucket the runbook does not have, or one bucket and prefix twice. */
export function lifecycleProblems(rb: { readonly app: string; readonly data: { readonly objectStorage?: StoreLike } }): { path: (string | number)[]; message: string }[] {
    const store = rb.data.objectStorage;
    const out: { path: (string | number)[]; message: string }[] = [];
    const seen = new Set<string>();
    for (const [i, tier] of (store?.lifecycle ?? []).entries()) {
        if (!store!.buckets.includes(tier.bucket)) {
            out.push({ path: ["data", "objectStorage", "lifecycle", i, "bucket"], message: `${rb.app}: lifecycle names bucket "${tier.bucket}", which is not in data.objectStorage.buckets (allowed: ${store!.buckets.join(", ")})` });
        }
        const key = `${tier.bucket}/${tier.prefix ?? ""}`;
        if (seen.has(key)) out.push({ path: ["data", "objectStorage", "lifecycle", i], message: `${rb.app}: two lifecycle entries for ${tier.bucket}${tier.prefix ? ` under ${tier.prefix}` : ""} (allowed: one per bucket and prefix)` });
        seen.add(key);
    }
    return out;
}

/** The S3 lifecycle rule id of a tier: stable, from its prefix. */
export function tierRuleId(tier: { readonly prefix?: string }): string {
    return tier.prefix ? `runbook-tiers-${tier.prefix.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}` : "runbook-tiers";
}
