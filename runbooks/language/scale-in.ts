import { z } from "zod";
import { DURATION_ALLOWED, DURATION_RE, durationSeconds } from "../units";
import { DEFAULTS } from "../defaults";

/**
 * `services[].scaling.scaleIn`: how a service's autoscaler gives replicas back, where the runbook
 * says ("scale in only after 10 minutes below target", "never scale in automatically"). Absent:
 * the platform default (DEFAULTS.scaleInCooldown), marked as such wherever it is shown. Its own
 * module so the language grows outside runbooks/schema.ts, which hands in the shared schemas.
 */

/** AWS Application Auto Scaling takes cooldowns up to one hour; the HPA's stabilization window the same. */
export const MAX_SCALE_IN_COOLDOWN_SECONDS = 3600;

export function scaleInSchema<S extends z.ZodTypeAny, D extends z.ZodTypeAny, C extends z.ZodTypeAny>(source: S, defaulted: D, converted: C) {
    return z
        .object({
            /** false: the autoscaler never removes replicas (a person scales in); true: it does, after `cooldown`. */
            enabled: z.boolean(),
            /**
             * How long the load must stay below target before replicas are removed: the AWS target
             * tracking scale-in cooldown, the Kubernetes HPA's scale-down stabilization window.
             * Absent with `enabled: true`: the platform default.
             */
            cooldown: z
                .string()
                .regex(DURATION_RE, `a duration like 5m or 10m (allowed: ${DURATION_ALLOWED})`)
                .refine((d) => !DURATION_RE.test(d) || durationSeconds(d) <= MAX_SCALE_IN_COOLDOWN_SECONDS, { message: `a cooldown of at most 1h (allowed: 0s to 1h; AWS and the HPA take no longer)` })
                .optional(),
            source,
            defaulted,
            converted,
        })
        .strict()
        .refine((r) => r.enabled || r.cooldown === undefined, { message: "scale-in is disabled, so a cooldown means nothing (allowed: enabled: true with a cooldown, or enabled: false without one)", path: ["cooldown"] });
}

/** What the autoscalers do when load drops, resolved: the runbook's rule, else the platform default (then `defaulted` says why). */
export interface ScaleInRule {
    readonly enabled: boolean;
    /** Seconds below target before a replica goes; 0 when disabled. */
    readonly cooldownSeconds: number;
    /** The default's reason where the runbook is silent (the whole rule, or only its cooldown). */
    readonly defaulted?: string;
}

export function scaleInRule(scaling: { readonly scaleIn?: { readonly enabled: boolean; readonly cooldown?: string } }): ScaleInRule {
    const rule = scaling.scaleIn;
    const fallback = durationSeconds(DEFAULTS.scaleInCooldown.value);
    if (!rule) return { enabled: true, cooldownSeconds: fallback, defaulted: DEFAULTS.scaleInCooldown.reason };
    if (!rule.enabled) return { enabled: false, cooldownSeconds: 0 };
    return rule.cooldown === undefined ? { enabled: true, cooldownSeconds: fallback, defaulted: DEFAULTS.scaleInCooldown.reason } : { enabled: true, cooldownSeconds: durationSeconds(rule.cooldown) };
}
