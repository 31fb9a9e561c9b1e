import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GRAFANA_PORT } from "../../../capabilities/dashboards";
import { MSK_CLIENT_PORT, MSK_JMX_EXPORTER_PORT, MSK_NODE_EXPORTER_PORT } from "../../../capabilities/aws/msk";
import { HTTPS_PORT, internetPorts } from "../../../capabilities/egress";
import { RABBITMQ_PORTS } from "../../../capabilities/rabbitmq";
import { AMAZON_MQ_MANAGEMENT_PORT } from "../../../capabilities/aws/rabbitmq";
import { servicePortGroups } from "../../../capabilities/aws/network";
import type { Runbook } from "../../../runbooks";
import { child, type AwsScope } from "./scope";

export interface AwsFirewallArgs extends AwsScope {
    /** The VPC (AwsNetwork). */
    readonly vpcId: pulumi.Input<string>;
    /** The runbook services' ports (`services[].port`), each opened to the load balancer and the collector once. */
    readonly servicePorts: readonly number[];
    /** The runbook's `externalDependencies`: the ports their URLs name are opened to the internet (`internetPorts`). */
    readonly externalDependencies: Runbook["externalDependencies"];
    /** The runbook's `data`: each data service it has gets its security group. */
    readonly data: Runbook["data"];
    /** The S3 gateway endpoint's prefix list (AwsNetwork.s3Endpoint): S3 is reached through it, not through the internet rule. */
    readonly s3PrefixListId: pulumi.Input<string>;
}

/** Data-service ports: the engines' defaults. */
export const DATA_PORTS = { postgres: 5432, redis: 6379, mongodb: 27017 } as const;

/**
 * Security groups. Only the app's tasks (and the metrics collector, which runs the data
 * exporters) reach a data service, on its port only; only the load balancer reaches the tasks'
 * service ports and Grafana's port from outside; data services have no outbound rules at all.
 *
 * Egress is closed too: every rule that lets a group of ours in has its mirror on the group that
 * connects (tasks and collector to the data services, collector to the tasks), so one call wires
 * both sides. The AWS APIs the workloads call go to the interface endpoints (endpoints.ts) in the
 * endpoints' group, which admits HTTPS from the tasks, the collector and Grafana only, and S3 goes
 * to its gateway endpoint's prefix list: neither needs the internet rule.
 *
 * To the internet the tasks, the collector and Grafana still open TCP ports, a written exception
 * (docs/security.md, *AWS APIs through VPC endpoints*; test/security/vpc-endpoints.test.ts):
 * HTTPS for Fargate's image pulls from Docker Hub, the runbook's external APIs and the probes of
 * them, and any other port an external dependency's URL names (capabilities/egress.ts). Those are
 * public hosts without fixed addresses, so a narrower CIDR would not hold them; an ECR
 * pull-through cache (images through the ECR endpoints) and an egress proxy or Network Firewall
 * domain allowlist would close it. Security groups do not filter the Amazon DNS resolver nor the
 * ECS task metadata endpoint, so neither needs a rule.
 *
 * A security group holds 60 inbound rules (capabilities/quotas.ts) and each service port takes two
 * (from the load balancer, from the collector), so the tasks' group opens the first 30 ports and
 * each further 30 get a port group of their own (`servicePortGroups`), which the services on those
 * ports wear beside the tasks' group; the collector reaches each port group by one rule over its
 * port range, the group's own rules opening only its ports.
 */
export class AwsFirewall extends pulumi.ComponentResource {
    public readonly loadBalancer: aws.ec2.SecurityGroup;
    public readonly tasks: aws.ec2.SecurityGroup;
    public readonly collector: aws.ec2.SecurityGroup;
    /** The Grafana task: its port from the load balancer only. */
    public readonly grafana: aws.ec2.SecurityGroup;
    /** Service port → the extra security group its tasks wear (ports past the tasks' group's first 30). */
    public readonly servicePortGroups: Readonly<Record<number, aws.ec2.SecurityGroup>>;
    public readonly postgres?: aws.ec2.SecurityGroup;
    public readonly redis?: aws.ec2.SecurityGroup;
    public readonly kafka?: aws.ec2.SecurityGroup;
    public readonly mongodb?: aws.ec2.SecurityGroup;
    public readonly rabbitmq?: aws.ec2.SecurityGroup;
    /** The interface endpoints of the AWS APIs: HTTPS from the tasks, the collector and Grafana only. */
    public readonly endpoints: aws.ec2.SecurityGroup;

    constructor(name: string, args: AwsFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Firewall", name, {}, opts);
        const group = (part: string, description: string) =>
            new aws.ec2.SecurityGroup(`${name}-${part}`, { vpcId: args.vpcId, description, tags: { Name: `${args.names.prefix}-${part}` } }, child(this, args));
        const ingress = (part: string, sg: aws.ec2.SecurityGroup, from: aws.ec2.SecurityGroup | string, port: number, description: string) =>
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-${part}`,
                {
                    securityGroupId: sg.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    description,
                    ...(typeof from === "string" ? { cidrIpv4: from } : { referencedSecurityGroupId: from.id }),
                },
                child(this, args),
            );
        // `from` may open connections to `to` on the port: the ingress rule on `to` and its mirror on `from`.
        const connect = (part: string, to: aws.ec2.SecurityGroup, toPart: string, from: aws.ec2.SecurityGroup, fromPart: string, port: number, description: string) => {
            ingress(part, to, from, port, description);
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-${fromPart}-to-${toPart}-${port}`,
                { securityGroupId: from.id, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: to.id, description: `To ${toPart} (mirror of: ${description})` },
                child(this, args),
            );
        };
        const internet = (part: string, sg: aws.ec2.SecurityGroup, ports: readonly number[], description: string) => {
            for (const port of ports) {
                new aws.vpc.SecurityGroupEgressRule(
                    `${name}-${part}-internet-${port}`,
                    { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0", description: port === HTTPS_PORT ? description : `${description} (port ${port} from an external dependency URL)` },
                    child(this, args),
                );
            }
        };

        this.loadBalancer = group("alb", "Public HTTPS load balancer");
        this.tasks = group("tasks", "App service tasks");
        this.collector = group("collector", "Metrics collector and data exporters");
        this.grafana = group("grafana", "Grafana");
        ingress("alb-https", this.loadBalancer, "0.0.0.0/0", 443, "HTTPS from anywhere");
        ingress("alb-http", this.loadBalancer, "0.0.0.0/0", 80, "HTTP from anywhere, redirected to HTTPS");
        const servicePorts = [...new Set(args.servicePorts)];
        const [tasksPorts, ...more] = servicePortGroups(servicePorts);
        for (const port of tasksPorts) {
            ingress(`tasks-from-alb-${port}`, this.tasks, this.loadBalancer, port, "Service port from the load balancer");
            connect(`tasks-from-collector-${port}`, this.tasks, "tasks", this.collector, "collector", port, "Metrics and health probes from the collector");
        }
        const portGroups: Record<number, aws.ec2.SecurityGroup> = {};
        more.forEach((ports, i) => {
            const part = `tasks-ports-${i + 2}`;
            const sg = group(part, `App service tasks on ports ${ports.join(", ")}`);
            for (const port of ports) {
                ingress(`${part}-from-alb-${port}`, sg, this.loadBalancer, port, "Service port from the load balancer");
                ingress(`${part}-from-collector-${port}`, sg, this.collector, port, "Metrics and health probes from the collector");
                portGroups[port] = sg;
            }
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-collector-to-${part}`,
                { securityGroupId: this.collector.id, ipProtocol: "tcp", fromPort: Math.min(...ports), toPort: Math.max(...ports), referencedSecurityGroupId: sg.id, description: `To ${part} (its inbound rules open only its service ports)` },
                child(this, args),
            );
        });
        this.servicePortGroups = portGroups;
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-alb-to-tasks`,
            { securityGroupId: this.loadBalancer.id, ipProtocol: "tcp", fromPort: Math.min(...servicePorts), toPort: Math.max(...servicePorts), referencedSecurityGroupId: this.tasks.id, description: "To the service ports" },
            child(this, args),
        );
        ingress(`grafana-from-alb-${GRAFANA_PORT}`, this.grafana, this.loadBalancer, GRAFANA_PORT, "Grafana from the load balancer");
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-alb-to-grafana`,
            { securityGroupId: this.loadBalancer.id, ipProtocol: "tcp", fromPort: GRAFANA_PORT, toPort: GRAFANA_PORT, referencedSecurityGroupId: this.grafana.id, description: "To Grafana" },
            child(this, args),
        );
        this.endpoints = group("endpoints", "Interface endpoints of the AWS APIs");
        const callers: [string, aws.ec2.SecurityGroup][] = [["tasks", this.tasks], ["collector", this.collector], ["grafana", this.grafana]];
        for (const [part, sg] of callers) {
            connect(`endpoints-from-${part}-${HTTPS_PORT}`, this.endpoints, "endpoints", sg, part, HTTPS_PORT, `AWS APIs through the interface endpoints from ${part}`);
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-${part}-to-s3-${HTTPS_PORT}`,
                { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: HTTPS_PORT, toPort: HTTPS_PORT, prefixListId: args.s3PrefixListId, description: "S3 through the gateway endpoint" },
                child(this, args),
            );
        }
        const outbound = internetPorts(args);
        internet("tasks", this.tasks, outbound, "Image pulls (Docker Hub), the runbook external APIs");
        internet("grafana", this.grafana, [HTTPS_PORT], "Image pull (Docker Hub), AWS APIs without an endpoint (resource tagging)");
        internet("collector", this.collector, outbound, "Image pulls (Docker Hub), probes of public hosts and external dependencies");

        const dataGroup = (service: "postgres" | "redis" | "mongodb" | "kafka" | "rabbitmq", ports: number[], description: string) => {
            const sg = group(service, description);
            for (const port of ports) {
                connect(`${service}-from-tasks-${port}`, sg, service, this.tasks, "tasks", port, `${service} from the app tasks`);
                connect(`${service}-from-collector-${port}`, sg, service, this.collector, "collector", port, `${service} from the metrics exporters`);
            }
            return sg;
        };
        if (args.data.postgres) this.postgres = dataGroup("postgres", [DATA_PORTS.postgres], "RDS PostgreSQL");
        if (args.data.redis) this.redis = dataGroup("redis", [DATA_PORTS.redis], "ElastiCache Redis");
        if (args.data.mongodb) this.mongodb = dataGroup("mongodb", [DATA_PORTS.mongodb], "DocumentDB");
        if (args.data.rabbitmq) {
            this.rabbitmq = dataGroup("rabbitmq", [RABBITMQ_PORTS.amqps], "Amazon MQ for RabbitMQ (AMQPS)");
            // The topology task (run in the tasks group) creates the vhost through the management API.
            connect(`rabbitmq-management-from-tasks`, this.rabbitmq, "rabbitmq", this.tasks, "tasks", AMAZON_MQ_MANAGEMENT_PORT, "RabbitMQ management API (HTTPS) from the topology task");
        }
        if (args.data.kafka) {
            // SASL/SCRAM over TLS, the only client listener; the description stays (changing it replaces the group).
            this.kafka = dataGroup("kafka", [MSK_CLIENT_PORT], "MSK brokers (TLS)");
            for (const port of [MSK_JMX_EXPORTER_PORT, MSK_NODE_EXPORTER_PORT]) {
                connect(`kafka-exporters-${port}`, this.kafka, "kafka", this.collector, "collector", port, "MSK open monitoring, scraped by the collector");
            }
        }
        this.registerOutputs({});
    }
}
