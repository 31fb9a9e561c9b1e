import { exitCodeFor, type DriftedResource, type ReportValue, type StackDriftReport } from "./report";

/** How the check compares, said once for every rendering. */
export const METHOD =
    "`pulumi refresh --preview-only` (live resources read from the cloud, compared with the state recorded at the last deployment) and `pulumi preview` (the code compared with that state); nothing is written";

/** The two comparisons of a report: what each one's columns and row texts say. */
const SECTIONS = {
    live: {
        title: "Changed outside the code (state → live)",
        columns: ["State", "Live"],
        created: "not in the recorded state",
        deleted: "no longer exists",
        fix: (stack: string) => `Either put the cloud back to the code with \`pulumi up --stack ${stack}\`, or, if the live value is right, change the code and deploy it.`,
    },
    code: {
        title: "Code not deployed (state → code)",
        columns: ["State", "Code"],
        created: "in the code, not deployed",
        deleted: "deployed, no longer in the code",
        fix: (stack: string) => `Deploy the code with \`pulumi up --stack ${stack}\` (after review), or revert it.`,
    },
} as const;
type Section = keyof typeof SECTIONS;

function resourcesOf(report: StackDriftReport, section: Section): readonly DriftedResource[] {
    return section === "live" ? report.resources : report.undeployed;
}

/** A value on one line: strings quoted, markers bare, long JSON cut with an ellipsis. */
export function formatValue(v: ReportValue | undefined, max = 80): string {
    if (v === undefined) return "(not set)";
    if (v === "[secret]" || v === "[unknown]") return v;
    const text = JSON.stringify(v);
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

interface Row {
    readonly operation: string;
    readonly type: string;
    readonly name: string;
    readonly property: string;
    readonly change: string;
    readonly old: string;
    readonly live: string;
}

/** One row per changed property; a resource without property detail gets one row saying why. */
function rows(report: StackDriftReport, section: Section): Row[] {
    const out: Row[] = [];
    const says = SECTIONS[section];
    for (const r of resourcesOf(report, section)) {
        const base = { operation: r.operation, type: r.type, name: r.name };
        if (r.operation === "delete") {
            out.push({ ...base, property: "", change: says.deleted, old: "", live: "" });
        } else if (r.operation === "create") {
            out.push({ ...base, property: "", change: says.created, old: "", live: "" });
        } else if (r.properties.length === 0) {
            out.push({ ...base, property: "", change: "changed; the provider named no properties", old: "", live: "" });
        } else {
            for (const p of r.properties) {
                const old = formatValue(p.old);
                const live = formatValue(p.new);
                out.push({ ...base, property: p.path, change: `${old} → ${live}`, old, live });
            }
        }
    }
    return out;
}

function headline(report: StackDriftReport): string {
    switch (report.status) {
        case "clean":
            return "clean, no drift";
        case "drift": {
            const parts = [
                ...(report.resources.length ? [`${report.resources.length} resource(s) changed outside the code`] : []),
                ...(report.undeployed.length ? [`${report.undeployed.length} change(s) in the code not deployed`] : []),
            ];
            return `drift, ${parts.join("; ") || "changes counted without detail"}`;
        }
        case "error":
            return "error, the check did not finish";
    }
}

/** Plain-text table for a terminal. An error every stack failed with (no CLI, no backend) is said once, at the end. */
export function renderTable(reports: readonly StackDriftReport[]): string {
    const lines: string[] = [];
    const shared = reports.length > 1 ? reports[0].errors.filter((e) => reports.every((r) => r.errors.includes(e))) : [];
    const nothingChecked = shared.length > 0 && reports.every((r) => r.errors.length === shared.length && r.resources.length === 0 && r.undeployed.length === 0);
    if (nothingChecked) return `none of the ${reports.length} stacks was checked: ${shared.join("; ")}\n`;
    for (const report of reports) {
        lines.push(`${report.stack}: ${headline(report)} (checked ${report.checkedAt})`);
        for (const section of Object.keys(SECTIONS) as Section[]) {
            const table = rows(report, section);
            if (table.length === 0) continue;
            lines.push(`  ${SECTIONS[section].title}:`);
            const header = { operation: "OPERATION", type: "TYPE", name: "NAME", property: "PROPERTY", change: SECTIONS[section].columns.join(" → ").toUpperCase() };
            const cols = ["operation", "type", "name", "property", "change"] as const;
            const width = Object.fromEntries(cols.map((c) => [c, Math.max(header[c].length, ...table.map((r) => r[c].length))])) as Record<(typeof cols)[number], number>;
            const line = (r: Record<(typeof cols)[number], string>) =>
                `  ${cols.map((c, i) => (i === cols.length - 1 ? r[c] : r[c].padEnd(width[c]))).join("  ")}`.trimEnd();
            lines.push(line(header));
            for (const r of table) lines.push(line(r));
        }
        for (const e of report.errors.filter((x) => !shared.includes(x))) lines.push(`  error: ${e.replace(/\n/g, "\n         ")}`);
        for (const w of report.warnings) lines.push(`  warning: ${w}`);
    }
    for (const e of shared) lines.push(`error (all ${reports.length} stacks): ${e.replace(/\n/g, "\n  ")}`);
    if (reports.length > 0) lines.push(`Compared with ${METHOD}.`);
    return `${lines.join("\n")}\n`;
}

/** Inline code in a Markdown table cell: pipes escaped, backticks fenced, newlines kept out. */
function code(s: string): string {
    const text = s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
    return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function cell(s: string): string {
    return s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

/** Markdown for an issue body or a job summary. */
export function renderMarkdown(reports: readonly StackDriftReport[]): string {
    const out: string[] = [];
    if (reports.length > 1) {
        out.push("| Stack | Result |", "| --- | --- |");
        for (const r of reports) out.push(`| ${code(r.stack)} | ${cell(headline(r))} |`);
        out.push("");
    }
    for (const report of reports) {
        out.push(`## Drift check: ${code(report.stack)}: ${headline(report)}`, "");
        out.push(`Checked ${report.checkedAt} with ${METHOD}.`, "");
        for (const section of Object.keys(SECTIONS) as Section[]) {
            const table = rows(report, section);
            if (table.length === 0) continue;
            const says = SECTIONS[section];
            out.push(`### ${says.title}`, "");
            out.push(`| Operation | Resource | Type | Property | ${says.columns.join(" | ")} |`, "| --- | --- | --- | --- | --- | --- |");
            for (const r of table) {
                const property = r.property ? code(r.property) : cell(r.change);
                const old = r.property ? code(r.old) : "";
                const live = r.property ? code(r.live) : "";
                out.push(`| ${r.operation} | ${code(r.name)} | ${code(r.type)} | ${property} | ${old} | ${live} |`);
            }
            out.push("", "<details><summary>Resource URNs</summary>", "");
            for (const r of resourcesOf(report, section)) out.push(`- ${code(r.urn)}`);
            out.push("", "</details>", "");
            out.push(says.fix(report.stack), "");
        }
        if (report.errors.length > 0) {
            out.push("Errors:", "", "```text", ...report.errors, "```", "");
        }
        for (const w of report.warnings) out.push(`Warning: ${cell(w)}`, "");
    }
    return `${out.join("\n").trimEnd()}\n`;
}

/** JSON for machines: the reports and the exit status they lead to. */
export function renderJson(reports: readonly StackDriftReport[]): string {
    return `${JSON.stringify({ exitCode: exitCodeFor(reports), method: METHOD.replace(/`/g, ""), stacks: reports }, null, 2)}\n`;
}
