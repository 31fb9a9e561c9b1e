import * as pulumi from "@pulumi/pulumi";
import type { TargetArgs } from "../../platform";

/** The app's platform on the docker target. */
export class DockerPlatform extends pulumi.ComponentResource {
    /** Public URL per service. */
    public readonly endpoints: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: TargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Platform", name, {}, opts);
        const { context } = args;
        this.endpoints = pulumi.output(Object.fromEntries(Object.entries(context.hosts).map(([svc, host]) => [svc, `https://${host}`])));
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
