import { durationSeconds, type Alert, type Env, type Level, type Runbook } from "../../runbooks";
import { absenceRule, alertName, BRIDGE_SECONDS, levelAnnotations, WATCHDOG, watchdogRule } from "./rules";
import { presenceSubject, presences, selectorOf, type Presence } from "./absence";
import type { Target } from "../targets";
import { ALERT_RATE_RANGE, PER_MINUTE_WINDOW, SCRAPE_INTERVAL, minErrorsPerMinute, minRequestsPerSecond } from "./metrics";
import { STEP, scenarioFor, splice, type Labels, type Sim } from "./promtool-scenarios";
import type { Instance } from "./scenario-kit";
import { SIGNAL_SPECS, alertsOn, readsPerScrape, scopeComponents } from "./signals";
import { LOW_TRAFFIC_SCENARIOS, loadScenario, type Load } from "./scenarios-traffic";
import { allAlerts } from "./baseline";

/**
 * promtool unit tests for an app's rules. Each signal's scenario (promtool-scenarios.ts) builds
 * the series an exporter would show when the signal has a given value and says, from the signal's
 * definition, what the value is at each moment. The expected alerts follow from that value, the
 * runbook threshold and `for`, never from the rule's expression.
 *
 * Per alert level (levelTiming says when, `holdsFor` simulates the rule's condition and `for`):
 * - `fires`: a sustained breach just beyond the threshold; no alert one evaluation before the moment
 *   the signal's definition, the bridge and `for` give, the alert with its labels and annotations
 *   exactly then, at most `for` + one scrape + one evaluation after the breach starts;
 * - `short`: a breach one scrape interval shorter than `for`, far beyond the threshold (intensity is
 *   what a longer rate window got wrong), never fires, while another app's series are beyond it (the
 *   quiet case); for hour-long windows a `quiet` case at the safe value instead.
 * promtool starts a fresh database per test group, which costs more than the evaluations, so
 * cases whose alerts read disjoint sets of metrics share a group: one case's series cannot reach
 * another case's alert. A group's name lists its cases.
 */

export interface InputSeries {
    readonly series: string;
    readonly values: string;
}
export interface ExpectedAlert {
    readonly exp_labels: Readonly<Record<string, string>>;
    readonly exp_annotations: Readonly<Record<string, string>>;
}
export interface AlertRuleTest {
    readonly eval_time: string;
    readonly alertname: string;
    readonly exp_alerts: readonly ExpectedAlert[];
}
export interface PromtoolTest {
    readonly name: string;
    readonly interval: string;
    readonly input_series: readonly InputSeries[];
    readonly alert_rule_test: readonly AlertRuleTest[];
}
export interface PromtoolTestFile {
    readonly rule_files: readonly string[];
    readonly evaluation_interval: string;
    readonly tests: readonly PromtoolTest[];
}

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;

/**
 * The signal values a level is tested at: just beyond the threshold (short of the next, more
 * severe level) and just on the safe side. `bool` signals are 1 (down) and 0 (up). A per-scrape
 * rate is beyond by a fifth of the safe side's margin (its reading is the breach's or the calm
 * scenario's, never a mix, so the edges do not depend on it; a fifth stays near the threshold and
 * off the two-decimal annotation's rounding edges), a gauge by the margin.
 */
export function testValues(alert: Alert, level: Level): { fire: number; calm: number } {
    if (alert.unit === "bool") return { fire: 1, calm: 0 };
    const t = level.threshold;
    const sign = alert.direction === "above" ? 1 : -1;
    let margin = t > 0 ? t * 0.1 : 1;
    if (alert.unit === "percent") margin = Math.min(margin, (100 - t) / 2, t / 2);
    const severer = alert.levels.filter((l) => SEVERITY_RANK[l.severity] > SEVERITY_RANK[level.severity]).map((l) => Math.abs(l.threshold - t));
    const share = readsPerScrape(alert.signal) ? 5 : 1;
    const room = Math.min(margin / share, ...severer.filter((d) => d > 0).map((d) => d / 2));
    return { fire: t + sign * room, calm: t - sign * margin };
}

const beyond = (alert: Alert, level: Level, v: number) => (alert.direction === "above" ? v > level.threshold : v < level.threshold);

/** Go's `printf "%.2f"`: round half to even on the exact binary value. */
export function goFixed2(x: number): string {
    // Only odd eighths (0.125, 0.375, ...) lie exactly halfway between two cents; JavaScript rounds those up.
    if (Number.isInteger(x * 8) && !Number.isInteger(x * 4)) {
        const down = Math.floor(x * 100);
        return ((down % 2 === 0 ? down : down + 1) / 100).toFixed(2);
    }
    return x.toFixed(2);
}

/** Renders the annotation templates the rules use: `{{ $labels.x }}` and the two-decimal `$value`. */
export function renderTemplate(template: string, labels: Labels, value: number): string {
    const out = template
        .replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_, l: string) => labels[l] ?? "")
        .replace(/\{\{ printf "%\.2f" \$value \}\}/g, () => goFixed2(value));
    if (out.includes("{{")) throw new Error(`unrendered template left in "${out}"`);
    return out;
}

function seriesString(sim: Sim): string {
    const labels = Object.entries(sim.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ");
    return `${sim.name}{${labels}}`;
}

function num(v: number): string {
    const s = String(v);
    if (/e/i.test(s) || !Number.isFinite(v)) throw new Error(`${v} cannot be written in promtool's series notation`);
    return s;
}

/** promtool's expanding notation: runs of equal steps become `a+bxn` (n+1 values). */
export function encodeValues(values: readonly number[]): string {
    const out: string[] = [];
    let i = 0;
    while (i < values.length) {
        let j = i;
        if (i + 1 < values.length) {
            const d = values[i + 1] - values[i];
            const tolerance = 1e-9 * Math.max(1, Math.abs(d), Math.abs(values[i]));
            j = i + 1;
            while (j + 1 < values.length && Math.abs(values[j + 1] - values[j] - d) <= tolerance) j++;
        }
        const n = j - i;
        if (n === 0) out.push(num(values[i]));
        else {
            const d = (values[j] - values[i]) / n;
            out.push(d === 0 ? `${num(values[i])}x${n}` : `${num(values[i])}${d < 0 ? "-" : "+"}${num(Math.abs(d))}x${n}`);
        }
        i = j + 1;
    }
    return out.join(" ");
}

const seconds = (t: number) => `${t}s`;

/**
 * Seconds between rule evaluations in the tests: the evaluation interval every target runs (its
 * scrape interval), so both edges of every level are checked to the evaluation.
 */
export function evaluationSeconds(runbook: Runbook): number {
    // Checked once per runbook: every level's timing asks, and the check reads every level (quadratic in alerts uncached).
    if (checkedRunbooks.has(runbook)) return STEP;
    const off = allAlerts(runbook).flatMap((a) => a.levels.filter((l) => durationSeconds(l.for) % STEP !== 0).map((l) => `${a.id} ${l.severity} (${l.for})`));
    if (off.length) throw new Error(`${runbook.app}: \`for\` of ${off.join(", ")} is not a whole number of the ${SCRAPE_INTERVAL} scrape interval`);
    checkedRunbooks.add(runbook);
    return STEP;
}
const checkedRunbooks = new WeakSet<Runbook>();

/** One named expectation about one alert, with the series it needs. */
export interface PromtoolCase {
    readonly name: string;
    readonly alertname: string;
    /**
     * `fires`: a sustained breach fires exactly `for` after the signal's window lies in it; `short`:
     * a breach that ends one scrape interval before that moment never fires; `quiet`: a value on the
     * safe side, beside another app's breach, never fires; `low-traffic`: an error ratio below the
     * app's minimum traffic, every call failing, fires over the floor of errors and not under it.
     */
    readonly kind: "fires" | "short" | "quiet" | "watchdog" | "low-traffic";
    /** When the breach starts, in seconds from the first sample (fires and short cases). */
    readonly breachAt?: number;
    /** Every metric the case's series use; cases with disjoint sets can share a test group. */
    readonly metrics: ReadonlySet<string>;
    readonly input_series: readonly InputSeries[];
    readonly alert_rule_test: readonly AlertRuleTest[];
}

/**
 * Alert windows longer than this (availability's hour) are the unit's own definition, not a
 * detection delay: their levels are tested from a breach that starts with the series.
 */
const EDGE_WINDOW_LIMIT = durationSeconds(PER_MINUTE_WINDOW);
/** Seconds the minimum-traffic guards average over (selectors.ts `trafficRate`). */
const GUARD_WINDOW = durationSeconds(ALERT_RATE_RANGE);

/** When the timing cases of a level breach, how long the short breach lasts, and the bound on firing. */
export interface LevelTiming {
    /** Seconds from the first sample to the start of the sustained and the short breach; NaN for hour-long windows. */
    readonly breachAt: number;
    /** The short breach: one scrape interval shorter than `for`. */
    readonly shortBreach: number;
    /** The latest a sustained breach may fire after it starts: `for` + the reading's span (one scrape for a rate, none for a gauge) + one evaluation. */
    readonly bound: number;
    readonly evaluation: number;
    readonly horizon: number;
}

/**
 * The timeline of a level's cases. The series start on the safe side; the breach starts once every
 * rate (and the traffic guard's minute) has safe samples to read, aligned with a scrape and an
 * evaluation. A per-scrape rate reflects the breach from the first sample after it starts; a gauge
 * at once (metrics.ts ALERT_READING).
 */
export function levelTiming(runbook: Runbook, alert: Alert, level: Level): LevelTiming {
    const hold = durationSeconds(level.for);
    const tick = evaluationSeconds(runbook);
    const window = readingSeconds(alert);
    if (window > EDGE_WINDOW_LIMIT) {
        return { breachAt: NaN, shortBreach: NaN, bound: NaN, evaluation: tick, horizon: window + hold + 2 * tick };
    }
    const breachAt = Math.ceil((GUARD_WINDOW + STEP) / tick) * tick;
    // The last evaluation that can tell: the sustained breach fires by `bound`; the short one has left the reading and the bridge by then.
    return { breachAt, shortBreach: hold - STEP, bound: hold + window + tick, evaluation: tick, horizon: breachAt + hold + window + BRIDGE_SECONDS + 2 * tick };
}

/** Seconds the signal's reading covers: the scrape interval for a per-scrape rate, 0 for a gauge, the unit's window for availability. */
const readingSeconds = (alert: Alert) => durationSeconds(SIGNAL_SPECS[alert.signal].window ?? "0s");

/**
 * A signal's reading at t (seconds) while its series follow `calm` except from `from` until `until`,
 * when they follow `breach` (promtool-scenarios.ts `splice`): a gauge is the sample at t; a rate
 * covers (t − window, t], so it is the breach's once that interval lies in the breach and the calm
 * scenario's once it lies outside. An interval that straddles an edge cannot happen for breaches
 * aligned with a scrape and is refused.
 */
function readingAt(alert: Alert, calm: Instance, breach: Instance, from: number, until: number) {
    const window = readingSeconds(alert);
    return (t: number): number | undefined => {
        if (t < 0) return undefined;
        if (window === 0) return t >= from && t < until ? breach.valueAt(t) : calm.valueAt(t);
        if (t - window >= from && t <= until) return breach.valueAt(t);
        if (t <= from || t - window >= until) return calm.valueAt(t);
        throw new Error(`${alert.id}: the reading at ${t}s straddles the edge of a breach from ${from}s until ${until}s`);
    };
}

/**
 * The rule's condition at each evaluation, from the signal's definition (not the rule's expression):
 * the reading is beyond the threshold, or, for a per-scrape rate, the reading one evaluation earlier
 * is (rules.ts `conditionExpr`'s bridge).
 */
function conditionAt(alert: Alert, level: Level, reading: (t: number) => number | undefined) {
    const bridged = readsPerScrape(alert.signal);
    const crossed = (v: number | undefined) => v !== undefined && beyond(alert, level, v);
    return (t: number) => crossed(reading(t)) || (bridged && crossed(reading(t - BRIDGE_SECONDS)));
}

/** Prometheus's `for`: pending from the first evaluation where the condition holds, firing at the first one `hold` later while it still does; undefined if it never fires. */
export function holdsFor(ticks: readonly number[], condition: (t: number) => boolean, hold: number): number | undefined {
    let since: number | undefined;
    for (const t of ticks) {
        if (!condition(t)) {
            since = undefined;
            continue;
        }
        since ??= t;
        if (t - since >= hold) return t;
    }
    return undefined;
}

/**
 * A value far beyond the threshold, for the short breach: half-way to 100 % for a share, a tenth or
 * ten times the threshold otherwise. A window over several scrapes read a short, intense breach as a
 * long one; a per-scrape reading must not.
 */
export function intenseValue(alert: Alert, level: Level): number {
    if (alert.unit === "bool") return 1;
    const t = level.threshold;
    if (alert.direction === "above") return alert.unit === "percent" ? (t + 100) / 2 : t > 0 ? 10 * t : t + 10;
    return t > 0 ? t / 10 : t - 10;
}

function levelCases(runbook: Runbook, env: Env, alert: Alert, level: Level): PromtoolCase[] {
    const name = alertName(runbook.app, alert.id, level.severity);
    const hold = durationSeconds(level.for);
    const timing = levelTiming(runbook, alert, level);
    const { evaluation: tick, horizon, breachAt } = timing;
    const samples = horizon / STEP + 1;
    const { fire, calm } = testValues(alert, level);
    const ticks = Array.from({ length: horizon / tick + 1 }, (_, i) => i * tick);
    const where = `${name} (${runbook.app}/${env})`;
    const edges = !Number.isNaN(breachAt);

    const firing = scenarioFor(runbook, alert, runbook.app, fire, "fire", samples);
    const quiet = scenarioFor(runbook, alert, runbook.app, calm, "calm", samples);
    const crossed = (v: number | undefined) => v !== undefined && beyond(alert, level, v);
    // Per instance: when the sustained breach fires, from the modelled reading, bridge and `for`.
    const firings = firing.instances.map((inst, i) => {
        const reading = edges ? readingAt(alert, quiet.instances[i], inst, breachAt, Infinity) : inst.valueAt;
        return { inst, reading, at: holdsFor(ticks, conditionAt(alert, level, reading), hold) };
    });
    const firesAt = firings[0]?.at;
    if (firesAt === undefined || firings.some((f) => f.at !== firesAt)) throw new Error(`${where}: the firing scenario does not fire at one moment within ${horizon}s`);
    if (edges && firesAt - breachAt > timing.bound) throw new Error(`${where}: the sustained breach fires ${firesAt - breachAt}s after it starts, beyond ${level.for} + ${timing.bound - hold}s`);
    if (edges) {
        for (const inst of quiet.instances) {
            for (const t of ticks.filter((t) => t < breachAt)) {
                if (crossed(inst.valueAt(t))) throw new Error(`${where}: the calm scenario crosses ${level.threshold} at ${t}s, before the breach`);
            }
        }
    }
    for (const { reading } of firings) {
        for (const t of ticks.filter((t) => t > firesAt - hold - tick && t <= firesAt)) {
            const v = reading(t);
            if (v !== undefined && crossed(v) && Math.abs(v - level.threshold) < 1e-6 * Math.max(1, Math.abs(level.threshold))) {
                throw new Error(`${where}: the firing scenario is not clearly beyond ${level.threshold} at ${t}s`);
            }
        }
    }
    // The live value is the reading at the moment it fires (the bridge's `or` keeps the current reading when it is beyond).
    const valueAtFire = (f: (typeof firings)[number]) => {
        const v = f.reading(firesAt);
        if (v === undefined || !crossed(v)) throw new Error(`${where}: the reading is not beyond ${level.threshold} at ${firesAt}s, when it fires`);
        if (Math.abs(((v * 100) % 1) - 0.5) < 1e-6) throw new Error(`${where}: ${v} sits on a rounding edge of its two-decimal annotation`);
        return v;
    };
    const expected = firings.map((f) => ({
        exp_labels: { ...f.inst.labels, severity: level.severity, app: runbook.app, env, alert_id: alert.id },
        exp_annotations: Object.fromEntries(Object.entries(levelAnnotations(runbook, alert, level)).map(([k, tpl]) => [k, renderTemplate(tpl, f.inst.labels, valueAtFire(f))])),
    }));

    for (const inst of quiet.instances) {
        for (const t of ticks.filter((t) => t <= firesAt)) {
            if (crossed(inst.valueAt(t))) throw new Error(`${where}: the quiet scenario crosses ${level.threshold} at ${t}s`);
        }
    }
    const stranger = scenarioFor(runbook, alert, `not-${runbook.app}`, fire, "fire", samples);
    const encode = (sims: readonly Sim[]) => sims.map((sim) => ({ series: seriesString(sim), values: encodeValues(sim.values) }));
    const metricsOf = (sims: readonly Sim[]) => new Set(sims.map((sim) => sim.name));
    const sustained = edges ? splice(quiet, firing, breachAt) : firing.series;
    const quietCase: PromtoolCase = {
        name: `${name} quiet: ${quiet.story}, while another app's ${firing.story}`,
        alertname: name,
        kind: "quiet",
        metrics: metricsOf([...quiet.series, ...stranger.series]),
        input_series: encode([...quiet.series, ...stranger.series]),
        alert_rule_test: [{ eval_time: seconds(firesAt), alertname: name, exp_alerts: [] }],
    };
    const firesCase: PromtoolCase = {
        name: edges
            ? `${name} fires: ${quiet.story} until ${seconds(breachAt)}, then ${firing.story}; fires at ${seconds(firesAt)}, ${seconds(firesAt - breachAt)} after the breach starts`
            : `${name} fires: ${firing.story}, at ${seconds(firesAt)}`,
        alertname: name,
        kind: "fires",
        ...(edges ? { breachAt } : {}),
        metrics: metricsOf(sustained),
        input_series: encode(sustained),
        alert_rule_test: [
            { eval_time: seconds(firesAt - tick), alertname: name, exp_alerts: [] },
            { eval_time: seconds(firesAt), alertname: name, exp_alerts: expected },
        ],
    };
    if (!edges) return [firesCase, quietCase];
    // The short breach, far beyond the threshold, is framed by the calm value beside another app's
    // sustained breach: it is also the quiet case (one promtool group fewer per level).
    const intense = scenarioFor(runbook, alert, runbook.app, intenseValue(alert, level), "fire", samples);
    const until = breachAt + timing.shortBreach;
    intense.instances.forEach((inst, i) => {
        const condition = conditionAt(alert, level, readingAt(alert, quiet.instances[i], inst, breachAt, until));
        if (!ticks.some(condition)) throw new Error(`${where}: the short breach (${intense.story}) never crosses ${level.threshold}: its silence would prove nothing`);
        const at = holdsFor(ticks, condition, hold);
        if (at !== undefined) throw new Error(`${where}: a breach of ${seconds(timing.shortBreach)} (${intense.story}) fires at ${at}s by the signal's definition`);
    });
    const short = splice(quiet, intense, breachAt, until);
    const shortCase: PromtoolCase = {
        name: `${name} holds: ${intense.story} for only ${seconds(timing.shortBreach)} from ${seconds(breachAt)}, ${quiet.story} around it, while another app's ${firing.story}`,
        alertname: name,
        kind: "short",
        breachAt,
        metrics: metricsOf([...short, ...stranger.series]),
        input_series: encode([...short, ...stranger.series]),
        alert_rule_test: ticks.filter((t) => t >= breachAt).map((t) => ({ eval_time: seconds(t), alertname: name, exp_alerts: [] })),
    };
    return [firesCase, shortCase];
}

/**
 * The low-traffic cases of an error ratio whose guard is traffic or errors (selectors.ts
 * enoughTrafficOrErrors), at the alert's most severe level: below the app's minimum traffic, a
 * service (a dependency, MinIO) failing every call just over the app's floor of errors a minute
 * fires `for` after the guard's minute holds enough failures, not one evaluation sooner; one failing
 * every call under the floor never fires, at any evaluation. Before the failure the same calls all
 * succeed. Whether the ratio is read follows from the guard's definition (calls and failures over
 * its minute against the minimum traffic and the floor), never from the rule.
 */
function lowTrafficCases(runbook: Runbook, env: Env, alert: Alert): PromtoolCase[] {
    if (!LOW_TRAFFIC_SCENARIOS[alert.signal]) return [];
    const level = alert.levels.reduce((a, b) => (SEVERITY_RANK[b.severity] > SEVERITY_RANK[a.severity] ? b : a));
    const name = alertName(runbook.app, alert.id, level.severity);
    const where = `${name} (${runbook.app}/${env})`;
    const timing = levelTiming(runbook, alert, level);
    const { evaluation: tick, breachAt } = timing;
    const hold = durationSeconds(level.for);
    // The ratio is read once the guard's minute holds the floor of failures: up to a minute later than the breach's first reading.
    const horizon = breachAt + GUARD_WINDOW + hold + 2 * tick;
    const minimum = minRequestsPerSecond(runbook) * 60;
    const floor = minErrorsPerMinute(runbook);
    // The samples the guard's minute holds (Prometheus 2): one calm interval among its m − 1 leaves (m − 2)/(m − 1) of the failures, under the floor.
    const m = GUARD_WINDOW / STEP + 1;
    if (Number.isNaN(breachAt) || m < 3 || floor <= 0) throw new Error(`${where}: a low-traffic case needs a guard window of at least two scrape intervals and a floor of errors above 0`);
    if (!beyond(alert, level, 100)) throw new Error(`${where}: every call failing (100%) is not beyond ${level.threshold}`);
    const setup = { runbook, alert, app: runbook.app, components: scopeComponents(runbook, alert), value: 100, side: "fire" as const, samples: horizon / STEP + 1 };
    const ticks = Array.from({ length: horizon / tick + 1 }, (_, i) => i * tick);
    /** Whether the guard reads the ratio at t: the calls a minute, or the failures of its minute (those intervals after the failure starts), reach their floors. */
    const guard = (l: Load) => (t: number) => l.perMinute >= minimum || (l.failing * Math.min(1, Math.max(0, t - breachAt) / GUARD_WINDOW)) >= floor;
    const firing = (l: Load) => holdsFor(ticks, conditionAt(alert, level, (t) => (t >= breachAt + STEP && guard(l)(t) ? 100 : undefined)), hold);
    const load = (perMinute: number, failing: number, story: string) => loadScenario(setup, { perMinute, failing }, story);
    const encode = (sims: readonly Sim[]) => sims.map((sim) => ({ series: seriesString(sim), values: encodeValues(sim.values) }));
    const cases: PromtoolCase[] = [];
    const over = floor * (1 + 0.5 / (m - 2));
    const under = floor * 0.8;
    const calls = (n: number) => `${Number(n.toFixed(2))} calls a minute (under the minimum ${minimum})`;
    if (over < minimum) {
        const firesAt = firing({ perMinute: over, failing: over });
        if (firesAt === undefined || firesAt - breachAt > hold + GUARD_WINDOW + tick) throw new Error(`${where}: every call failing over the floor does not fire within ${level.for} + the guard's ${ALERT_RATE_RANGE} + one evaluation`);
        const breach = load(over, over, `${calls(over)}, every one failing (floor ${floor} a minute)`);
        const series = splice(load(over, 0, `${calls(over)}, all answered`), breach, breachAt);
        cases.push({
            name: `${name} fires at low traffic: ${calls(over)} all answered until ${seconds(breachAt)}, then every one failing (the floor is ${floor} a minute); fires at ${seconds(firesAt)}, ${level.for} after the guard's minute holds the floor`,
            alertname: name,
            kind: "low-traffic",
            breachAt,
            metrics: new Set(series.map((x) => x.name)),
            input_series: encode(series),
            alert_rule_test: [
                { eval_time: seconds(firesAt - tick), alertname: name, exp_alerts: [] },
                {
                    eval_time: seconds(firesAt),
                    alertname: name,
                    exp_alerts: breach.instances.map((inst) => ({
                        exp_labels: { ...inst.labels, severity: level.severity, app: runbook.app, env, alert_id: alert.id },
                        exp_annotations: Object.fromEntries(Object.entries(levelAnnotations(runbook, alert, level)).map(([k, tpl]) => [k, renderTemplate(tpl, inst.labels, inst.valueAt(firesAt) as number)])),
                    })),
                },
            ],
        });
    }
    if (under < minimum) {
        if (firing({ perMinute: under, failing: under }) !== undefined) throw new Error(`${where}: every call failing under the floor fires by the guard's definition`);
        const series = splice(load(under, 0, "all answered"), load(under, under, "every one failing"), breachAt);
        cases.push({
            name: `${name} holds at low traffic: ${calls(under)} all answered until ${seconds(breachAt)}, then every one failing, under the floor of ${floor} a minute`,
            alertname: name,
            kind: "low-traffic",
            breachAt,
            metrics: new Set(series.map((x) => x.name)),
            input_series: encode(series),
            alert_rule_test: ticks.filter((t) => t >= breachAt).map((t) => ({ eval_time: seconds(t), alertname: name, exp_alerts: [] })),
        });
    }
    return cases;
}

/** A sample the exporter would report for a presence series: up gauges 1, sizes and timestamps plausible. */
const PRESENT_VALUE: Readonly<Record<string, number>> = { container_memory_working_set_bytes: 104857600, node_filesystem_size_bytes: 107374182400, backup_last_success_timestamp_seconds: 1767225600 };

/**
 * The absence rules' cases, all of a stack's at once (each rule selects its own series by its
 * matchers, so they cannot disturb one another; one promtool group each instead of two per rule):
 * every series is reported, then vanishes (a stale marker, as Prometheus writes when a scrape fails
 * or a target goes), and each rule fires `for` after; while they are reported, none fires.
 */
function absenceCases(runbook: Runbook, env: Env, ps: readonly Presence[]): PromtoolCase[] {
    if (ps.length === 0) return [];
    const tick = evaluationSeconds(runbook);
    const rules = ps.map((p) => ({ p, rule: absenceRule(runbook, env, p) }));
    const hold = Math.max(...rules.map((r) => durationSeconds(r.rule.for ?? "0s")));
    const vanishAt = 2 * tick;
    const firesAt = vanishAt + hold;
    const samples = (firesAt + tick) / STEP + 1;
    const present = vanishAt / STEP;
    const series = (p: Presence) =>
        `${p.metric}{${Object.entries({ ...p.matchers, job: presenceSubject(p), instance: `${presenceSubject(p)}:9100` })
            .map(([k, v]) => `${k}="${v}"`)
            .join(", ")}}`;
    const value = (p: Presence) => num(PRESENT_VALUE[p.metric] ?? 1);
    const metrics = new Set(ps.map((p) => p.metric));
    const names = rules.map((r) => r.rule.alert).join(", ");
    return [
        {
            name: `absence rules fire: ${ps.map(selectorOf).join(", ")} vanish at ${seconds(vanishAt)}`,
            alertname: names,
            kind: "fires",
            breachAt: vanishAt,
            metrics,
            input_series: ps.map((p) => ({ series: series(p), values: `${value(p)}x${present - 1} stale` })),
            alert_rule_test: rules.flatMap(({ p, rule }) => {
                const at = vanishAt + durationSeconds(rule.for ?? "0s");
                return [
                    { eval_time: seconds(at - tick), alertname: rule.alert, exp_alerts: [] },
                    { eval_time: seconds(at), alertname: rule.alert, exp_alerts: [{ exp_labels: { ...p.matchers, ...rule.labels }, exp_annotations: rule.annotations }] },
                ];
            }),
        },
        {
            name: `absence rules quiet: ${ps.map(selectorOf).join(", ")} reported throughout`,
            alertname: names,
            kind: "quiet",
            metrics,
            input_series: ps.map((p) => ({ series: series(p), values: `${value(p)}x${samples - 1}` })),
            alert_rule_test: rules.map(({ rule }) => ({ eval_time: seconds(firesAt), alertname: rule.alert, exp_alerts: [] })),
        },
    ];
}

/** Every case for an app on one env and target, in rule order, the Watchdog last. */
export function promtoolCases(runbook: Runbook, env: Env, target: Target): PromtoolCase[] {
    const watchdog = watchdogRule(runbook, env, target);
    return [
        ...alertsOn(runbook, target).prometheus.flatMap((alert) => [...alert.levels.flatMap((level) => levelCases(runbook, env, alert, level)), ...lowTrafficCases(runbook, env, alert)]),
        ...absenceCases(runbook, env, presences(runbook, target)),
        {
            name: `${WATCHDOG} fires from the first evaluation`,
            alertname: WATCHDOG,
            kind: "watchdog",
            metrics: new Set(),
            input_series: [],
            alert_rule_test: [{ eval_time: "0s", alertname: WATCHDOG, exp_alerts: [{ exp_labels: watchdog.labels, exp_annotations: watchdog.annotations }] }],
        },
    ];
}

/** First-fit packing of cases into test groups whose cases read disjoint metrics. */
function pack(cases: readonly PromtoolCase[]): PromtoolTest[] {
    const groups: { metrics: Set<string>; cases: PromtoolCase[] }[] = [];
    // A group costs an evaluation of every rule per evaluation interval up to its last check: long cases share groups, short ones others.
    const last = (c: PromtoolCase) => Math.max(0, ...c.alert_rule_test.map((a) => parseInt(a.eval_time, 10)));
    for (const c of [...cases].sort((a, b) => last(b) - last(a))) {
        let group = groups.find((g) => [...c.metrics].every((m) => !g.metrics.has(m)));
        if (!group) {
            group = { metrics: new Set(), cases: [] };
            groups.push(group);
        }
        c.metrics.forEach((m) => group.metrics.add(m));
        group.cases.push(c);
    }
    return groups.map((g) => ({
        name: g.cases.map((c) => c.name).join(" | "),
        interval: SCRAPE_INTERVAL,
        input_series: g.cases.flatMap((c) => c.input_series),
        alert_rule_test: g.cases.flatMap((c) => c.alert_rule_test),
    }));
}

/** The promtool test file for an app on one env and target, testing `ruleFile` (rulesFor's output). */
export function promtoolTests(runbook: Runbook, env: Env, target: Target, ruleFile = "rules.yml"): PromtoolTestFile {
    return {
        rule_files: [ruleFile],
        evaluation_interval: seconds(evaluationSeconds(runbook)),
        tests: pack(promtoolCases(runbook, env, target)),
    };
}

/** Case names per alert name (for coverage); each also appears in the name of the group that runs it. */
export function caseNamesByAlert(runbook: Runbook, env: Env, target: Target): Map<string, string[]> {
    const byAlert = new Map<string, string[]>();
    for (const c of promtoolCases(runbook, env, target)) byAlert.set(c.alertname, [...(byAlert.get(c.alertname) ?? []), c.name]);
    return byAlert;
}
