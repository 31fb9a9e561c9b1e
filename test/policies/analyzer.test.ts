import test from "ava";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { planPreview } from "../../cli/preview-plan";
import { APP_IDS, getRunbook, type AppId, type Env, type Runbook } from "../../runbooks";
import { allStacks, parseStackName, type PlatformContext } from "../../stacks/settings";
import { runPolicies, type StackReport } from "../../policies/offline";
import { policies } from "../../policies/pack";
import { analyzePlan, analyzerInfo, call, configure, launchPack, type Diagnostic, type PackHost } from "./analyzer-host";
import { secretCandidates, seedLiterals } from "../../policies/lib/credentials";
import { runbookMutations } from "./mutation-lib";

/**
 * The pack under its real launcher and protocol (`analyzer-host.ts`): for every stack, its plan
 * is sent over the Analyzer service as the engine sends it (Analyze per resource, AnalyzeStack),
 * and the diagnostics must be the ones `npm run policy` reports: same policies, levels, messages
 * and resources. For each production stack a first preview (computed outputs unknown) too, where
 * no policy may be cut short; and for a sample of the mutation suite, the loosened plan.
 * One pack process per stack, started as `pulumi preview -s <stack> --policy-pack policies` starts it;
 * one stack per app by default (protocolStacks).
 */

/**
 * The stacks sent over the protocol: by default one per app, the environments rotating over the
 * apps so every target and environment crosses the wire (each launch is a pack process of its own,
 * ~5 s of CPU; every stack is checked offline by stacks.test.ts and the mutation suite).
 * `PROTOCOL_STACKS=all` sends all of them, `PROTOCOL_STACKS=a,b` the ones named.
 */
function protocolStacks(): string[] {
    const wanted = process.env.PROTOCOL_STACKS;
    if (wanted === "all") return allStacks();
    if (wanted) return allStacks().filter((s) => wanted.split(",").includes(s));
    const order: readonly Env[] = ["production", "staging", "local"];
    return APP_IDS.map((app, i) => `${app}-${order[i % order.length]}`);
}
const STACKS = protocolStacks();

const key = (d: { policy: string; level: string; message: string; urn?: string }) => `${d.level} ${d.policy} ${d.urn ?? "(stack)"}: ${d.message}`;
/** The analyzer server reports a violation as the policy's description, a newline, then the policy's message (server.ts, makeReportViolationFun). */
const offline = (r: StackReport) =>
    r.violations
        .map((v) => key({ ...v, message: /^can't run policy/.test(v.message) ? v.message : `${r.outcomes.find((o) => o.name === v.policy)!.description}\n${v.message}` }))
        .sort();
const online = (ds: Diagnostic[]) => ds.map(key).sort();

/** The kinds of loosened number the sample takes (alert, backup, scaling, retention). */
const KINDS = ["alerts.", "backups.", "services.", "logs."];

/**
 * Mutations of the sample: per stack, the first loosened number of two kinds, the kinds rotating
 * over the stacks so every kind crosses the protocol on several stacks (each loosened plan is a
 * fresh plan: the whole suite of kinds per stack is the offline mutation suite's job).
 */
function sample(app: AppId, env: Env, index: number) {
    const all = runbookMutations(getRunbook(app), env).filter((m) => m.runbook);
    const kinds = [KINDS[(2 * index) % KINDS.length], KINDS[(2 * index + 1) % KINDS.length]];
    return kinds.map((k) => all.find((m) => m.keys?.some((x) => x.startsWith(k)))).filter((m): m is NonNullable<typeof m> => !!m);
}

const HOOK = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";

/**
 * Credentials written in clear where only the engine's view can show them: a webhook hard-coded
 * into a Lambda forwarder's source (an asset archive on the wire), and a generated secret replaced
 * by the runbook's clear-text password while still marked secret (the engine unwraps it).
 */
function credentialEdits(plan: StackPlan): { what: string; urn: string; plan: StackPlan }[] {
    const out: { what: string; urn: string; plan: StackPlan }[] = [];
    const fn = plan.resources.find((r) => r.type === "aws:lambda/function:Function");
    if (fn) {
        const copy = structuredClone(plan);
        const r = copy.resources.find((x) => x.urn === fn.urn)!;
        const code = r.props.code as { assets: Record<string, { text: string }> };
        const file = Object.keys(code.assets)[0];
        code.assets[file].text += `\nconst fallback = "${HOOK}";\n`;
        (r.inputs.code as typeof code).assets[file].text = code.assets[file].text;
        out.push({ what: "a webhook hard-coded into a forwarder's source", urn: fn.urn, plan: copy });
    }
    const literal = seedLiterals()[0];
    const copy = structuredClone(plan);
    for (const r of copy.resources) {
        // A credential input at a plain dotted path (`authToken`, `stringData.password`) that the program marked secret.
        const c = secretCandidates({ ...r, opts: r.options }).find((x) => /^[A-Za-z-]+(\.[A-Za-z-]+)*$/.test(x.path) && r.secretPaths.some((p) => x.path === p || x.path.startsWith(`${p}.`)));
        const parts = c?.path.split(".") ?? [];
        const holder = parts.slice(0, -1).reduce<any>((o, k) => o?.[k], r.props);
        if (!c || typeof holder?.[parts[parts.length - 1]] !== "string") continue;
        holder[parts[parts.length - 1]] = literal;
        out.push({ what: `${r.type} ${c.path}, marked secret, holding the runbook's clear-text password`, urn: r.urn, plan: copy });
        break;
    }
    return out;
}

const startups: number[] = [];

for (const [index, stack] of STACKS.entries()) {
    const { app, env } = parseStackName(stack);
    test.serial(`${stack}: the pack launched by run-policy-pack and driven over gRPC reports what npm run policy reports`, async (t) => {
        t.timeout(15 * 60_000);
        const plan = await planStack(stack);
        const host: PackHost = await launchPack(stack, { dryRun: true });
        try {
            startups.push(host.startupMs);
            t.log(`pack start-up under run-policy-pack (ts-node for index.ts, tsx for the pack): ${(host.startupMs / 1000).toFixed(1)} s`);
            const plugin = await call<Empty, { getVersion(): string }>(host.client, "getPluginInfo", new Empty());
            t.truthy(plugin.getVersion(), "plugin info");
            const info = await analyzerInfo(host);
            t.is(info.name, "runbook-platform");
            t.deepEqual(
                info.policies.map((p) => p.name),
                policies.map((p) => p.name),
            );
            await configure(host, info);

            const compare = async (what: string, p: StackPlan) => {
                const want = offline(await runPolicies(p));
                const got = online(await analyzePlan(host, p));
                t.deepEqual(got, want, `${stack} ${what}: gRPC diagnostics differ from npm run policy`);
                t.deepEqual(
                    got.filter((d) => /can't run policy/.test(d)),
                    [],
                    `${stack} ${what}: a policy was cut short`,
                );
                return got;
            };
            const base = await compare("baseline", plan);
            t.deepEqual(
                base.filter((d) => d.startsWith("mandatory")),
                [],
                `${stack}: no mandatory finding on the committed stack`,
            );
            if (env === "production") await compare("first preview", await planPreview(stack));
            if (env !== "local") {
                const caught: string[] = [];
                for (const m of sample(app, env, index)) {
                    const mutate = (ctx: PlatformContext): PlatformContext => {
                        const runbook = structuredClone(ctx.runbook) as Runbook;
                        m.runbook!(runbook);
                        return { ...ctx, runbook };
                    };
                    const mutated = await planStack(stack, { mutate }).catch(() => undefined);
                    if (!mutated) continue;
                    const got = await compare(`mutation ${m.id}`, mutated);
                    // Some numbers have no effect on a target (a retention CloudWatch rounds back up): agreement is what counts, and that most are caught.
                    if (got.some((d) => d.startsWith("mandatory") && m.keys!.some((k) => d.includes(`[runbook key: ${k}`)))) caught.push(m.id);
                    else t.log(`mutation without a finding (on either side): ${m.id}`);
                }
                t.true(caught.length > 0, `${stack}: no sampled mutation was reported over gRPC`);
                for (const edit of credentialEdits(plan)) {
                    t.log(`credential edit: ${edit.what}`);
                    const got = await compare(edit.what, edit.plan);
                    t.true(got.some((d) => d.startsWith("mandatory platform-no-literal-secrets") && d.includes(edit.urn)), `${stack}: ${edit.what} is caught over gRPC`);
                }
            }
        } finally {
            await host.stop();
        }
    });
}

test.serial.after("pack start-up time", (t) => {
    if (startups.length) t.log(`pack start-up under run-policy-pack: median ${(startups.sort((a, b) => a - b)[Math.floor(startups.length / 2)] / 1000).toFixed(1)} s over ${startups.length} launches`);
});
