import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { componentArgsFindings, heldFiles, ROOT, type Source } from "./component-args";

/**
 * Components take narrow Args (issue #17, item 7): a component's Args say what it uses, so it can
 * be read, reused and tested alone.
 *
 * 1. No Args or scope interface (a name ending in `Args` or `Scope`) has a member whose type is the
 *    whole runbook (`Runbook`; a slice such as `Runbook["data"]["redis"]` is fine) or the whole
 *    stack context (`PlatformContext`), except `PlatformArgs.context`: the one door through which
 *    the stack enters the platform, whose targets turn it into their children's Args.
 * 2. Every member of a component class's constructor Args (and of the interfaces they extend) has
 *    a doc comment: what it is, where it comes from, its default in words.
 *
 * Read from the source with the TypeScript parser (no type checker: milliseconds, not minutes),
 * by the functions in ./component-args.ts. HELD lists what is held to it; a target joins by adding
 * its folder.
 */

/**
 * The sources held to the rule: `<folder>/**` (every .ts below it) or `<folder>/*.ts` (its own
 * files only). AWS (`components/targets/aws/**`) and the platform's own components
 * (`components/*.ts`: platform.ts, secrets.ts, delivery.ts) join when their Args are narrowed.
 */
const HELD: readonly string[] = ["components/targets/docker/**", "components/targets/kubernetes/**"];

/**
 * Constructor Args declared outside HELD, so not checked from here (they are where their file is
 * held): each target platform's `TargetArgs`, from components/platform.ts.
 */
const ARGS_DECLARED_ELSEWHERE: readonly string[] = HELD.some((h) => h === "components/*.ts") ? [] : ["TargetArgs"];

const read = (file: string): Source => ({ file, text: fs.readFileSync(path.join(ROOT, file), "utf8") });

test("no component's Args or scope holds the whole runbook, and every constructor Args member is documented", (t) => {
    const files = HELD.flatMap((entry) => heldFiles(entry));
    const found = componentArgsFindings(files.map(read));
    t.deepEqual(found.problems, [], found.problems.join("\n"));
    t.deepEqual(found.unresolved, [...ARGS_DECLARED_ELSEWHERE], "constructor Args declared outside HELD");
    for (const entry of HELD) {
        const dir = entry.replace(/\/(\*\*|\*\.ts)$/, "");
        t.true(
            found.components.some((c) => c.startsWith(`${dir}/`)),
            `${entry} holds component classes (the check is not vacuous there)`,
        );
    }
});

test("the check sees a whole runbook, a whole context and an undocumented member, and lets a slice through", (t) => {
    const fixture = (body: string): Source => ({
        file: "fixture.ts",
        text: `import * as pulumi from "@pulumi/pulumi";
export interface ThingScope {
    /** The app id. */
    readonly app: string;
}
export interface ThingArgs extends ThingScope {
    /** The runbook's data.redis. */
    readonly redis: NonNullable<Runbook["data"]["redis"]>;
${body}
}
export class Thing extends pulumi.ComponentResource {
    constructor(name: string, args: ThingArgs, opts?: pulumi.ComponentResourceOptions) { super("t", name, {}, opts); }
}`,
    });
    t.deepEqual(componentArgsFindings([fixture("")]).problems, [], "a documented slice passes");
    t.deepEqual(componentArgsFindings([fixture("")]).components, ["fixture.ts: Thing(ThingArgs)"]);
    const whole = componentArgsFindings([fixture("    /** Everything. */\n    readonly runbook: Runbook;")]).problems;
    t.is(whole.length, 1);
    t.regex(whole[0], /fixture\.ts:10: ThingArgs\.runbook holds the whole Runbook/);
    t.regex(componentArgsFindings([fixture("    /** Builds it. */\n    build(rb: Readonly<Runbook>): string;")]).problems.join("\n"), /ThingArgs\.build holds the whole Runbook/);
    t.regex(componentArgsFindings([fixture("    /** The stack. */\n    readonly context: PlatformContext;")]).problems.join("\n"), /ThingArgs\.context holds the whole PlatformContext/);
    t.deepEqual(componentArgsFindings([fixture("    readonly image: string;")]).problems, ["fixture.ts:9: ThingArgs.image (Args of Thing) has no doc comment"]);
    // A member of an extended scope is a member of the Args too.
    const inherited = fixture("").text.replace("    /** The app id. */\n", "");
    t.deepEqual(componentArgsFindings([{ file: "fixture.ts", text: inherited }]).problems, ["fixture.ts:3: ThingScope.app (Args of Thing) has no doc comment"]);
    // An alias of Args is resolved through to what it names.
    const aliased = componentArgsFindings([{ file: "a.ts", text: `${inherited}\nexport type OtherArgs = ThingArgs & { readonly extra: string };\nclass Y extends ComponentResource { constructor(n: string, args: OtherArgs) { super(); } }` }]);
    t.deepEqual(aliased.problems, ["a.ts:13: OtherArgs.extra (Args of Y) has no doc comment", "a.ts:3: ThingScope.app (Args of Thing) has no doc comment", "a.ts:3: ThingScope.app (Args of Y) has no doc comment"]);
    t.deepEqual(componentArgsFindings([{ file: "f.ts", text: "class X extends pulumi.ComponentResource { constructor(n: string, args: ElsewhereArgs) { super(); } }" }]).unresolved, ["ElsewhereArgs"]);
});
