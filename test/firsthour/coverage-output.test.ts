import test from "ava";
import { spawnSync } from "child_process";
import * as path from "path";
import { coverageRows } from "../../capabilities/alerting/coverage";
import { byApp, COVERAGE_PROVIDERS, renderMarkdown, renderText, TEXT_WIDTH } from "../../cli/coverage";
import { allRunbooks, APP_IDS } from "../../runbooks";

/**
 * `npm run coverage` as a person reads it: grouped per app, within a 100-column terminal, nothing
 * cut; the full table (every entry of every column) in --markdown and --json.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const rows = coverageRows(allRunbooks(), COVERAGE_PROVIDERS);

test("the text fits 100 columns, with no cell cut short", (t) => {
    const r = spawnSync(process.execPath, ["--import=tsx", "cli/coverage.ts"], { cwd: ROOT, encoding: "utf8" });
    t.is(r.status, 0, r.stderr);
    const lines = r.stdout.split("\n");
    const wide = lines.filter((l) => [...l].length > TEXT_WIDTH);
    t.deepEqual(wide, [], `lines wider than ${TEXT_WIDTH} columns`);
    t.is(TEXT_WIDTH, 100);
    t.false(r.stdout.includes("…"), "a cell was cut");
});

test("grouped per app: one block per app in the runbooks' order, each number in its own app's block", (t) => {
    const text = renderText(rows);
    const blocks = text.split(/\n(?=\S)/).filter((b) => b.trim());
    t.deepEqual(
        blocks.map((b) => b.split(":")[0]),
        [...APP_IDS],
    );
    for (const app of APP_IDS) {
        const block = blocks.find((b) => b.startsWith(`${app}:`))!;
        const own = rows.filter((r) => r.app === app);
        // Each kind once, as a heading over its rows.
        const kinds = block.split("\n").filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim());
        t.deepEqual(kinds, [...new Set(own.map((r) => r.kind))], `${app}: kinds`);
        const grouped = byApp(rows).get(app)!;
        t.true(grouped.length === own.length && own.every((r) => grouped.includes(r)), `${app}: grouping lost or added a row`);
        t.true(block.startsWith(`${app}: ${own.length} numbers`));
        const lines = block.split("\n");
        const valueAt = lines[1].indexOf("value");
        const countsAt = lines[1].indexOf("impl");
        // A row: its first line (id, the value's start, the counts), then lines that go on with the value.
        const rowsShown = lines.flatMap((l, i) => {
            if (!/^ {4}\S/.test(l) || i < 2) return [];
            const more: string[] = [];
            for (let j = i + 1; j < lines.length && /^ {4} +\S/.test(lines[j]) && lines[j].slice(0, valueAt).trim() === ""; j++) more.push(lines[j].slice(valueAt).trim());
            return [{ id: l.slice(4, valueAt).trim(), value: [l.slice(valueAt, countsAt).trim(), ...more].join(" "), counts: l.slice(countsAt).trim().split(/\s+/) }];
        });
        t.deepEqual(
            rowsShown,
            byApp(rows).get(app)!.map((r) => ({ id: r.id, value: r.number, counts: [r.implementedBy, r.testedBy, r.enforcedBy].map((xs) => (xs.length ? String(xs.length) : "—")) })),
            app,
        );
    }
});

test("--markdown holds the full table: every source, implementation, test and policy of every number", (t) => {
    const md = renderMarkdown(rows, []);
    for (const app of APP_IDS) t.true(md.includes(`\n## ${app}\n`));
    for (const r of rows) {
        for (const entry of [...r.implementedBy, ...r.testedBy, ...r.enforcedBy]) t.true(md.includes(entry.replace(/\|/g, "\\|")), `${r.app} ${r.id}: ${entry}`);
        if (r.source) t.true(md.includes(r.source.quote.replace(/\|/g, "\\|").replace(/\r?\n/g, " ")), `${r.app} ${r.id}: its quote`);
    }
    const tableLines = md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| number"));
    t.is(tableLines.length, rows.length);
    for (const l of tableLines) t.is(l.split(/(?<!\\)\|/).length - 2, 6, l.slice(0, 80));
});

test("`coverage | head` ends quietly: a closed pipe is not an error", (t) => {
    const r = spawnSync("bash", ["-c", `${JSON.stringify(process.execPath)} --import=tsx cli/coverage.ts --json | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`], { cwd: ROOT, encoding: "utf8" });
    t.is(r.stdout.trim(), "0", r.stderr);
    t.notRegex(r.stderr, /EPIPE/);
});
