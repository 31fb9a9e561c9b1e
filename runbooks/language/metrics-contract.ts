import { z } from "zod";

/**
 * `metrics`: the app's metrics contract (prefix, status label, histogram boundaries, the traffic
 * guards of its ratio alerts). Its own module so the language grows outside runbooks/schema.ts,
 * which hands in the shared schemas.
 */

/**
 * How the app names its HTTP metrics (the metrics contract the HTTP alerts read). Absent: prom-client
 * conventions (no prefix, the status code in a `status` label on the request counter, prom-client's
 * default buckets plus each latency threshold), the platform default.
 */
export function metricsContractSchemaOf<S extends z.ZodTypeAny, D extends z.ZodTypeAny>(source: S, defaulted: D) {
    return z
        .object({
            /** Prefix of every HTTP metric, e.g. `pfm_` for `pfm_http_requests_total`. */
            prefix: z.string().regex(/^([a-z][a-z0-9_]*_)?$/, "empty or a metric-name prefix ending in _ (e.g. pfm_)"),
            /** `error-counter`: 5xx answers are counted again in `<prefix>http_errors_total{status}`; `status-label`: read from the request counter. */
            errors: z.enum(["status-label", "error-counter"]),
            /** The label holding the HTTP status code (prom-client examples: `status`; express-prom-bundle: `status_code`). Default `status`. */
            statusLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/).optional(),
            /** The latency histogram's bucket boundaries, seconds, where the app fixes its own: every latency threshold must be one. */
            latencyBuckets: z.array(z.number().positive()).min(1).optional(),
            /** Requests per second below which the HTTP ratio alerts stay quiet. Default `DEFAULTS.minRequestsPerSecond`. */
            minRequestsPerSecond: z.number().nonnegative().optional(),
            /** 5xx answers per minute at which the error rate is read even below the minimum traffic: a service failing every request pages. Default `DEFAULTS.minErrorsPerMinute`. */
            minErrorsPerMinute: z.number().nonnegative().optional(),
            source,
            defaulted,
        })
        .strict();
}
