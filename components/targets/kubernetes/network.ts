import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DataService } from "../../../capabilities/kubernetes/names";
import { networkPolicies } from "../../../capabilities/kubernetes/security";
import { childOptions, meta, type KubernetesScope } from "./scope";

export interface NetworkPoliciesArgs {
    readonly scope: KubernetesScope;
    /** The data services the stack runs; each gets its own ingress rule. */
    readonly dataServices: readonly DataService[];
}

/** The app namespace's NetworkPolicies (capabilities/kubernetes/security.ts decides them). */
export class NetworkPolicies extends pulumi.ComponentResource {
    public readonly policies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:NetworkPolicies", name, {}, opts);
        const { scope } = args;
        const { names: n, context } = scope;
        this.policies = networkPolicies(n, context.runbook.services, args.dataServices, Object.keys(context.hosts).length > 0).map(
            (p) => new k8s.networking.v1.NetworkPolicy(`${name}-${p.part}`, { metadata: meta(scope, `${n.app}-${p.part}`, "network"), spec: p.spec }, childOptions(this, scope, { dependsOn: [scope.namespace] })),
        );
        this.registerOutputs({});
    }
}
