import * as pulumi from "@pulumi/pulumi";
import { GRAFANA_ADMIN_USER } from "../capabilities/dashboards";
import { Platform } from "../components/platform";
import { ConfigError, OPERATOR_SECRETS, OPTIONAL_OPERATOR_SECRETS, PAGED_ENVS, PROJECT, resolveStack, type OperatorSecret, type PlatformContext } from "./settings";

export interface BuildOptions {
    /**
     * Rewrites the resolved stack before anything is built. Only the policy pack's mutation tests
     * use it, to prove a looser program is caught; `pulumi up` never passes one.
     */
    readonly mutate?: (context: PlatformContext) => PlatformContext;
}

/** The program `pulumi up` runs: validate the selected stack's config, then build its platform. */
export function buildPlatform(options: BuildOptions = {}) {
    const stack = pulumi.getStack();
    const config = pulumi.runtime.allConfig();
    const resolved = resolveStack(stack, config, Object.keys(config).filter(isConfigSecret));
    const context = options.mutate ? options.mutate(resolved) : resolved;
    const platform = new Platform(`${context.app}`, { context, receivers: readReceivers(context) });
    return {
        app: context.app,
        env: context.env,
        target: context.target,
        endpoints: platform.target.endpoints,
        overrides: context.overrides,
        // `pulumi stack output grafana --show-secrets`: the login to the dashboards (every target runs Grafana).
        grafana: { user: GRAFANA_ADMIN_USER, password: pulumi.secret(platform.secrets.grafanaAdmin.result) },
    };
}

/**
 * Whether Pulumi holds a config key as a secret: the SDK's own test (`Config.get` warns with it),
 * reading the secret keys the engine passes in PULUMI_CONFIG_SECRET_KEYS, or that `setAllConfig`
 * was given under the mock engine. Internal to the SDK, so absent from its typings; a test
 * fails if it goes away.
 */
export function isConfigSecret(key: string): boolean {
    const fn = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    if (typeof fn !== "function") throw new Error("@pulumi/pulumi no longer exports runtime.isConfigSecret: the plaintext-credential check needs another way to read the secret keys");
    return fn(key);
}

/** The operator's delivery credentials: Pulumi secrets; pager and chat are required where alerts must reach a person. */
function readReceivers(context: PlatformContext): Partial<Record<OperatorSecret, pulumi.Output<string>>> {
    const config = new pulumi.Config(PROJECT);
    const receivers: Partial<Record<OperatorSecret, pulumi.Output<string>>> = {};
    const missing: string[] = [];
    for (const name of OPERATOR_SECRETS) {
        const value = config.getSecret(name);
        if (value) receivers[name] = value;
        else if (PAGED_ENVS.includes(context.env)) missing.push(`${PROJECT}:${name} = (missing): ${context.env} alerts must reach a person; set it with \`pulumi config set --secret ${PROJECT}:${name} <value> -s ${context.stack}\``);
    }
    if (missing.length) throw new ConfigError(context.stack, missing);
    for (const name of OPTIONAL_OPERATOR_SECRETS) {
        const value = config.getSecret(name);
        if (value) receivers[name] = value;
    }
    return receivers;
}
