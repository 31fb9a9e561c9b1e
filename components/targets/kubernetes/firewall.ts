import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DataService } from "../../../capabilities/kubernetes/names";
import { networkPolicies } from "../../../capabilities/kubernetes/security";
import type { Service } from "../../../runbooks";
import { childOptions, meta, type KubernetesScope } from "./scope";

export interface NetworkPoliciesArgs {
    /** Provider, names and namespace of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** The runbook's services (name and port): each gets its own ingress rule. */
    readonly services: readonly Pick<Service, "name" | "port">[];
    /** Some service has a public host: the ingress controller (and cert-manager's solver) may reach the services. Defaults to false. */
    readonly servesHosts?: boolean;
    /** The data services the stack runs; each gets its own ingress rule (and, where an operator's pods watch the API server, an egress rule to it). */
    readonly dataServices: readonly DataService[];
    /** TCP ports the app's services open to the internet: `internetPorts(runbook)` (capabilities/egress.ts), HTTPS and the external dependencies' ports. */
    readonly internetPorts: readonly number[];
    /** The namespace the ingress controller runs in: the stack's `kubernetes.ingressNamespace`; defaults to `DEFAULT_INGRESS_NAMESPACE`. */
    readonly ingressNamespace?: string;
}

/**
 * The app namespace's firewall, as NetworkPolicies (capabilities/kubernetes/security.ts decides
 * them): the Kubernetes counterpart of the AWS target's security groups (aws/firewall.ts). Ingress and
 * egress are both denied by default; the allowances are derived from what the platform wires.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
    public readonly policies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:NetworkPolicies", name, {}, opts);
        const { scope } = args;
        const { names } = scope;
        this.policies = networkPolicies(names, args.services, args.dataServices, args.servesHosts ?? false, args.internetPorts, args.ingressNamespace).map(
            (p) => new k8s.networking.v1.NetworkPolicy(`${name}-${p.part}`, { metadata: meta(scope, `${names.app}-${p.part}`, "network"), spec: p.spec }, childOptions(this, scope, { dependsOn: [scope.namespace] })),
        );
        this.registerOutputs({});
    }
}
