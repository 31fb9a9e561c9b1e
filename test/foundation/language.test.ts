import test from "ava";
import { allRunbooks, durationSeconds, getRunbook, parseRunbook, type Runbook } from "../../runbooks";
import { conversionProblem, parseQuantity } from "../../runbooks/units";
import { backupPlan } from "../../capabilities/backups/plan";
import { deploymentSpec } from "../../capabilities/kubernetes/apps";
import { names as kubernetesNames } from "../../capabilities/kubernetes/names";
import { notExpressibleRows, renderMarkdown, renderNotExpressibleText, TEXT_WIDTH } from "../../cli/coverage";

/**
 * The runbook language: durations in every unit, numbers converted from the runbook's words,
 * maximum backup ages, and alert subjects the app runs. Pure: no plan, no stacks.
 */

function broken(app: Runbook["app"], mutate: (rb: Runbook) => void): unknown {
    const copy = structuredClone(getRunbook(app)) as Runbook;
    mutate(copy);
    return copy;
}

function refusal(app: Runbook["app"], mutate: (rb: Runbook) => void): string {
    try {
        parseRunbook(broken(app, mutate));
    } catch (e) {
        return (e as Error).message;
    }
    return "accepted";
}

test("durations in seconds, minutes, hours, days, weeks and compounds of them", (t) => {
    const cases: [string, number][] = [
        ["30s", 30],
        ["5m", 300],
        ["1h", 3600],
        ["26h", 93600],
        ["1h30m", 5400],
        ["1d12h", 129600],
        ["7d", 604800],
        ["12w", 12 * 604800],
        ["1w2d3h4m5s", 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5],
    ];
    for (const [d, s] of cases) t.is(durationSeconds(d), s, d);
    for (const bad of ["", "5", "1.5h", "30m1h", "1h 30m", "5 minutes", "2mo", "1y"]) {
        t.throws(() => durationSeconds(bad), { message: /is not a duration \(allowed: a whole number followed by w, d, h, m or s/ }, JSON.stringify(bad));
    }
});

test("an alert may hold for 1h30m and a backup run every week; a malformed duration names its path", (t) => {
    const ok = parseRunbook(
        broken("gravitypm", (rb) => {
            rb.alerts.find((a) => a.id === "cpu-usage")!.levels[0].for = "1h30m";
            rb.backups.find((b) => b.dataset === "config")!.cron = "0 4 * * 0";
            rb.backups.find((b) => b.dataset === "config")!.every = "1w";
        }),
    );
    t.is(ok.alerts.find((a) => a.id === "cpu-usage")!.levels[0].for, "1h30m");
    t.is(backupPlan(ok).find((p) => p.dataset === "config")!.everySeconds, 604800);
    t.regex(
        refusal("gravitypm", (rb) => (rb.alerts[0].levels[0].for = "1.5h")),
        /alerts\.0\.levels\.0\.for: a duration like 30s, 5m, 1h30m, 7d or 12w/,
    );
});

test("a backup's maximum age is written as a duration and sets its restore check's limit", (t) => {
    const rb = parseRunbook(broken("pfm-community", (r) => (r.backups.find((b) => b.dataset === "postgres")!.maxAge = "26h")));
    const plan = backupPlan(rb);
    t.is(plan.find((p) => p.dataset === "postgres")!.maxAgeHours, 26);
    t.is(plan.find((p) => p.dataset === "redis")!.maxAgeHours, (2 * durationSeconds(rb.backups.find((b) => b.dataset === "redis")!.every)) / 3600, "absent: two intervals");
    t.regex(
        refusal("pfm-community", (r) => (r.backups.find((b) => b.dataset === "postgres")!.maxAge = "12h")),
        /backups\.0\.maxAge: maxAge 12h is shorter than the interval 1d, so every check between two backups would fail \(allowed: a duration of at least 1d\)/,
    );
});

test("a quantity is read from the runbook's words in its own unit", (t) => {
    t.deepEqual(parseQuantity("12 weeks"), { kind: "time", base: 12 * 604800 });
    t.deepEqual(parseQuantity("1 hour"), { kind: "time", base: 3600 });
    t.deepEqual(parseQuantity("500ms"), { kind: "time", base: 0.5 });
    t.deepEqual(parseQuantity("5m"), { kind: "time", base: 300 });
    t.deepEqual(parseQuantity("1G"), { kind: "size", base: 1024 });
    t.deepEqual(parseQuantity("512mb"), { kind: "size", base: 512 });
    t.deepEqual(parseQuantity("2M"), { kind: "size", base: 2 });
    t.throws(() => parseQuantity("3 months"), { message: /months have no fixed length/ });
    t.throws(() => parseQuantity("twelve weeks"), { message: /is not one number and one unit/ });
    t.throws(() => parseQuantity("4 fortnights"), { message: /unknown unit "fortnights"/ });
});

test("a conversion holds only when the value is exactly the words in the field's unit", (t) => {
    t.is(conversionProblem("retentionDays", 84, "12 weeks"), undefined);
    t.is(conversionProblem("afterMinutes", 60, "1 hour"), undefined);
    t.is(conversionProblem("every", "1d", "24 hours"), undefined);
    t.is(conversionProblem("maxAge", "26h", "26 hours"), undefined);
    t.is(conversionProblem("threshold", 0.5, "500ms", "seconds"), undefined);
    t.is(conversionProblem("maxmemoryMB", 1024, "1G"), undefined);
    t.regex(conversionProblem("retentionDays", 90, "12 weeks")!, /retentionDays = 90 is not "12 weeks"/);
    t.regex(conversionProblem("retentionDays", 84, "2 GB")!, /"2 GB" is a size, but retentionDays holds a time/);
    t.regex(conversionProblem("threshold", 80, "80 minutes", "percent")!, /a threshold in percent has no unit to convert into/);
    t.regex(conversionProblem("replicas", 2, "2 hours")!, /field replicas names no unit/);
});

/** Every object of a runbook that records conversions, with its source quote. */
function conversions(value: unknown, at = ""): { path: string; converted: Record<string, string>; quote: string; entry: Record<string, unknown> }[] {
    if (!value || typeof value !== "object") return [];
    const v = value as Record<string, unknown>;
    const here = v.converted ? [{ path: at, converted: v.converted as Record<string, string>, quote: (v.source as { quote: string }).quote, entry: v }] : [];
    return [...here, ...Object.entries(v).flatMap(([k, child]) => (k === "converted" ? [] : conversions(child, at ? `${at}.${k}` : k)))];
}

test("every converted number's words stand in the quote it cites, and convert to the number", (t) => {
    const squash = (s: string) => s.replace(/\s+/g, " ").toLowerCase();
    let count = 0;
    for (const rb of allRunbooks()) {
        for (const c of conversions(rb)) {
            for (const [field, words] of Object.entries(c.converted)) {
                count++;
                t.true(squash(c.quote).includes(squash(words)), `${rb.app} ${c.path}.${field}: "${words}" not in "${c.quote}"`);
                const alertUnit = /^alerts\.\d+\.levels/.test(c.path) ? rb.alerts[Number(c.path.split(".")[1])].unit : undefined;
                t.is(conversionProblem(field, c.entry[field], words, alertUnit), undefined, `${rb.app} ${c.path}.${field}`);
            }
        }
    }
    // The five runbooks state response, resolution and escalation times in hours and one latency in ms.
    t.true(count >= 14, `only ${count} conversions`);
});

test("a conversion that does not hold, or that is also defaulted, is refused at parse time", (t) => {
    const step = (rb: Runbook) => rb.incident.escalation.find((e) => e.converted?.afterMinutes === "1 hour")!;
    t.regex(refusal("gravitypm", (rb) => (step(rb).afterMinutes = 90)), /incident\.escalation\.2\.converted\.afterMinutes: afterMinutes = 90 is not "1 hour"/);
    t.regex(
        refusal("gravitypm", (rb) => (step(rb).defaulted = { afterMinutes: "the platform's escalation window" })),
        /afterMinutes is both converted from the runbook and defaulted; it is one or the other/,
    );
    t.regex(refusal("gravitypm", (rb) => (step(rb).converted = { afterMinute: "1 hour" })), /converted names afterMinute, which this entry does not set/);
    t.regex(
        refusal("pfm-community", (rb) => {
            delete rb.backups[0].defaulted!.retentionDays;
            rb.backups[0].converted = { retentionDays: "1 month" };
        }),
        /backups\.0\.converted\.retentionDays: "1 month": month have no fixed length/,
    );
    t.is(
        refusal("pfm-community", (rb) => {
            rb.backups[0].retentionDays = 84;
            rb.backups[0].converted = { retentionDays: "12 weeks" };
            delete rb.backups[0].defaulted!.retentionDays;
        }),
        "accepted",
    );
});

test("an alert about a data service the app does not run is refused, naming app, alert and subject", (t) => {
    const message = refusal("pfm-community", (rb) => (rb.alerts.find((a) => a.id === "redis-down")!.subject = "kafka"));
    t.regex(message, /alerts\.1\.subject: pfm-community: alert redis-down has subject "kafka", a data service pfm-community does not run, so the alert could never fire; allowed: .*a data service pfm-community runs \(postgres, redis\)/);
    t.regex(refusal("formula-pm", (rb) => (rb.alerts[0].subject = "mongodb")), /alert \S+ has subject "mongodb", a data service formula-pm does not run/);
    t.is(refusal("personal-finance-hub", (rb) => (rb.alerts[0].subject = "kafka")), "accepted", "an app with Kafka may alert on it");
});

test("`npm run coverage` lists every statement a runbook marks not expressible, with where it stands and why", (t) => {
    const rows = notExpressibleRows(allRunbooks());
    t.is(rows.length, allRunbooks().reduce((n, rb) => n + rb.notExpressible.length, 0));
    const text = renderNotExpressibleText(rows);
    const squash = (s: string) => s.replace(/\s+/g, " ");
    for (const r of rows) {
        for (const words of [r.what, r.reason, r.source.section]) t.true(squash(text).includes(squash(words)), `${r.app}: ${words}`);
    }
    t.deepEqual(text.split("\n").filter((l) => [...l].length > TEXT_WIDTH), []);
    const md = renderMarkdown([], [], rows);
    for (const r of rows) t.true(md.includes(`- ${r.app}: ${r.what}. Source: ${r.source.seed}`), `${r.app}: ${r.what}`);
    t.regex(refusal("bunty", (rb) => (rb.notExpressible[0].reason = "")), /notExpressible\.0\.reason/);
    t.regex(refusal("bunty", (rb) => delete (rb as Partial<Runbook>).notExpressible), /notExpressible/);
});

test("a readiness path separate from health: the readiness probe asks it, the liveness probe keeps asking health", (t) => {
    const rb = parseRunbook(broken("bunty", (r) => (r.services[0].readinessPath = "/ready")));
    const svc = rb.services[0];
    const spec = deploymentSpec(rb, kubernetesNames(rb.app, rb.app), svc, "ghcr.io/bunty/backend:1.2.3");
    const firstContainer = (d: typeof spec) => (d.template as { spec: { containers: unknown[] } }).spec.containers[0];
    const container = firstContainer(spec) as { readinessProbe: { httpGet: { path: string } }; livenessProbe: { httpGet: { path: string } } };
    t.is(container.readinessProbe.httpGet.path, "/ready");
    t.is(container.livenessProbe.httpGet.path, svc.healthPath);
    const plain = getRunbook("bunty");
    const before = deploymentSpec(plain, kubernetesNames(plain.app, plain.app), plain.services[0], "ghcr.io/bunty/backend:1.2.3");
    const beforeContainer = firstContainer(before) as typeof container;
    t.is(beforeContainer.readinessProbe.httpGet.path, plain.services[0].healthPath, "absent: readiness asks health");
    t.regex(refusal("bunty", (r) => (r.services[0].readinessPath = "ready")), /services\.0\.readinessPath/);
});
