import { durationSeconds, type Alert, type Runbook } from "../../runbooks";
import { SCRAPE_INTERVAL } from "./metrics";

/** What every promtool scenario (promtool-scenarios.ts, scenarios-health.ts) is made of: samples, series, instances. */

/** Seconds between a scenario's samples: the scrape interval. */
export const STEP = durationSeconds(SCRAPE_INTERVAL);

export type Side = "fire" | "calm";
export type Labels = Record<string, string>;

export interface Sim {
    readonly name: string;
    readonly labels: Labels;
    readonly values: readonly number[];
}
/** One alert instance the scenario produces, and the signal's value for it at time t (seconds). */
export interface Instance {
    readonly labels: Labels;
    readonly valueAt: (t: number) => number | undefined;
}
export interface Scenario {
    readonly series: readonly Sim[];
    readonly instances: readonly Instance[];
    /** What is going on, in words, for the test name. */
    readonly story: string;
}
export interface Setup {
    readonly runbook: Runbook;
    readonly alert: Alert;
    /** The `app` label: the runbook's app, or another app for the scoping check. */
    readonly app: string;
    readonly components: readonly string[];
    readonly value: number;
    readonly side: Side;
    readonly samples: number;
}

export const times = (n: number) => Array.from({ length: n }, (_, i) => i * STEP);
export const gauge = (n: number, v: number) => times(n).map(() => v);
export const counter = (n: number, perSecond: number) => times(n).map((t) => t * perSecond);
/**
 * A per-scrape reading (selectors.ts `lastRate`: the rate over the last two samples) of counters
 * growing steadily from t=0, or a ratio of such rates: `v` from the second sample on.
 */
export const ratio = (v: number) => (t: number) => (t < STEP ? undefined : v);
export const fmt = (v: number, digits = 2) => Number(v.toFixed(digits)).toString();
