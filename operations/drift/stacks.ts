import { APP_IDS, ENVS, type Env } from "../../runbooks/schema";

/** Every stack of the project, `<app>-<env>`, as the files `stacks/Pulumi.<app>-<env>.yaml` name them. */
export const STACKS: readonly string[] = APP_IDS.flatMap((app) => ENVS.map((env) => `${app}-${env}`));

/**
 * Environments whose state is each developer's own (a `-local` stack's Docker engine and file
 * backend live on one laptop): nobody else can refresh them, so the shared drift check leaves
 * them out unless one is named.
 */
export const PRIVATE_ENVS: readonly Env[] = ["local"];

/** The stacks `--all` checks, and CI's daily drift matrix: every app's shared environments. */
export const DRIFT_STACKS: readonly string[] = APP_IDS.flatMap((app) => ENVS.filter((env) => !PRIVATE_ENVS.includes(env)).map((env) => `${app}-${env}`));

/** The stacks a command line asks for; throws naming the valid stacks when one is not a stack of this project. */
export function selectStacks(opts: { readonly stack?: readonly string[]; readonly all?: boolean }): string[] {
    const asked = opts.stack ?? [];
    if (opts.all && asked.length > 0) throw new Error("give either --stack or --all, not both");
    if (opts.all) return [...DRIFT_STACKS];
    if (asked.length === 0) throw new Error(`name a stack with --stack <app>-<env>, or check the ${DRIFT_STACKS.length} shared stacks (${ENVS.filter((e) => !PRIVATE_ENVS.includes(e)).join(" and ")} of every app) with --all`);
    const unknown = asked.filter((s) => !STACKS.includes(s));
    if (unknown.length > 0) {
        throw new Error(`unknown stack ${unknown.map((s) => `"${s}"`).join(", ")}; stacks are <app>-<env> with app one of ${APP_IDS.join(", ")} and env one of ${ENVS.join(", ")}`);
    }
    return [...new Set(asked)];
}
