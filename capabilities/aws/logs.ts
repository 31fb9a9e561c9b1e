/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * The shortest retention CloudWatch accepts that keeps logs at least as long as the runbook says:
 * 7 stays 7, 10 becomes 14. Keeping longer is allowed (it tightens); shorter never is.
 */
export function cloudWatchRetentionDays(days: number): number {
    if (!Number.isInteger(days) || days < 1) throw new Error(`logs.retentionDays = ${days}: expected a whole number of days >= 1`);
    const fit = CLOUDWATCH_RETENTION_DAYS.find((d) => d >= days);
    if (fit === undefined) throw new Error(`logs.retentionDays = ${days}: CloudWatch keeps logs at most ${CLOUDWATCH_RETENTION_DAYS.at(-1)} days`);
    return fit;
}
