/**
 * How the platform rolls a runbook service's tasks (components/targets/aws/services.ts): every
 * running task stays in service while a full new set starts beside it. ECS fills an unset field
 * with the same numbers for a replica service, so unset is as generated.
 */
export const ECS_ROLLING = {
    minimumHealthyPercent: { value: 100, reason: "no task of the running set stops before its replacement is healthy, so a deployment never runs below the runbook's capacity" },
    maximumPercent: { value: 200, reason: "a full new set of tasks may start beside the running one, so a deployment can proceed while every running task stays up" },
} as const;
