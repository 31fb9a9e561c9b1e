import { APP_IDS, ENVS } from "../../runbooks/schema";

/** Every stack of the project, `<app>-<env>`, as the files `stacks/Pulumi.<app>-<env>.yaml` name them. */
export const STACKS: readonly string[] = APP_IDS.flatMap((app) => ENVS.map((env) => `${app}-${env}`));

/** The stacks a command line asks for; throws naming the valid stacks when one is not a stack of this project. */
export function selectStacks(opts: { readonly stack?: readonly string[]; readonly all?: boolean }): string[] {
    const asked = opts.stack ?? [];
    if (opts.all && asked.length > 0) throw new Error("give either --stack or --all, not both");
    if (opts.all) return [...STACKS];
    if (asked.length === 0) throw new Error("name a stack with --stack <app>-<env>, or check every stack with --all");
    const unknown = asked.filter((s) => !STACKS.includes(s));
    if (unknown.length > 0) {
        throw new Error(`unknown stack ${unknown.map((s) => `"${s}"`).join(", ")}; stacks are <app>-<env> with app one of ${APP_IDS.join(", ")} and env one of ${ENVS.join(", ")}`);
    }
    return [...new Set(asked)];
}
