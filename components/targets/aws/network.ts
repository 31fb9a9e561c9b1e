import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetLayout, VPC_CIDR } from "../../../capabilities/aws/network";
import { endpointPolicy, endpointServiceName, S3_GATEWAY_SERVICE } from "../../../capabilities/aws/vpc-endpoints";
import { child, logGroup, policyJson, rolePolicy, serviceRole, type AwsScope } from "./scope";

export interface AwsNetworkArgs extends AwsScope {
    /** Key that encrypts the flow-log group. */
    readonly logKeyArn: pulumi.Input<string>;
    /** The VPC range. Defaults to 10.0.0.0/16. */
    readonly cidrBlock?: string;
    /** How many availability zones the VPC spans: the runbook's `aws.availabilityZones`. */
    readonly zoneCount: number;
}

/**
 * The VPC across the runbook's availability zones: a public and a private subnet in each, an
 * internet gateway, one NAT gateway per zone (so losing a zone does not cut the others off), an
 * S3 gateway endpoint whose policy admits only this account's principals on this account's buckets
 * (capabilities/aws/vpc-endpoints.ts), and flow logs kept as long as the runbook keeps logs. The
 * interface endpoints of the other AWS APIs are AwsApiEndpoints (endpoints.ts).
 */
export class AwsNetwork extends pulumi.ComponentResource {
    public readonly vpc: aws.ec2.Vpc;
    public readonly publicSubnets: aws.ec2.Subnet[];
    public readonly privateSubnets: aws.ec2.Subnet[];
    public readonly natGateways: aws.ec2.NatGateway[];
    public readonly availabilityZones: pulumi.Output<string>[];
    public readonly flowLog: aws.ec2.FlowLog;
    /** S3's gateway endpoint; the security groups reach it through its prefix list. */
    public readonly s3Endpoint: aws.ec2.VpcEndpoint;

    constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Network", name, {}, opts);
        const cidr = args.cidrBlock ?? VPC_CIDR;
        const count = args.zoneCount;
        const layout = subnetLayout(cidr, count);

        const zones = aws.getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, { parent: this, provider: args.provider });
        this.availabilityZones = layout.public.map((_, i) =>
            zones.names.apply((names) => {
                if (names.length < count) throw new Error(`aws.availabilityZones = ${count}: region ${args.region} offers only ${names.length} zones`);
                return names[i];
            }),
        );

        this.vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: args.names.prefix } }, child(this, args));
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: { Name: args.names.prefix } }, child(this, args));

        const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: this.vpc.id, tags: { Name: `${args.names.prefix}-public` } }, child(this, args));
        new aws.ec2.Route(`${name}-public-default`, { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, child(this, args));

        this.publicSubnets = [];
        this.privateSubnets = [];
        this.natGateways = [];
        const privateRouteTables: aws.ec2.RouteTable[] = [];
        for (let i = 0; i < count; i++) {
            const az = this.availabilityZones[i];
            const pub = new aws.ec2.Subnet(
                `${name}-public-${i + 1}`,
                { vpcId: this.vpc.id, cidrBlock: layout.public[i], availabilityZone: az, mapPublicIpOnLaunch: false, tags: { Name: pulumi.interpolate`${args.names.prefix}-public-${az}`, tier: "public" } },
                child(this, args),
            );
            new aws.ec2.RouteTableAssociation(`${name}-public-${i + 1}`, { subnetId: pub.id, routeTableId: publicRoutes.id }, child(this, args));
            const eip = new aws.ec2.Eip(`${name}-nat-${i + 1}`, { domain: "vpc", tags: { Name: pulumi.interpolate`${args.names.prefix}-nat-${az}` } }, child(this, args));
            const nat = new aws.ec2.NatGateway(`${name}-nat-${i + 1}`, { allocationId: eip.id, subnetId: pub.id, tags: { Name: pulumi.interpolate`${args.names.prefix}-${az}` } }, child(this, args, { dependsOn: [igw] }));

            const priv = new aws.ec2.Subnet(
                `${name}-private-${i + 1}`,
                { vpcId: this.vpc.id, cidrBlock: layout.private[i], availabilityZone: az, tags: { Name: pulumi.interpolate`${args.names.prefix}-private-${az}`, tier: "private" } },
                child(this, args),
            );
            const routes = new aws.ec2.RouteTable(`${name}-private-${i + 1}`, { vpcId: this.vpc.id, tags: { Name: pulumi.interpolate`${args.names.prefix}-private-${az}` } }, child(this, args));
            new aws.ec2.Route(`${name}-private-${i + 1}-default`, { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id }, child(this, args));
            new aws.ec2.RouteTableAssociation(`${name}-private-${i + 1}`, { subnetId: priv.id, routeTableId: routes.id }, child(this, args));
            this.publicSubnets.push(pub);
            this.privateSubnets.push(priv);
            this.natGateways.push(nat);
            privateRouteTables.push(routes);
        }

        // S3 traffic (backups, app files) stays off the NAT gateways. Nothing the tasks reach in S3 belongs to another
        // account: images come from Docker Hub, not ECR (whose layers are in AWS-owned buckets), and no external
        // dependency is an S3 URL (test/security/vpc-endpoints.test.ts).
        this.s3Endpoint = new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            {
                vpcId: this.vpc.id,
                serviceName: endpointServiceName(args.region, S3_GATEWAY_SERVICE),
                vpcEndpointType: "Gateway",
                routeTableIds: privateRouteTables.map((t) => t.id),
                policy: args.accountId.apply((account) => endpointPolicy(account, S3_GATEWAY_SERVICE)),
            },
            child(this, args),
        );

        const flowLogs = logGroup(this, args, `${name}-flow-logs`, args.names.logGroup("vpc-flow-logs"), args.logKeyArn);
        const flowRole = serviceRole(this, args, `${name}-flow-logs`, "vpc-flow-logs.amazonaws.com", [], "VPC flow logs delivery to CloudWatch Logs");
        rolePolicy(
            this,
            args,
            `${name}-flow-logs`,
            flowRole,
            policyJson([
                { Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [flowLogs.arn, pulumi.interpolate`${flowLogs.arn}:*`] },
                // DescribeLogGroups has no resource type (capabilities/aws/iam-wildcard.ts): named on the group's ARN it granted nothing.
                { Action: ["logs:DescribeLogGroups"], Resource: "*" },
            ]),
        );
        this.flowLog = new aws.ec2.FlowLog(
            `${name}-flow-log`,
            { vpcId: this.vpc.id, trafficType: "ALL", logDestinationType: "cloud-watch-logs", logDestination: flowLogs.arn, iamRoleArn: flowRole.arn, maxAggregationInterval: 60 },
            child(this, args),
        );
        this.registerOutputs({ vpcId: this.vpc.id });
    }
}
