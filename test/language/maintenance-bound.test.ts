import test from "ava";
import { getRunbook, parseRunbook, type Runbook } from "../../runbooks";
import { MAX_WINDOW_MINUTES, WEEK_MINUTES } from "../../runbooks/language/maintenance";

/**
 * Review finding 24: the runbook language bounds the maintenance window at MAX_WINDOW_MINUTES, since
 * the window is how long the alerts it silences stay quiet each week. The reviewer's 10079-minute
 * window (a week less one minute) is refused with the path and the range; the bound itself is taken.
 */

function refusal(minutes: number): string {
    const raw = structuredClone(getRunbook("pfm-community")) as Runbook;
    (raw.maintenanceWindow as { durationMinutes: number }).durationMinutes = minutes;
    try {
        parseRunbook(JSON.parse(JSON.stringify(raw)));
    } catch (e) {
        return (e as Error).message;
    }
    return "accepted";
}

test("a maintenance window longer than the language's maximum is refused with its path and the range; the maximum is accepted", (t) => {
    for (const minutes of [WEEK_MINUTES - 1, MAX_WINDOW_MINUTES + 1]) {
        const message = refusal(minutes);
        t.regex(message, /maintenanceWindow\.durationMinutes/, `${minutes}`);
        t.true(message.includes(`allowed: 1 to ${MAX_WINDOW_MINUTES} minutes`), message);
    }
    t.is(refusal(MAX_WINDOW_MINUTES), "accepted");
    t.true(MAX_WINDOW_MINUTES < WEEK_MINUTES / 7, "the bound is hours, not days");
});
