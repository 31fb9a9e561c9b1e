import test from "ava";
import { getRunbook, type Runbook } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";
import { provenanceProblems } from "../../runbooks/provenance";

/**
 * The loosenings an adversarial review slipped past `npm run check` (and the generic tests) by
 * editing a runbook module: each is now a provenance problem naming the path.
 */

const copy = (app: Parameters<typeof getRunbook>[0]) => structuredClone(getRunbook(app)) as Runbook;
const level = (rb: Runbook, id: string, severity: string) => rb.alerts.find((a) => a.id === id)!.levels.find((l) => l.severity === severity)!;

test("a threshold marked defaulted whose quote states another percentage", (t) => {
    const rb = copy("formula-pm");
    const l = level(rb, "http-error-rate", "critical");
    t.regex(l.source.quote, /%/);
    l.threshold = 50;
    l.defaulted = { ...(l.defaulted ?? {}), threshold: "platform default for error rates" };
    t.true(provenanceProblems(rb).some((p) => /is marked defaulted, but its quote .* states/.test(p.message)));
});

test("a number marked defaulted with a platform default's reason must be that default", (t) => {
    const rb = copy("formula-pm");
    const l = level(rb, "http-error-rate", "warning");
    l.threshold = DEFAULTS.errorRateWarning.value * 3;
    l.defaulted = { ...(l.defaulted ?? {}), threshold: DEFAULTS.errorRateWarning.reason };
    l.source = { ...l.source, quote: l.source.quote.replace(/\d+(\.\d+)?\s*%/g, "") || l.source.quote };
    t.true(provenanceProblems(rb).some((p) => new RegExp(`marked defaulted with the reason of the platform default ${DEFAULTS.errorRateWarning.value}`).test(p.message)));
});

test("a retention is read as a whole number: 3 is not found in '30 days'", (t) => {
    const rb = copy("formula-pm");
    const b = rb.backups.find((x) => !x.defaulted?.retentionDays && x.source.quote.includes(`${x.retentionDays}`))!;
    t.truthy(b, "formula-pm quotes a retention");
    b.retentionDays = Number(String(b.retentionDays).slice(0, 1));
    t.true(provenanceProblems(rb).some((p) => p.path.endsWith("retentionDays")));
});

test("a converted duration is not refused by the quote check (its words are checked at parse time)", (t) => {
    const rb = copy("formula-pm");
    const l = level(rb, "http-error-rate", "critical");
    l.for = "1h";
    l.defaulted = Object.fromEntries(Object.entries(l.defaulted ?? {}).filter(([k]) => k !== "for"));
    l.converted = { ...(l.converted ?? {}), for: "1 hour" };
    t.false(provenanceProblems(rb).some((p) => p.message.includes("the duration 1h")));
    delete l.converted;
    t.true(provenanceProblems(rb).some((p) => p.message.includes("the duration 1h")), "without converted the quote must hold it");
});
