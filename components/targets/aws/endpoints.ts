import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { apiEndpointsFor, endpointPolicy, endpointServiceName } from "../../../capabilities/aws/vpc-endpoints";
import { child, type AwsScope } from "./scope";

export interface AwsApiEndpointsArgs extends AwsScope {
    /** The VPC (AwsNetwork). */
    readonly vpcId: pulumi.Input<string>;
    /** The private subnets, one per zone: each endpoint has an interface in every one. */
    readonly privateSubnetIds: pulumi.Input<string>[];
    /** The endpoints' security group (AwsFirewall.endpoints): HTTPS from the platform's groups only. */
    readonly securityGroupId: pulumi.Input<string>;
    /** Whether a service of the stack has ECS Exec on (Grafana where it is not published): it then needs ssmmessages. */
    readonly execute: boolean;
}

/**
 * The interface VPC endpoints of the AWS APIs the tasks call (capabilities/aws/vpc-endpoints.ts
 * says which and why), in the private subnets with private DNS, so the SDKs and the Fargate agent
 * reach them by the APIs' usual names without a route through the NAT gateways. Each endpoint's
 * policy admits only this account's principals on this account's resources.
 */
export class AwsApiEndpoints extends pulumi.ComponentResource {
    /** Endpoint service (`logs`, `secretsmanager`, …) → its endpoint. */
    public readonly endpoints: Readonly<Record<string, aws.ec2.VpcEndpoint>>;

    constructor(name: string, args: AwsApiEndpointsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:ApiEndpoints", name, {}, opts);
        const made: Record<string, aws.ec2.VpcEndpoint> = {};
        for (const endpoint of apiEndpointsFor({ execute: args.execute })) {
            made[endpoint.service] = new aws.ec2.VpcEndpoint(
                `${name}-${endpoint.service}`,
                {
                    vpcId: args.vpcId,
                    serviceName: endpointServiceName(args.region, endpoint.service),
                    vpcEndpointType: "Interface",
                    privateDnsEnabled: true,
                    subnetIds: args.privateSubnetIds,
                    securityGroupIds: [args.securityGroupId],
                    policy: args.accountId.apply((account) => endpointPolicy(account, endpoint.iamPrefix)),
                    tags: { Name: `${args.names.prefix}-${endpoint.service}` },
                },
                child(this, args),
            );
        }
        this.endpoints = made;
        this.registerOutputs({});
    }
}
