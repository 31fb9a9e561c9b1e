import type { Alert, Level, Unit } from "../../runbooks";

/**
 * How an alert level is written for people: in rule annotations, CloudWatch alarm descriptions,
 * dashboard panel descriptions and the coverage report. One wording, so a level reads the same
 * wherever an operator meets it.
 */

/** How a value of each unit is written after the number. */
export const UNIT_SUFFIX: Readonly<Record<Unit, string>> = {
    percent: "%",
    seconds: " s",
    per_minute: "/min",
    messages: " messages",
    days: " days",
    intervals: " backup intervals",
    bool: "",
};

/** The level's bound as the runbook states it: `above 5% for 2m`. */
export function levelBound(alert: Pick<Alert, "direction" | "unit">, level: Pick<Level, "threshold" | "for">): string {
    return `${alert.direction} ${level.threshold}${UNIT_SUFFIX[alert.unit]} for ${level.for}`;
}

/** When the level fires, in words: `above 5% for 2m`, or `down for 1m` for an up/down signal. */
export function levelCondition(alert: Pick<Alert, "direction" | "unit">, level: Pick<Level, "threshold" | "for">): string {
    return alert.unit === "bool" ? `down for ${level.for}` : levelBound(alert, level);
}

/** The level in a list of levels: `critical > 5% for 2m`. */
export function levelSummary(alert: Pick<Alert, "direction" | "unit">, level: Pick<Level, "severity" | "threshold" | "for">): string {
    return `${level.severity} ${alert.direction === "above" ? ">" : "<"} ${level.threshold}${UNIT_SUFFIX[alert.unit]} for ${level.for}`;
}
