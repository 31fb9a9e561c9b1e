import test from "ava";
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";

/**
 * Every project file must compile with the options the SDK's TypeScript path gives ts-node, emit
 * on. `tsc --noEmit` and tsx both missed TS2441 (a top-level function named `require` in a
 * CommonJS module: the checker reports it only when it emits), which failed every stack under
 * `pulumi up` while the project ran `typescript: true`. Pulumi.yaml now compiles with tsx, but a
 * user or a later change may switch back to ts-node (`typescript: true`, the language host's
 * default).
 *
 * The compile itself is `npm run typecheck`, the first step of `npm test` (and so of CI): one
 * `tsc` run with emit on. These tests hold that its options are the ones ts-node would use, so
 * that one compile is both the type-check and the ts-node check, and show that emit-off would
 * miss the error.
 *
 * The options, as @pulumi/pulumi 3.248 builds them:
 * - cmd/run/run.js: `{ target: "ES2020", module: "nodenext", moduleResolution: "nodenext",
 *   sourceMap: "true", ...<tsconfig.json compilerOptions> }` handed to ts-node's `register`;
 * - vendor/ts-node@7.0.1 `readConfig`: the tsconfig file's options, then those, then
 *   DEFAULT_COMPILER_OPTIONS (`sourceMap, inlineSourceMap: false, inlineSources, declaration:
 *   false, noEmit: false, outDir: "$$ts-node$$"`); `fixConfig` drops out/outFile/composite/
 *   declarationDir/declarationMap/emitDeclarationOnly; diagnostics 6059, 18002, 18003 ignored;
 *   type-checking on unless transpile-only.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const TSCONFIG = path.join(ROOT, "tsconfig.json");

function tsNodeOptions(tsconfigPath: string): ts.ParsedCommandLine {
    const file = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
    if (file.error) throw new Error(ts.flattenDiagnosticMessageText(file.error.messageText, "\n"));
    const fromRun = { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...file.config.compilerOptions };
    const defaults = { sourceMap: true, inlineSourceMap: false, inlineSources: true, declaration: false, noEmit: false, outDir: "$$ts-node$$" };
    const config = { ...file.config, compilerOptions: { ...file.config.compilerOptions, ...fromRun, ...defaults } };
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(tsconfigPath), undefined, tsconfigPath);
    for (const key of ["out", "outFile", "composite", "declarationDir", "declarationMap", "emitDeclarationOnly"]) delete parsed.options[key];
    return parsed;
}

/** The options `npm run typecheck` compiles with: tsconfig.json, then the script's command-line flags, as tsc applies them. */
function typecheckOptions(): { script: string; parsed: ts.ParsedCommandLine } {
    const script: string = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.typecheck;
    const argv = script.split(/\s+/).slice(1);
    const cli = ts.parseCommandLine(argv);
    if (cli.errors.length) throw new Error(`package.json scripts.typecheck: ${ts.flattenDiagnosticMessageText(cli.errors[0].messageText, "\n")}`);
    const project = path.resolve(ROOT, cli.options.project ?? "tsconfig.json");
    const file = ts.readConfigFile(project, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(file.config, ts.sys, path.dirname(project), cli.options, project);
    return { script, parsed };
}

test("npm run typecheck compiles exactly what ts-node compiles, with ts-node's options (emit on, type-check on)", (t) => {
    const { script, parsed } = typecheckOptions();
    t.regex(script, /^tsc /, "the typecheck is one tsc run");
    const tsNode = tsNodeOptions(TSCONFIG);
    t.false(tsNode.options.noEmit, "ts-node compiles with emit on");
    t.true(tsNode.fileNames.some((f) => f.endsWith("stacks/program.ts")));
    t.deepEqual(parsed.fileNames, tsNode.fileNames, "the same files");
    // Where the emitted JavaScript goes does not change a diagnostic; every other option must be ts-node's.
    const differing = [...new Set([...Object.keys(tsNode.options), ...Object.keys(parsed.options)])]
        .filter((k) => !["outDir", "configFilePath", "project", "pathsBasePath"].includes(k))
        .filter((k) => JSON.stringify(tsNode.options[k]) !== JSON.stringify(parsed.options[k]))
        .map((k) => `${k}: ts-node ${JSON.stringify(tsNode.options[k])}, typecheck ${JSON.stringify(parsed.options[k])}`);
    t.deepEqual(differing, [], `package.json scripts.typecheck ("${script}") must compile with ts-node's options`);
    t.truthy(parsed.options.outDir, "emit goes to a scratch directory, never beside the sources");
    t.true(path.relative(ROOT, parsed.options.outDir!).startsWith("node_modules"), "the scratch directory is ignored by git");
});

test("emit on is what catches TS2441: the same file passes with emit off", (t) => {
    const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "ts2441-"));
    const file = path.join(dir, "reserved.ts");
    fs.writeFileSync(path.join(dir, "package.json"), "{}\n");
    fs.writeFileSync(file, "export function require(name: string): string { return name; }\n");
    const codes = (noEmit: boolean) => {
        const { options } = typecheckOptions().parsed;
        const program = ts.createProgram({ rootNames: [file], options: { ...options, types: [], noEmit, outDir: path.join(dir, "out") } });
        return ts.getPreEmitDiagnostics(program).map((d) => d.code);
    };
    t.true(codes(false).includes(2441), "with the typecheck's options (emit on) the reserved name is an error");
    t.false(codes(true).includes(2441), "with emit off it would pass: the reason the typecheck emits");
    fs.rmSync(dir, { recursive: true, force: true });
});
