import * as pulumi from "@pulumi/pulumi";
import type { OperatorSecret, PlatformContext } from "../stacks/settings";
import { PlatformSecrets } from "./secrets";
import { AwsPlatform } from "./targets/aws";
import { DockerPlatform } from "./targets/docker";
import { KubernetesPlatform } from "./targets/kubernetes";

export interface PlatformArgs {
    /** The validated stack: app, env, target and the runbook with the stack's overrides. */
    readonly context: PlatformContext;
    /** Pager and chat credentials from the operator's Pulumi secrets; absent where not required. */
    readonly receivers: Partial<Record<OperatorSecret, pulumi.Output<string>>>;
}

/** What every target builds from: the resolved stack, the operator's receivers and the generated credentials. */
export interface TargetArgs extends PlatformArgs {
    readonly secrets: PlatformSecrets;
}

/** The whole platform of one app in one environment, on the stack's target. */
export class Platform extends pulumi.ComponentResource {
    public readonly secrets: PlatformSecrets;
    public readonly target: DockerPlatform | KubernetesPlatform | AwsPlatform;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:index:Platform", name, {}, opts);
        const { context } = args;
        this.secrets = new PlatformSecrets(`${name}-secrets`, { data: context.runbook.data, minio: context.target !== "aws", target: context.target }, { parent: this });
        const targetArgs: TargetArgs = { ...args, secrets: this.secrets };
        switch (context.target) {
            case "docker":
                this.target = new DockerPlatform(name, targetArgs, { parent: this });
                break;
            case "kubernetes":
                this.target = new KubernetesPlatform(name, targetArgs, { parent: this });
                break;
            case "aws":
                this.target = new AwsPlatform(name, targetArgs, { parent: this });
                break;
        }
        this.registerOutputs({ endpoints: this.target.endpoints });
    }
}
