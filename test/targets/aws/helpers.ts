import { CronExpressionParser } from "cron-parser";
import type { PlannedResource, StackPlan } from "../../../cli/harness/runtime";

/** Lookups over an offline plan for the AWS target's tests. */

export const PRODUCTION = ["pfm-community", "formula-pm", "personal-finance-hub", "bunty", "gravitypm"] as const;

export function ofType(plan: StackPlan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

export function named(plan: StackPlan, type: string, name: string): PlannedResource {
    const found = plan.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`${plan.stack}: no ${type} named ${name}; have ${ofType(plan, type).map((r) => r.name).join(", ") || "none"}`);
    return found;
}

export function prop<T = unknown>(r: PlannedResource, path: string): T {
    let v: unknown = r.props;
    for (const part of path.split(".")) v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[part];
    return v as T;
}

/** The mock engine's id of a resource: `<name>-id`. */
export const mockId = (r: PlannedResource) => `${r.name}-id`;

/** AWS's six-field `cron(...)` back to five fields (AWS day-of-week counts 1-7 from Sunday). */
export function fromAwsCron(expr: string): string {
    const m = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expr);
    if (!m) throw new Error(`"${expr}" is not an AWS cron expression`);
    const [, min, hour, dom, month, dow, year] = m;
    if (year !== "*") throw new Error(`"${expr}": a year field other than * is not expected`);
    if (dom !== "?" && dow !== "?") throw new Error(`"${expr}": AWS needs ? in day-of-month or day-of-week`);
    return [min, hour, dom === "?" ? "*" : dom, month, dow === "?" ? "*" : dow.replace(/\d/g, (d) => `${Number(d) - 1}`)].join(" ");
}

/** The next `n` fire times of a five-field UTC cron, from a fixed start. */
export function fireTimes(cron: string, n: number, from = "2026-03-01T00:00:00Z"): number[] {
    const it = CronExpressionParser.parse(cron, { tz: "UTC", currentDate: new Date(from) });
    return Array.from({ length: n }, () => it.next().getTime());
}

/** Every input path whose name says it holds a credential. */
export function credentialPaths(value: unknown, path = ""): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => credentialPaths(v, `${path}[${i}]`));
    if (value && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
            const p = path ? `${path}.${k}` : k;
            // A flag named after a password (RDS `manageMasterUserPassword: true`) holds no credential.
            return /(password|authtoken|secretstring)$/i.test(k) && v !== undefined && typeof v !== "boolean" ? [p, ...credentialPaths(v, p)] : credentialPaths(v, p);
        });
    }
    return [];
}
