/**
 * Schedules as the Kubernetes-side schedulers read them. The runbook's cron is five fields in UTC;
 * a CronJob takes it as it is (with `timeZone: Etc/UTC`), CloudNativePG's ScheduledBackup wants
 * Go's robfig/cron format: six fields, seconds first, day-of-week 0-6.
 */

/** The time zone every CronJob runs in: the runbook's schedules are UTC. */
export const CRON_TIME_ZONE = "Etc/UTC";

const FIELD = /^[0-9*,/-]+$/;

/** Day-of-week 7 (Sunday, allowed by cron) is 0 for robfig/cron: `7` → `0`, `5-7` → `5-6,0`. */
function sundayAsZero(dow: string): string {
    return dow
        .split(",")
        .flatMap((part) => {
            if (part === "7") return ["0"];
            const range = /^(\d)-7$/.exec(part);
            if (range) return Number(range[1]) === 7 ? ["0"] : [`${range[1]}-6`, "0"];
            if (/(^|[-/])7($|[-/])/.test(part.split("/")[0])) throw new Error(`day-of-week "${dow}" uses 7 in a form CloudNativePG cannot take; write Sunday as 0`);
            return [part];
        })
        .join(",");
}

/** `0 1 * * *` → `0 0 1 * * *`: the runbook's five-field cron as a CloudNativePG ScheduledBackup schedule. */
export function cnpgSchedule(cron: string): string {
    const fields = cron.trim().split(/\s+/);
    if (fields.length !== 5 || !fields.every((f) => FIELD.test(f))) {
        throw new Error(`"${cron}" is not a five-field numeric cron expression (minute hour day-of-month month day-of-week)`);
    }
    const [minute, hour, dom, month, dow] = fields;
    return ["0", minute, hour, dom, month, sundayAsZero(dow)].join(" ");
}
