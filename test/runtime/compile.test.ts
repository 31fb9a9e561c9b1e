import test from "ava";
import * as path from "path";
import ts from "typescript";

/**
 * Every project file compiles with the options the SDK's TypeScript path gives ts-node, emit on.
 * `tsc --noEmit` and tsx both missed TS2441 (a top-level function named `require` in a CommonJS
 * module), which failed every stack under `pulumi up` while the project ran `typescript: true`.
 * Pulumi.yaml now compiles with tsx, but a user or a later change may switch back to ts-node
 * (`typescript: true`, the language host's default), and `tsc` in CI sees only what noEmit shows.
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
const IGNORED = new Set([6059, 18002, 18003]);

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

test("every project .ts compiles under the SDK's ts-node options (emit on, type-check on) with no diagnostic", (t) => {
    const parsed = tsNodeOptions(path.join(ROOT, "tsconfig.json"));
    t.false(parsed.options.noEmit, "emit on, as ts-node compiles");
    t.true(parsed.fileNames.some((f) => f.endsWith("stacks/program.ts")));
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)].filter((d) => !IGNORED.has(d.code));
    const shown = ts.formatDiagnostics(diagnostics.slice(0, 20), { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" });
    t.is(diagnostics.length, 0, `under cmd/run's ts-node the program does not compile:\n${shown}`);
});
