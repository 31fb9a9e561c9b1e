import test from "ava";
import * as path from "path";
import YAML from "yaml";
import { renderArtifacts } from "../../capabilities/alerting/artifacts";
import { contractMetrics } from "../../capabilities/alerting/contract";
import { COMBOS, fixtureReceivers, metricNames, removeTempDirs, tempDir, tool, write } from "./helpers";

test.after.always(removeTempDirs);

interface Panel {
    type: string;
    title: string;
    targets?: { expr: string }[];
    fieldConfig?: { defaults?: { thresholds?: { steps: { value: number | null; color: string }[] } } };
}
interface DashboardJson {
    uid: string;
    panels: Panel[];
}

const SEVERITY_COLORS = { critical: "red", warning: "orange", info: "blue" } as const;

/** The dashboards exactly as a target mounts them: parsed back from the rendered JSON files. */
const rendered = COMBOS.filter((c) => c.env === "local").map((c) => ({
    ...c,
    dashboards: renderArtifacts(c.runbook, c.env, c.target, fixtureReceivers(c.runbook, c.target))
        .filter((a) => a.path.startsWith("grafana/dashboards/"))
        .map((a) => ({ path: a.path, json: JSON.parse(a.content) as DashboardJson })),
}));

test("each app gets exactly the dashboards its runbook names, with the runbook's ids as uids", (t) => {
    for (const r of rendered) {
        t.deepEqual(
            r.dashboards.map((d) => d.json.uid),
            r.runbook.monitoring.dashboards,
        );
        for (const d of r.dashboards) t.is(d.path, `grafana/dashboards/${d.json.uid}.json`);
    }
});

test("every panel query reads only metrics of the metrics contract", (t) => {
    for (const r of rendered) {
        const allowed = contractMetrics(r.app);
        for (const d of r.dashboards) {
            for (const p of d.json.panels.filter((x) => x.type !== "row")) {
                t.true((p.targets ?? []).length > 0, `${d.json.uid} "${p.title}" has a query`);
                for (const q of p.targets ?? []) {
                    const names = metricNames(q.expr);
                    t.true(names.length > 0, `${d.json.uid} "${p.title}" reads a metric`);
                    for (const n of names) t.true(allowed.has(n), `${d.json.uid} "${p.title}" reads ${n}, which is not in the contract`);
                }
            }
        }
    }
});

test("every alert level is a threshold step on exactly one panel, coloured by its severity", (t) => {
    for (const r of rendered) {
        const panels = r.dashboards.flatMap((d) => d.json.panels.filter((p) => p.type !== "row"));
        for (const alert of r.runbook.alerts) {
            const mine = panels.filter((p) => p.title === alert.title);
            t.is(mine.length, 1, `${r.app} ${alert.id}: one panel titled "${alert.title}"`);
            const steps = mine[0]?.fieldConfig?.defaults?.thresholds?.steps ?? [];
            for (const level of alert.levels) {
                // Grafana colours values at or above a step; a 0/1 signal fires on 1, the first value above 0.
                const at = alert.unit === "bool" ? level.threshold + 1 : level.threshold;
                const i = steps.findIndex((s) => s.value === at);
                t.true(i > 0, `${r.app} ${alert.id} ${level.severity}: a step at ${at}`);
                // Above: values from the step up are in this level. Below: values under the step are.
                const colour = alert.direction === "above" ? steps[i]?.color : steps[i - 1]?.color;
                t.is(colour, SEVERITY_COLORS[level.severity], `${r.app} ${alert.id} ${level.severity}: coloured ${SEVERITY_COLORS[level.severity]}`);
            }
        }
    }
});

test("every dashboard query is valid PromQL (promtool check rules)", async (t) => {
    const d = tempDir("dashboards");
    const files = rendered.map((r) =>
        write(
            path.join(d, `${r.app}.yml`),
            YAML.stringify({
                groups: [
                    {
                        name: `${r.app}-dashboards`,
                        rules: r.dashboards.flatMap((x) =>
                            x.json.panels.flatMap((p, i) => (p.targets ?? []).map((q, j) => ({ record: `dashboard:${x.json.uid.replace(/-/g, "_")}:${i}_${j}`, expr: q.expr }))),
                        ),
                    },
                ],
            }),
        ),
    );
    const res = await tool("promtool", ["check", "rules", ...files]);
    t.is(res.code, 0, res.stdout + res.stderr);
});
