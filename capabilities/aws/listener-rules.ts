/**
 * Priorities of the HTTPS listener's rules. Host conditions never overlap, so a priority only has
 * to be unique on its listener and stable as services are added: service k (0-based, runbook
 * order) has its production rule at 10·(k+1) and, with blue/green, its test rule one above;
 * Grafana's rule holds 1000, and the services step over that block (service 100 at 1010).
 */

/** Room between two services' rules: a production rule and its test rule, with space to spare. */
export const RULE_PRIORITY_STEP = 10;
/** Grafana's listener rule: after the first 99 services, a block of its own. */
export const GRAFANA_RULE_PRIORITY = 1000;
/** The highest priority a listener rule may have. */
export const MAX_RULE_PRIORITY = 50_000;

/** The production rule's priority of the service at `index`; its test rule (blue/green) is this plus one. */
export function serviceRulePriority(index: number): number {
    if (!Number.isInteger(index) || index < 0) throw new Error(`listener rule index ${index}; allowed: a whole number from 0`);
    const base = (index + 1) * RULE_PRIORITY_STEP;
    const priority = base >= GRAFANA_RULE_PRIORITY ? base + RULE_PRIORITY_STEP : base;
    if (priority + 1 > MAX_RULE_PRIORITY) throw new Error(`service ${index + 1}: listener rule priority ${priority} is above ${MAX_RULE_PRIORITY}, the highest a listener takes; allowed: at most ${Math.floor(MAX_RULE_PRIORITY / RULE_PRIORITY_STEP) - 2} services on one listener`);
    return priority;
}
