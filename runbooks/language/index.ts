/** The runbook language beyond runbooks/schema.ts: one module per construct, registered in schema.ts through this index. */
export { maintenanceWindowSchema, silenceProblems } from "./maintenance";
export { scaleInSchema } from "./scale-in";
export { lifecycleProblems, lifecycleSchema } from "./lifecycle";
export { appendOnlySchema } from "./redis-persistence";
