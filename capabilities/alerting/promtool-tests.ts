import { durationSeconds, type Alert, type Env, type Level, type Runbook } from "../../runbooks";
import { absenceRule, alertName, levelAnnotations, WATCHDOG, watchdogRule } from "./rules";
import { presenceSubject, presences, selectorOf, type Presence } from "./absence";
import type { Target } from "../targets";
import { PER_MINUTE_WINDOW, SCRAPE_INTERVAL, minErrorsPerMinute, minRequestsPerSecond } from "./metrics";
import { STEP, scenarioFor, splice, type Labels, type Sim } from "./promtool-scenarios";
import { SIGNAL_SPECS, alertsOn, scopeComponents } from "./signals";
import { LOW_TRAFFIC_SCENARIOS, loadScenario, type Load } from "./scenarios-traffic";
import { allAlerts } from "./baseline";

/**
 * promtool unit tests for an app's rules. Each signal's scenario (promtool-scenarios.ts) builds
 * the series an exporter would show when the signal has a given value and says, from the signal's
 * definition, what the value is at each moment. The expected alerts follow from that value, the
 * runbook threshold and `for`, never from the rule's expression.
 *
 * Per alert level there are two cases:
 * - `fires`: the signal is just beyond the threshold; no alert one evaluation before `for` has
 *   elapsed since its window lay in the breach, the alert with its labels and annotations exactly
 *   when it has;
 * - `short` (or, for hour-long windows, `quiet`): the same value for a breach that ends one scrape
 *   interval before that moment, or the safe value, while another app's series are beyond it.
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
 * severe level) and just on the safe side. `bool` signals are 1 (down) and 0 (up). A windowed
 * signal (a rate over a window of m samples) is beyond by at most 1/m of the safe side's margin, so
 * a window that holds any safe interval reads on the safe side: the edges of a breach are where
 * levelTiming says they are.
 */
export function testValues(alert: Alert, level: Level): { fire: number; calm: number } {
    if (alert.unit === "bool") return { fire: 1, calm: 0 };
    const t = level.threshold;
    const sign = alert.direction === "above" ? 1 : -1;
    let margin = t > 0 ? t * 0.1 : 1;
    if (alert.unit === "percent") margin = Math.min(margin, (100 - t) / 2, t / 2);
    const severer = alert.levels.filter((l) => SEVERITY_RANK[l.severity] > SEVERITY_RANK[level.severity]).map((l) => Math.abs(l.threshold - t));
    const window = SIGNAL_SPECS[alert.signal].window;
    const seconds = window ? durationSeconds(window) : 0;
    // The samples a window holds (Prometheus 2): with m of them, m − 1 intervals, of which at most m − 2 beyond when one is safe.
    const samples = seconds > 0 && seconds <= EDGE_WINDOW_LIMIT ? seconds / STEP + 1 : 1;
    const room = Math.min(margin / samples, ...severer.filter((d) => d > 0).map((d) => d / 2));
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
 * Seconds between rule evaluations in the tests: the coarsest interval (at most a minute) that
 * every `for` of the app is a whole number of, so `for` is checked to the evaluation on both
 * sides with as few evaluations as possible.
 */
export function evaluationSeconds(runbook: Runbook): number {
    // Once per runbook: every level's timing reads it, and it reads every level (quadratic in alerts uncached).
    const known = evaluationByRunbook.get(runbook);
    if (known !== undefined) return known;
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    const every = allAlerts(runbook).flatMap((a) => a.levels.map((l) => durationSeconds(l.for))).reduce(gcd, 60);
    if (every % STEP !== 0) throw new Error(`${runbook.app}: some \`for\` is not a whole number of the ${SCRAPE_INTERVAL} scrape interval`);
    evaluationByRunbook.set(runbook, every);
    return every;
}
const evaluationByRunbook = new WeakMap<Runbook, number>();

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

/** When the timing cases of a level breach, and when the alert must fire. */
export interface LevelTiming {
    /** Seconds from the first sample to the start of the sustained breach. */
    readonly breachAt: number;
    /** The first evaluation at which the signal's whole window lies in the breach. */
    readonly onset: number;
    readonly firesAt: number;
    /** The longest breach just beyond the threshold that must not fire: it ends one scrape interval before `firesAt`. */
    readonly shortBreach: number;
    readonly evaluation: number;
    readonly horizon: number;
}

/**
 * The timeline of a level's cases. The series start on the safe side; the breach starts at an
 * evaluation late enough that every window is full of safe samples by then. A rate over a window of
 * W seconds reads the samples in [t − W, t] (Prometheus 2, the promtool the tests run; Prometheus 3
 * reads (t − W, t], one sample fewer): its window lies wholly in a breach that starts at s from
 * t = s + W (a gauge at once); the alert is pending from the first evaluation there and fires `for`
 * later, so a sustained breach fires at most `for` + W + one evaluation after it starts (metrics.ts
 * ALERT_RATE_RANGE). The short breach just beyond the threshold lasts until one scrape interval
 * before that moment and must not fire.
 */
export function levelTiming(runbook: Runbook, alert: Alert, level: Level): LevelTiming {
    const hold = durationSeconds(level.for);
    const tick = evaluationSeconds(runbook);
    const spec = SIGNAL_SPECS[alert.signal];
    const window = spec.window ? durationSeconds(spec.window) : 0;
    const upTo = (t: number) => Math.ceil(t / tick) * tick;
    if (window > EDGE_WINDOW_LIMIT) {
        return { breachAt: 0, onset: NaN, firesAt: NaN, shortBreach: NaN, evaluation: tick, horizon: window + hold + 2 * tick };
    }
    const breachAt = upTo(window + STEP);
    const onset = upTo(breachAt + window);
    const firesAt = onset + hold;
    const shortBreach = firesAt - STEP - breachAt;
    return { breachAt, onset, firesAt, shortBreach, evaluation: tick, horizon: upTo(Math.max(firesAt, breachAt + shortBreach + window) + 2 * tick) };
}

function levelCases(runbook: Runbook, env: Env, alert: Alert, level: Level): PromtoolCase[] {
    const name = alertName(runbook.app, alert.id, level.severity);
    const hold = durationSeconds(level.for);
    const timing = levelTiming(runbook, alert, level);
    const { evaluation: tick, horizon } = timing;
    const samples = horizon / STEP + 1;
    const { fire, calm } = testValues(alert, level);
    const ticks = Array.from({ length: horizon / tick + 1 }, (_, i) => i * tick);
    const where = `${name} (${runbook.app}/${env})`;
    const edges = !Number.isNaN(timing.onset);

    const firing = scenarioFor(runbook, alert, runbook.app, fire, "fire", samples);
    const quiet = scenarioFor(runbook, alert, runbook.app, calm, "calm", samples);
    const crossed = (v: number | undefined) => v !== undefined && beyond(alert, level, v);
    let onset: number;
    if (edges) {
        onset = timing.onset;
        for (const inst of quiet.instances) {
            for (const t of ticks.filter((t) => t < timing.breachAt)) {
                if (crossed(inst.valueAt(t))) throw new Error(`${where}: the calm scenario crosses ${level.threshold} at ${t}s, before the breach`);
            }
        }
    } else {
        const onsets = firing.instances.map((inst) => ticks.find((t) => crossed(inst.valueAt(t))));
        if (onsets[0] === undefined || onsets.some((o) => o !== onsets[0])) throw new Error(`${where}: the firing scenario does not cross ${level.threshold} at one moment`);
        onset = onsets[0];
    }
    // Prometheus marks the alert pending at the first evaluation that crosses and fires at the
    // first one `for` later: the case checks that evaluation and the one before it.
    const firesAt = onset + hold;
    if (firesAt > horizon) throw new Error(`${where}: the firing scenario cannot hold ${level.for} within ${horizon}s`);
    for (const inst of firing.instances) {
        for (const t of ticks.filter((t) => t >= onset && t <= firesAt)) {
            const v = inst.valueAt(t);
            if (v === undefined || !beyond(alert, level, v) || Math.abs(v - level.threshold) < 1e-6 * Math.max(1, Math.abs(level.threshold))) {
                throw new Error(`${where}: the firing scenario is not clearly beyond ${level.threshold} at ${t}s`);
            }
        }
        const atFire = inst.valueAt(firesAt) as number;
        if (Math.abs((atFire * 100) % 1 - 0.5) < 1e-6) throw new Error(`${where}: ${atFire} sits on a rounding edge of its two-decimal annotation`);
    }
    const expected = firing.instances.map((inst) => ({
        exp_labels: { ...inst.labels, severity: level.severity, app: runbook.app, env, alert_id: alert.id },
        exp_annotations: Object.fromEntries(Object.entries(levelAnnotations(runbook, alert, level)).map(([k, tpl]) => [k, renderTemplate(tpl, inst.labels, inst.valueAt(firesAt) as number)])),
    }));

    for (const inst of quiet.instances) {
        for (const t of ticks.filter((t) => t <= firesAt)) {
            if (crossed(inst.valueAt(t))) throw new Error(`${where}: the quiet scenario crosses ${level.threshold} at ${t}s`);
        }
    }
    const stranger = scenarioFor(runbook, alert, `not-${runbook.app}`, fire, "fire", samples);
    const encode = (sims: readonly Sim[]) => sims.map((sim) => ({ series: seriesString(sim), values: encodeValues(sim.values) }));
    const metricsOf = (sims: readonly Sim[]) => new Set(sims.map((sim) => sim.name));
    const sustained = edges ? splice(quiet, firing, timing.breachAt) : firing.series;
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
            ? `${name} fires: ${quiet.story} until ${seconds(timing.breachAt)}, then ${firing.story}; fires ${level.for} after ${seconds(onset)}`
            : `${name} fires: ${firing.story}, from ${seconds(onset)} for ${level.for}`,
        alertname: name,
        kind: "fires",
        breachAt: timing.breachAt,
        metrics: metricsOf(sustained),
        input_series: encode(sustained),
        alert_rule_test: [
            { eval_time: seconds(firesAt - tick), alertname: name, exp_alerts: [] },
            { eval_time: seconds(firesAt), alertname: name, exp_alerts: expected },
        ],
    };
    if (!edges) return [firesCase, quietCase];
    // The short breach is framed by the calm value, beside another app's sustained breach: it is
    // also the quiet case (one promtool group fewer per level).
    const short = splice(quiet, firing, timing.breachAt, timing.breachAt + timing.shortBreach);
    const shortCase: PromtoolCase = {
        name: `${name} holds: ${firing.story} for only ${seconds(timing.shortBreach)} from ${seconds(timing.breachAt)}, ${quiet.story} around it, while another app's ${firing.story}`,
        alertname: name,
        kind: "short",
        breachAt: timing.breachAt,
        metrics: metricsOf([...short, ...stranger.series]),
        input_series: encode([...short, ...stranger.series]),
        alert_rule_test: ticks.filter((t) => t >= timing.breachAt).map((t) => ({ eval_time: seconds(t), alertname: name, exp_alerts: [] })),
    };
    return [firesCase, shortCase];
}

/**
 * The low-traffic cases of an error ratio whose guard is traffic or errors (selectors.ts
 * enoughTrafficOrErrors), at the alert's most severe level: below the app's minimum traffic, a
 * service (a dependency, MinIO) failing every call just over the app's floor of errors a minute
 * fires exactly `for` after its window lies in the failure, not one evaluation sooner; one failing
 * every call under the floor never fires, at those two evaluations or any other. Before the failure
 * the same calls all succeed. Whether the ratio is read follows from the guard's definition (calls
 * a minute against the minimum traffic, failures against the floor), never from the rule.
 */
function lowTrafficCases(runbook: Runbook, env: Env, alert: Alert): PromtoolCase[] {
    if (!LOW_TRAFFIC_SCENARIOS[alert.signal]) return [];
    const level = alert.levels.reduce((a, b) => (SEVERITY_RANK[b.severity] > SEVERITY_RANK[a.severity] ? b : a));
    const name = alertName(runbook.app, alert.id, level.severity);
    const where = `${name} (${runbook.app}/${env})`;
    const timing = levelTiming(runbook, alert, level);
    const { evaluation: tick, horizon, breachAt, onset } = timing;
    const minimum = minRequestsPerSecond(runbook) * 60;
    const floor = minErrorsPerMinute(runbook);
    const window = durationSeconds(SIGNAL_SPECS[alert.signal].window ?? "0s");
    // The samples a window holds (Prometheus 2): one calm interval among its m − 1 leaves (m − 2)/(m − 1) of the failures, under the floor.
    const m = window / STEP + 1;
    if (Number.isNaN(onset) || m < 3 || floor <= 0) throw new Error(`${where}: a low-traffic case needs a rate window of at least two scrape intervals and a floor of errors above 0`);
    if (!beyond(alert, level, 100)) throw new Error(`${where}: every call failing (100%) is not beyond ${level.threshold}`);
    const setup = { runbook, alert, app: runbook.app, components: scopeComponents(runbook, alert), value: 100, side: "fire" as const, samples: horizon / STEP + 1 };
    const read = (l: Load) => l.perMinute >= minimum || l.failing >= floor;
    const load = (perMinute: number, failing: number, story: string) => loadScenario(setup, { perMinute, failing }, story, read({ perMinute, failing }));
    const encode = (sims: readonly Sim[]) => sims.map((sim) => ({ series: seriesString(sim), values: encodeValues(sim.values) }));
    const ticks = Array.from({ length: horizon / tick + 1 }, (_, i) => i * tick).filter((t) => t >= breachAt);
    const firesAt = onset + durationSeconds(level.for);
    const cases: PromtoolCase[] = [];
    const over = floor * (1 + 0.5 / (m - 2));
    const under = floor * 0.8;
    const calls = (n: number) => `${Number(n.toFixed(2))} calls a minute (under the minimum ${minimum})`;
    if (over < minimum) {
        const breach = load(over, over, `${calls(over)}, every one failing (floor ${floor} a minute)`);
        const series = splice(load(over, 0, `${calls(over)}, all answered`), breach, breachAt);
        cases.push({
            name: `${name} fires at low traffic: ${calls(over)} all answered until ${seconds(breachAt)}, then every one failing (the floor is ${floor} a minute); fires ${level.for} after ${seconds(onset)}`,
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
        const series = splice(load(under, 0, "all answered"), load(under, under, "every one failing"), breachAt);
        cases.push({
            name: `${name} holds at low traffic: ${calls(under)} all answered until ${seconds(breachAt)}, then every one failing, under the floor of ${floor} a minute`,
            alertname: name,
            kind: "low-traffic",
            breachAt,
            metrics: new Set(series.map((x) => x.name)),
            input_series: encode(series),
            alert_rule_test: ticks.map((t) => ({ eval_time: seconds(t), alertname: name, exp_alerts: [] })),
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
    for (const c of cases) {
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
