import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import YAML from "yaml";
import { APP_IDS } from "../runbooks/schema";
import { normalizeHeading } from "../runbooks/seeds";
import { ROOT } from "./harness/stack-files";
import { DISABLE_DEFAULT_PROVIDERS_KEY, DISABLED_DEFAULT_PROVIDERS } from "../stacks/settings";

/**
 * `npm run new-app -- --id <app> --seed <file>`: the first step of "Adding an app" (README). It
 * copies the team's runbook into `runbooks/seeds/`, registers the id (`APP_IDS`, the registry in
 * `runbooks/index.ts`), and writes `runbooks/<app>.ts` and the three stack files. The module it
 * writes has the platform's defaults filled in (each marked `defaulted` with its reason) and the
 * runbook's own facts left empty: `npm run check -- --app <app>` then lists every field still to
 * fill, at once, with the seed sections to cite. Nothing is overwritten.
 */

export const APP_ID_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const SEED_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.txt$/;

export interface NewAppOptions {
    readonly id: string;
    /** Path of the team's runbook (any readable text file whose name ends in .txt). */
    readonly seed: string;
    /** Repository root to write into (tests use a copy). */
    readonly root?: string;
}

const camel = (id: string) => id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The seed's Markdown headings, as `at()` cites them (fenced code skipped). */
export function seedHeadings(text: string): string[] {
    let fenced = false;
    const out: string[] = [];
    for (const line of text.split("\n")) {
        if (/^\s*```/.test(line)) fenced = !fenced;
        const m = !fenced && /^(#{1,6})\s+(.*)$/.exec(line);
        if (m) out.push(normalizeHeading(m[2]));
    }
    return out;
}

export function runbookModule(id: string, seedName: string, seedText: string): string {
    const headings = seedHeadings(seedText);
    const title = headings[0] ?? id;
    const q = (s: string) => JSON.stringify(s);
    return `import { DEFAULTS } from "./defaults";
import { citing, defaultAws } from "./define";
import type { Runbook } from "./schema";

/**
 * ${title}: the numbers of runbooks/seeds/${seedName}, each with the section it is in and the
 * runbook's own words (\`at("<section>", "<words>")\`). Where the runbook is silent, use DEFAULTS and
 * say so in \`defaulted\`. \`npm run check -- --app ${id}\` lists what is still missing or wrong.
 *
 * Sections of the seed, as \`at()\` cites them:
${headings.map((h) => ` *   ${h}`).join("\n")}
 */

const seed = ${q(seedName)};
const at = citing(seed);

export const ${camel(id)}: Runbook = {
    app: ${q(id)},
    seed,
    title: ${q(title)},
    // Each service: name, role (api | frontend | portal | worker), port, healthPath, host,
    // metricsPath, resources, scaling, source. See runbooks/bunty.ts for a complete example.
    services: [],
    // postgres, redis, kafka, mongodb, objectStorage: only what the runbook runs.
    data: {},
    externalDependencies: [],
    // One entry per alert the runbook states, each level with its quote.
    alerts: [],
    incident: {
        // The runbook's severity levels (name, alert severity, response and resolution minutes).
        severities: [],
        alertResponse: {
            critical: { minutes: DEFAULTS.criticalResponseMinutes.value, defaulted: { minutes: DEFAULTS.criticalResponseMinutes.reason } },
            warning: { minutes: DEFAULTS.warningResponseMinutes.value, defaulted: { minutes: DEFAULTS.warningResponseMinutes.reason } },
            info: { minutes: DEFAULTS.infoResponseMinutes.value, defaulted: { minutes: DEFAULTS.infoResponseMinutes.reason } },
        },
        // Who is brought in, and after how many minutes.
        escalation: [],
        channels: { chat: ${q(`#${id}-alerts`)}, defaulted: { chat: DEFAULTS.chatChannel.reason } },
    },
    // One entry per dataset the runbook backs up (cron, every, retentionDays, source).
    backups: [],
    verification: [],
    maintenanceWindow: {
        day: DEFAULTS.maintenanceDay.value,
        startUtc: DEFAULTS.maintenanceStart.value,
        durationMinutes: DEFAULTS.maintenanceMinutes.value,
        defaulted: { day: DEFAULTS.maintenanceDay.reason, startUtc: DEFAULTS.maintenanceStart.reason, durationMinutes: DEFAULTS.maintenanceMinutes.reason },
    },
    logs: {
        retentionDays: DEFAULTS.logRetentionDays.value,
        rotation: "daily",
        // Cite where the runbook talks about its logs; keep \`defaulted\` for what it does not say.
        source: at(${q(headings[0] ?? "")}, ""),
        defaulted: { retentionDays: DEFAULTS.logRetentionDays.reason },
    },
    monitoring: {
        ports: { ...DEFAULTS.monitoringPorts.value },
        dashboards: [${q(`${id}-overview`)}],
        logStack: "loki",
        // Cite where the runbook describes its monitoring.
        source: at(${q(headings[0] ?? "")}, ""),
        defaulted: { ports: DEFAULTS.monitoringPorts.reason, dashboards: DEFAULTS.overviewDashboard.reason },
    },
    aws: defaultAws("the runbook names no release strategy; ECS rolls back with its circuit breaker"),
    // What the runbook states that the platform cannot express: what, source, reason (\`npm run coverage\` prints them).
    notExpressible: [],
    // Routine checks the runbook has a person run (daily, weekly, monthly, quarterly).
    checks: [],
};
`;
}

/**
 * The staging cluster's shared settings (storage class, ingress class, certificate issuer) as the
 * other apps' staging stacks set them: one cluster, so a new app uses what it offers.
 */
export function clusterSettings(root: string): Record<string, string> | undefined {
    const dir = path.join(root, "stacks");
    for (const file of fs.readdirSync(dir).filter((f) => /^Pulumi\..+-staging\.yaml$/.test(f)).sort()) {
        const k8s = (YAML.parse(fs.readFileSync(path.join(dir, file), "utf8"))?.config ?? {})["runbook-platform:kubernetes"] as Record<string, unknown> | undefined;
        if (!k8s) continue;
        const shared = Object.fromEntries(["storageClass", "ingressClass", "clusterIssuer"].filter((k) => typeof k8s[k] === "string").map((k) => [k, String(k8s[k])]));
        if (Object.keys(shared).length) return shared;
    }
    return undefined;
}

export function stackFile(id: string, env: "local" | "staging" | "production", cluster_?: Record<string, string>): string {
    const what = { local: "the whole platform on a developer's Docker engine", staging: "the platform on the staging Kubernetes cluster", production: "managed AWS services" }[env];
    const head = [
        `# ${id} ${env}: ${what}`,
        `# Numbers come from runbooks/${id}.ts; this file only chooses images and target settings.`,
        "config:",
        `  # The program names its own ${DISABLED_DEFAULT_PROVIDERS.join(", ")} providers; the engine refuses a resource`,
        "  # left on a default one (stacks/settings.ts DISABLED_DEFAULT_PROVIDERS; random keeps its default).",
        `  ${DISABLE_DEFAULT_PROVIDERS_KEY}: [${DISABLED_DEFAULT_PROVIDERS.join(", ")}]`,
    ];
    const images = ["  # One pinned image per runbook service: <service>: <registry>/<repo>:<version>", "  runbook-platform:images: {}"];
    if (env === "staging") {
        const cluster = Object.entries(cluster_ ?? {}).map(([k, v]) => `    ${k}: ${v}`);
        return [...head, ...images, "  runbook-platform:kubernetes:", `    context: ${id}-staging`, `    namespace: ${id}`, ...cluster, ""].join("\n");
    }
    if (env === "production") return [...head, "  aws:region: us-east-1", ...images, ""].join("\n");
    return [...head, ...images, ""].join("\n");
}

/** The edits the scaffold makes, each a path relative to the root and its new text. */
export function scaffold(opts: NewAppOptions): { file: string; text: string }[] {
    const root = opts.root ?? ROOT;
    const problems: string[] = [];
    if (!APP_ID_RE.test(opts.id)) problems.push(`--id "${opts.id}" is not an app id (allowed: lowercase letters and digits in dash-separated words, e.g. ledger-api)`);
    const schemaFile = path.join(root, "runbooks", "schema.ts");
    const schema = fs.readFileSync(schemaFile, "utf8");
    const ids = /export const APP_IDS = \[([^\]]*)\] as const;/.exec(schema);
    if (!ids) problems.push("runbooks/schema.ts: no `export const APP_IDS = [...] as const;` line to add the id to");
    if ((APP_IDS as readonly string[]).includes(opts.id) || (ids && ids[1].includes(`"${opts.id}"`))) problems.push(`--id "${opts.id}" is already an app (APP_IDS: ${APP_IDS.join(", ")})`);
    const seedName = path.basename(opts.seed);
    if (!SEED_NAME_RE.test(seedName)) problems.push(`--seed "${opts.seed}": the file name must end in .txt and use letters, digits, '.', '_' or '-'`);
    let seedText = "";
    try {
        seedText = fs.readFileSync(opts.seed, "utf8");
    } catch {
        problems.push(`--seed "${opts.seed}": cannot be read`);
    }
    const seedTarget = path.join(root, "runbooks", "seeds", seedName);
    if (seedText && fs.existsSync(seedTarget) && fs.readFileSync(seedTarget, "utf8") !== seedText) problems.push(`runbooks/seeds/${seedName} exists with other content; allowed: a seed name not yet used`);
    const moduleFile = `runbooks/${opts.id}.ts`;
    const stackFiles = (["local", "staging", "production"] as const).map((env) => ({ env, file: `stacks/Pulumi.${opts.id}-${env}.yaml` }));
    for (const f of [moduleFile, ...stackFiles.map((s) => s.file)]) if (fs.existsSync(path.join(root, f))) problems.push(`${f} exists; new-app never overwrites`);
    const indexFile = path.join(root, "runbooks", "index.ts");
    const index = fs.readFileSync(indexFile, "utf8");
    if (!/const RAW: Record<AppId, Runbook> = \{\n/.test(index)) problems.push("runbooks/index.ts: no `const RAW: Record<AppId, Runbook> = {` registry to add the module to");
    if (problems.length) throw new Error(`new-app: nothing written:\n${problems.map((p) => `  - ${p}`).join("\n")}`);

    const name = camel(opts.id);
    const newIds = `export const APP_IDS = [${ids![1]}, "${opts.id}"] as const;`;
    const lastImport = index.lastIndexOf("\nimport ");
    const importEnd = index.indexOf("\n", lastImport + 1);
    const newIndex = (index.slice(0, importEnd + 1) + `import { ${name} } from "./${opts.id}";\n` + index.slice(importEnd + 1)).replace(
        /(const RAW: Record<AppId, Runbook> = \{\n[\s\S]*?)(\n\};)/,
        (_, body: string, end: string) => `${body}\n    "${opts.id}": ${name},${end}`,
    );
    return [
        { file: `runbooks/seeds/${seedName}`, text: seedText },
        { file: moduleFile, text: runbookModule(opts.id, seedName, seedText) },
        { file: "runbooks/schema.ts", text: schema.replace(ids![0], newIds) },
        { file: "runbooks/index.ts", text: newIndex },
        ...stackFiles.map((s) => ({ file: s.file, text: stackFile(opts.id, s.env, clusterSettings(root)) })),
    ];
}

function main(argv: string[]): number {
    const opts = new Command("new-app")
        .description("Scaffold a new app: copy its runbook into runbooks/seeds/, register the id, write runbooks/<app>.ts and its three stack files")
        .requiredOption("--id <app>", "the app id, e.g. ledger-api")
        .requiredOption("--seed <file>", "the team's runbook, a .txt file")
        .parse(argv)
        .opts<{ id: string; seed: string }>();
    const edits = scaffold(opts);
    for (const e of edits) {
        fs.mkdirSync(path.dirname(path.join(ROOT, e.file)), { recursive: true });
        fs.writeFileSync(path.join(ROOT, e.file), e.text);
    }
    console.log(
        [
            `new app ${opts.id}:`,
            ...edits.map((e) => `  wrote ${e.file}`),
            "",
            "next:",
            `  1. fill runbooks/${opts.id}.ts from the runbook (every number with at("<section>", "<its words>"))`,
            `  2. put each service's pinned image in stacks/Pulumi.${opts.id}-{local,staging,production}.yaml`,
            `  3. npm run check -- --app ${opts.id}     (lists every problem at once; repeat until clean)`,
            "  4. npm run docs                          (the README's and docs/ tables gain the app's rows)",
        ].join("\n"),
    );
    return 0;
}

if (require.main === module) {
    try {
        process.exitCode = main(process.argv);
    } catch (e) {
        console.error((e as Error).message);
        process.exitCode = 1;
    }
}
