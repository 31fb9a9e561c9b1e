/**
 * Entry point for `pulumi preview -s <stack> --policy-pack policies`.
 *
 * The CLI's analyzer plugin starts `@pulumi/pulumi/cmd/run-policy-pack` here, which always
 * registers ts-node with type-checking (run-policy-pack/run.js; unlike a program, a pack has no
 * `typescript: false` option). ts-node's language service type-checks every file it loads, and
 * the pack loads the runbooks and capabilities: measured on the 2-core CI machine, ~20 s of CPU
 * before the first policy runs, for each stack previewed. Type-checking is CI's job (`npm test`
 * runs tsc over policies/ and test/runtime/compile.test.ts compiles them as ts-node would), so,
 * as Pulumi.yaml does for the program (`nodeargs: --import tsx`), this file hands the rest of the
 * pack to tsx: only this file is compiled by ts-node.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tsx = require("tsx/cjs/api") as { register(): () => void };
tsx.register();
require("./main");
