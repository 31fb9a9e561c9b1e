import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { TargetGroupColor } from "../../../capabilities/aws/alarms";
import { cognitoDomainPrefix, GRAFANA_SERVICE, GRAFANA_SIGN_IN } from "../../../capabilities/aws/grafana";
import { GRAFANA_RULE_PRIORITY, serviceRulePriority } from "../../../capabilities/aws/listener-rules";
import { loadBalancerLimits, shardLoadBalancers, type LoadBalancerShard } from "../../../capabilities/aws/load-balancer-shards";
import type { QuotaId } from "../../../capabilities/quotas";
import { GRAFANA_HEALTH_PATH, GRAFANA_PORT } from "../../../capabilities/dashboards";
import { HTTPS_PORT } from "../../../capabilities/egress";
import { child, logGroup, type AwsScope } from "./scope";
import { TARGET_HEALTH, targetHealthPath } from "../../../capabilities/aws/target-health";
import type { Runbook, Service } from "../../../runbooks";

export interface AwsIngressArgs extends AwsScope {
    /** The VPC (AwsNetwork). */
    readonly vpcId: pulumi.Input<string>;
    /** Public subnets, one per AZ, for the load balancer. */
    readonly publicSubnetIds: pulumi.Input<string>[];
    /** The security group of these resources (see AwsFirewall). */
    readonly securityGroupId: pulumi.Input<string>;
    /** Key that encrypts the log groups this component creates. */
    readonly logKeyArn: pulumi.Input<string>;
    /** Public host per service (the stack's `hosts`); only these services are behind the load balancer. */
    readonly hosts: Readonly<Record<string, string>>;
    /** Route 53 zone for certificate validation and aliases (the stack's `aws.hostedZoneId`). Defaults to none: validate the certificate by hand. */
    readonly hostedZoneId?: string;
    /** Grafana's public host: its own target group and listener rule, a name on the certificate. */
    readonly grafanaHost?: string;
    /** The quotas' limits for this stack (`quotaLimits`: the defaults, or the raised ones it declares), which the load balancers and certificates are laid out within. */
    readonly quotaLimits?: Readonly<Partial<Record<QuotaId, number>>>;
    /** Source networks allowed to reach Grafana's host (the stack's `aws.grafanaAllowedCidrs`); defaults to any, behind the Cognito sign-in. */
    readonly grafanaAllowedCidrs?: readonly string[];
    /** The runbook's services, in runbook order; those with a host in `hosts` are routed (port, health path). */
    readonly services: readonly Service[];
    /** The runbook's `aws.blueGreen`: `false`, or blue and green target groups per service with the bake time. */
    readonly blueGreen: Runbook["aws"]["blueGreen"];
    /** The runbook's `aws.waf`: whether a web ACL guards every host. */
    readonly waf: boolean;
}

/** The TLS policy of the HTTPS listener: TLS 1.3 with 1.2 for older clients. */
export const SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/** AWS managed rule groups the web ACL runs, in priority order. */
export const WAF_MANAGED_GROUPS = ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"] as const;
export { TARGET_HEALTH } from "../../../capabilities/aws/target-health";
/** Seconds a draining target keeps its in-flight requests. */
export const DEREGISTRATION_DELAY_SECONDS = 30;
export { GRAFANA_RULE_PRIORITY } from "../../../capabilities/aws/listener-rules";
/** Grafana's edge probe rule (with an allowlist): just before Grafana's; no service rule takes it (services step over Grafana's block of 1000). */
export const GRAFANA_PROBE_RULE_PRIORITY = GRAFANA_RULE_PRIORITY - 1;

export interface ServiceRouting {
    /** The target group ECS registers tasks in (blue, for a blue/green pair). */
    readonly primary: aws.lb.TargetGroup;
    /** The other colour of a blue/green pair. */
    readonly alternate?: aws.lb.TargetGroup;
    /** The listener rule that routes the service's host. */
    readonly productionRule: aws.lb.ListenerRule;
    /** Blue/green: the rule for `green.<host>`, which reaches the new colour before the switch. */
    readonly testRule?: aws.lb.ListenerRule;
}

/** Grafana behind the load balancer: one target group (no blue/green: the platform's own tool, not a runbook service) and its host's rule. */
export interface GrafanaRouting {
    readonly host: string;
    readonly targetGroup: aws.lb.TargetGroup;
    readonly rule: aws.lb.ListenerRule;
    /** The Cognito user pool the rule signs users in against (capabilities/aws/grafana.ts, GRAFANA_SIGN_IN). */
    readonly userPool: aws.cognito.UserPool;
}

/**
 * The public entry: an internet-facing ALB over the public subnets with access logs, HTTP
 * redirected to HTTPS, an ACM certificate for the services' hosts (validated through Route 53
 * when a zone is set), one target group per service health-checked on its runbook health path,
 * Grafana on its own host where it is published, and a WAFv2 web ACL with AWS's managed rule
 * groups when the runbook asks for a WAF (it guards every host, Grafana's too).
 *
 * Within the quotas (capabilities/aws/load-balancer-shards.ts): when one load balancer would hold
 * more listener rules or target groups than its quota, services go to further load balancers
 * (`<name>-lb2`, …) in runbook order, each with its own listeners, and each host's DNS alias
 * points at its service's one; each load balancer's hosts are split into certificates of at most
 * the ACM quota's names, the first the listener's default and the others listener certificates.
 * An app within the quotas has one load balancer and one certificate, named as they always were.
 *
 * Blue/green (`runbook.aws.blueGreen`): each service gets a blue and a green target group and a
 * listener rule that forwards by weight. ECS's blue/green deployment moves the weights to the new
 * colour and back on rollback, so Pulumi creates the rule's action and then ignores changes to it
 * (`ignoreChanges: ["actions"]`): re-applying the declared weights after a deployment would send
 * all traffic to the colour ECS has just drained. A manual switch (the runbook's
 * `aws elbv2 modify-...`) is kept the same way.
 */
export class AwsIngress extends pulumi.ComponentResource {
    /** The first load balancer (the only one of an app within one load balancer's quotas). */
    public readonly loadBalancer: aws.lb.LoadBalancer;
    /** The first load balancer's default certificate. */
    public readonly certificate: aws.acm.Certificate;
    public readonly httpsListener: aws.lb.Listener;
    /** How services and certificates are spread over load balancers (capabilities/aws/load-balancer-shards.ts). */
    public readonly shards: readonly LoadBalancerShard[];
    /** Every load balancer, first to last, and their HTTPS listeners. */
    public readonly loadBalancers: aws.lb.LoadBalancer[] = [];
    public readonly httpsListeners: aws.lb.Listener[] = [];
    /** Every certificate, each load balancer's in turn (its listener's default first). */
    public readonly certificates: aws.acm.Certificate[] = [];
    /** The load balancer that routes each public service. */
    public readonly loadBalancerOf: Record<string, aws.lb.LoadBalancer> = {};
    public readonly routing: Record<string, ServiceRouting>;
    public readonly grafana?: GrafanaRouting;
    /** Every target group on the load balancer: the services' and Grafana's. */
    public readonly targetGroups: aws.lb.TargetGroup[] = [];
    public readonly webAcl?: aws.wafv2.WebAcl;
    public readonly accessLogs: aws.s3.Bucket;

    constructor(name: string, args: AwsIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Ingress", name, {}, opts);
        const hosts = args.hosts;
        const zoneId = args.hostedZoneId;
        const services = args.services.filter((s) => hosts[s.name]);
        if (services.length === 0 && !args.grafanaHost) {
            throw new Error(`${args.app}: AwsIngress needs at least one service with a host (runbook services[].host or runbook-platform:hosts) or runbook-platform:aws.grafanaHost`);
        }
        const blueGreen = args.blueGreen;

        // Access logs are records of who reached the app: kept for the runbook's log retention, protected like other state.
        this.accessLogs = new aws.s3.Bucket(`${name}-access-logs`, { forceDestroy: !args.protect }, child(this, args, { protect: args.protect }));
        new aws.s3.BucketOwnershipControls(`${name}-access-logs-ownership`, { bucket: this.accessLogs.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child(this, args));
        new aws.s3.BucketPublicAccessBlock(
            `${name}-access-logs-public-access`,
            { bucket: this.accessLogs.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child(this, args),
        );
        if (args.serverAccessLogs) {
            new aws.s3.BucketLogging(`${name}-access-logs-access-logging`, { bucket: this.accessLogs.id, targetBucket: args.serverAccessLogs, targetPrefix: `${name}-access-logs/` }, child(this, args));
        }
        // ALB access logs only support SSE-S3.
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-access-logs-encryption`, { bucket: this.accessLogs.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, child(this, args));
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-access-logs-lifecycle`,
            { bucket: this.accessLogs.id, rules: [{ id: "log-retention", status: "Enabled", filter: {}, expiration: { days: args.logRetentionDays } }] },
            child(this, args),
        );
        const elbAccount = aws.elb.getServiceAccountOutput({}, { parent: this, provider: args.provider });
        const logsPolicy = new aws.s3.BucketPolicy(
            `${name}-access-logs-policy`,
            {
                bucket: this.accessLogs.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Sid: "ElbAccount", Effect: "Allow", Principal: { AWS: elbAccount.arn }, Action: "s3:PutObject", Resource: pulumi.interpolate`${this.accessLogs.arn}/*` },
                        { Sid: "LogDelivery", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: pulumi.interpolate`${this.accessLogs.arn}/*` },
                        {
                            Sid: "DenyPlainHttp",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: [this.accessLogs.arn, pulumi.interpolate`${this.accessLogs.arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            },
            child(this, args),
        );

        const testHost = (host: string) => `green.${host}`;
        const routed = services.map((s) => ({ name: s.name, hosts: blueGreen ? [hosts[s.name], testHost(hosts[s.name])] : [hosts[s.name]], targetGroups: blueGreen ? 2 : 1 }));
        this.shards = shardLoadBalancers(routed, args.grafanaHost, loadBalancerLimits(args.quotaLimits));
        const byName = new Map(services.map((s) => [s.name, s]));

        this.routing = {};
        const targetGroup = (logicalName: string, groupName: string, port: number, healthPath: string) => {
            const group = new aws.lb.TargetGroup(
                logicalName,
                {
                    name: groupName,
                    targetType: "ip",
                    protocol: "HTTP",
                    port,
                    vpcId: args.vpcId,
                    deregistrationDelay: DEREGISTRATION_DELAY_SECONDS,
                    healthCheck: {
                        enabled: true,
                        path: healthPath,
                        protocol: "HTTP",
                        port: "traffic-port",
                        matcher: TARGET_HEALTH.matcher,
                        interval: TARGET_HEALTH.interval,
                        timeout: TARGET_HEALTH.timeout,
                        healthyThreshold: TARGET_HEALTH.healthyThreshold,
                        unhealthyThreshold: TARGET_HEALTH.unhealthyThreshold,
                    },
                },
                child(this, args),
            );
            this.targetGroups.push(group);
            return group;
        };

        for (const shard of this.shards) {
            // The first load balancer keeps the names it has always had; each further one is `<name>-lb<k>`.
            const base = shard.index === 0 ? name : `${name}-lb${shard.index + 1}`;
            const loadBalancer = new aws.lb.LoadBalancer(
                `${base}-alb`,
                {
                    name: args.names.loadBalancerShard(shard.index),
                    loadBalancerType: "application",
                    internal: false,
                    securityGroups: [args.securityGroupId],
                    subnets: args.publicSubnetIds,
                    dropInvalidHeaderFields: true,
                    enableDeletionProtection: args.protect,
                    accessLogs: { bucket: this.accessLogs.bucket, enabled: true, ...(shard.index === 0 ? {} : { prefix: `lb${shard.index + 1}` }) },
                },
                child(this, args, { dependsOn: [logsPolicy] }),
            );
            this.loadBalancers.push(loadBalancer);

            // One certificate per group of at most the ACM quota's names, each validated through the zone when there is one.
            const validations = shard.certificates.map((domains, c) => {
                const certName = c === 0 ? `${base}-certificate` : `${base}-certificate-${c + 1}`;
                const certificate = new aws.acm.Certificate(certName, { domainName: domains[0], subjectAlternativeNames: domains.slice(1), validationMethod: "DNS", keyAlgorithm: "RSA_2048" }, child(this, args));
                this.certificates.push(certificate);
                const recordName = (i: number) => (c === 0 ? `${base}-validation-${i + 1}` : `${certName}-validation-${i + 1}`);
                const validationRecords = zoneId
                    ? domains.map((domain, i) => {
                          const option = certificate.domainValidationOptions.apply((opts) => {
                              const o = opts.find((x) => x.domainName === domain);
                              if (!o) throw new Error(`ACM returned no validation record for ${domain}`);
                              return o;
                          });
                          return new aws.route53.Record(
                              recordName(i),
                              { zoneId, name: option.resourceRecordName, type: option.resourceRecordType, records: [option.resourceRecordValue], ttl: 60, allowOverwrite: true },
                              child(this, args),
                          );
                      })
                    : [];
                // Without a zone, this waits (up to its timeout) for the CNAMEs ACM shows to be added by hand.
                return new aws.acm.CertificateValidation(
                    `${certName}-validation`,
                    { certificateArn: certificate.arn, ...(zoneId ? { validationRecordFqdns: validationRecords.map((r) => r.fqdn) } : {}) },
                    child(this, args),
                );
            });

            new aws.lb.Listener(
                `${base}-http`,
                { loadBalancerArn: loadBalancer.arn, port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] },
                child(this, args),
            );
            const httpsListener = new aws.lb.Listener(
                `${base}-https`,
                {
                    loadBalancerArn: loadBalancer.arn,
                    port: 443,
                    protocol: "HTTPS",
                    sslPolicy: SSL_POLICY,
                    certificateArn: validations[0].certificateArn,
                    defaultActions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } }],
                },
                child(this, args),
            );
            this.httpsListeners.push(httpsListener);
            // The other certificates of this load balancer's hosts: the listener picks one by SNI.
            validations.slice(1).forEach((validation, c) => {
                new aws.lb.ListenerCertificate(`${base}-certificate-${c + 2}-listener`, { listenerArn: httpsListener.arn, certificateArn: validation.certificateArn }, child(this, args));
            });

            shard.services.forEach((serviceName, index) => {
                const svc = byName.get(serviceName)!;
                this.loadBalancerOf[svc.name] = loadBalancer;
                const serviceGroup = (color?: TargetGroupColor) => targetGroup(`${name}-${svc.name}${color ? `-${color}` : ""}`, args.names.targetGroup(svc.name, color), svc.port, targetHealthPath(svc));
                // Priorities are unique per listener: each load balancer's services count from its first.
                const priority = serviceRulePriority(index);
                if (!blueGreen) {
                    const primary = serviceGroup();
                    const productionRule = new aws.lb.ListenerRule(
                        `${name}-${svc.name}`,
                        { listenerArn: httpsListener.arn, priority, conditions: [{ hostHeader: { values: [hosts[svc.name]] } }], actions: [{ type: "forward", targetGroupArn: primary.arn }] },
                        child(this, args),
                    );
                    this.routing[svc.name] = { primary, productionRule };
                    return;
                }
                const blue = serviceGroup("blue");
                const green = serviceGroup("green");
                const weighted = (live: aws.lb.TargetGroup, idle: aws.lb.TargetGroup) => [
                    {
                        type: "forward",
                        forward: {
                            targetGroups: [
                                { arn: live.arn, weight: 100 },
                                { arn: idle.arn, weight: 0 },
                            ],
                        },
                    },
                ];
                const productionRule = new aws.lb.ListenerRule(
                    `${name}-${svc.name}`,
                    { listenerArn: httpsListener.arn, priority, conditions: [{ hostHeader: { values: [hosts[svc.name]] } }], actions: weighted(blue, green) },
                    child(this, args, { ignoreChanges: ["actions"] }),
                );
                const testRule = new aws.lb.ListenerRule(
                    `${name}-${svc.name}-test`,
                    { listenerArn: httpsListener.arn, priority: priority + 1, conditions: [{ hostHeader: { values: [testHost(hosts[svc.name])] } }], actions: weighted(green, blue) },
                    child(this, args, { ignoreChanges: ["actions"] }),
                );
                this.routing[svc.name] = { primary: blue, alternate: green, productionRule, testRule };
            });
            if (shard.grafana && args.grafanaHost) {
                const group = targetGroup(`${name}-${GRAFANA_SERVICE}`, args.names.targetGroup(GRAFANA_SERVICE), GRAFANA_PORT, GRAFANA_HEALTH_PATH);
                const signIn = this.grafanaSignIn(name, args, args.grafanaHost);
                const cidrs = args.grafanaAllowedCidrs ?? [];
                const rule = new aws.lb.ListenerRule(
                    `${name}-${GRAFANA_SERVICE}`,
                    {
                        listenerArn: httpsListener.arn,
                        priority: GRAFANA_RULE_PRIORITY,
                        conditions: [{ hostHeader: { values: [args.grafanaHost] } }, ...(cidrs.length ? [{ sourceIp: { values: [...cidrs] } }] : [])],
                        actions: [
                            {
                                type: "authenticate-cognito",
                                order: 1,
                                authenticateCognito: {
                                    userPoolArn: signIn.pool.arn,
                                    userPoolClientId: signIn.client.id,
                                    userPoolDomain: signIn.domain.domain,
                                    onUnauthenticatedRequest: "authenticate",
                                    scope: GRAFANA_SIGN_IN.scopes.join(" "),
                                    sessionTimeout: GRAFANA_SIGN_IN.sessionTimeoutSeconds,
                                },
                            },
                            { type: "forward", order: 2, targetGroupArn: group.arn },
                        ],
                    },
                    child(this, args),
                );
                if (cidrs.length) {
                    // Route 53's checkers come from addresses outside the allowlist: Grafana's health path on its host is answered at the
                    // load balancer, so the external probe still proves DNS, the certificate and the load balancer (behind the sign-in it
                    // never reached Grafana itself: Cognito's redirect is what it saw). Nothing is forwarded to Grafana without the sign-in.
                    new aws.lb.ListenerRule(
                        `${name}-${GRAFANA_SERVICE}-probe`,
                        {
                            listenerArn: httpsListener.arn,
                            priority: GRAFANA_PROBE_RULE_PRIORITY,
                            conditions: [{ hostHeader: { values: [args.grafanaHost] } }, { pathPattern: { values: [GRAFANA_HEALTH_PATH] } }],
                            actions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "200", messageBody: "ok" } }],
                        },
                        child(this, args),
                    );
                }
                this.grafana = { host: args.grafanaHost, targetGroup: group, rule, userPool: signIn.pool };
            }

            if (zoneId) {
                // Each host points at the load balancer that holds its rule.
                const alias = (logical: string, host: string) =>
                    new aws.route53.Record(logical, { zoneId, name: host, type: "A", aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }] }, child(this, args));
                for (const serviceName of shard.services) {
                    alias(`${name}-${serviceName}-alias`, hosts[serviceName]);
                    if (blueGreen) alias(`${name}-${serviceName}-test-alias`, testHost(hosts[serviceName]));
                }
                if (shard.grafana && args.grafanaHost) alias(`${name}-${GRAFANA_SERVICE}-alias`, args.grafanaHost);
            }
        }
        this.loadBalancer = this.loadBalancers[0];
        this.certificate = this.certificates[0];
        this.httpsListener = this.httpsListeners[0];
        if (args.waf) {
            const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
            this.webAcl = new aws.wafv2.WebAcl(
                `${name}-waf`,
                {
                    scope: "REGIONAL",
                    description: `${args.names.prefix}: AWS managed rule groups`,
                    defaultAction: { allow: {} },
                    rules: WAF_MANAGED_GROUPS.map((group, i) => ({
                        name: group,
                        priority: i,
                        overrideAction: { none: {} },
                        statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group } },
                        visibilityConfig: visibility(group),
                    })),
                    visibilityConfig: visibility(`${args.names.prefix}-waf`),
                },
                child(this, args),
            );
            // One web ACL guards every load balancer.
            this.loadBalancers.forEach((lb, k) => new aws.wafv2.WebAclAssociation(k === 0 ? `${name}-waf` : `${name}-lb${k + 1}-waf`, { resourceArn: lb.arn, webAclArn: this.webAcl!.arn }, child(this, args)));
            // WAF only logs to groups whose name starts with aws-waf-logs-.
            const wafLogs = logGroup(this, args, `${name}-waf-logs`, `aws-waf-logs-${args.names.prefix}`, args.logKeyArn);
            new aws.wafv2.WebAclLoggingConfiguration(`${name}-waf-logs`, { resourceArn: this.webAcl.arn, logDestinationConfigs: [wafLogs.arn] }, child(this, args));
        }
        this.registerOutputs({ dnsName: this.loadBalancer.dnsName, certificate: this.certificate.arn });
    }

    /**
     * Grafana's Cognito sign-in: a user pool whose users an administrator creates (no self sign-up),
     * with TOTP required and GRAFANA_SIGN_IN's password policy; a hosted-UI domain derived from the
     * stack and account; an app client with a generated secret whose only callback is the ALB's on
     * Grafana's host. The load balancer reaches Cognito's token and user-info endpoints over HTTPS.
     */
    private grafanaSignIn(name: string, args: AwsIngressArgs, host: string) {
        const part = `${name}-${GRAFANA_SERVICE}`;
        // The users are state an administrator made: protected and kept like the platform's other state.
        const pool = new aws.cognito.UserPool(
            `${part}-users`,
            {
                name: `${args.names.prefix}-${GRAFANA_SERVICE}`,
                adminCreateUserConfig: { allowAdminCreateUserOnly: true },
                mfaConfiguration: "ON",
                softwareTokenMfaConfiguration: { enabled: true },
                passwordPolicy: { ...GRAFANA_SIGN_IN.passwordPolicy },
                accountRecoverySetting: { recoveryMechanisms: [{ name: "admin_only", priority: 1 }] },
                deletionProtection: args.protect ? "ACTIVE" : "INACTIVE",
            },
            child(this, args, { protect: args.protect, retainOnDelete: args.protect }),
        );
        const domain = new aws.cognito.UserPoolDomain(`${part}-sign-in`, { userPoolId: pool.id, domain: pulumi.output(args.accountId).apply((account) => cognitoDomainPrefix(args.names.prefix, account)) }, child(this, args));
        const client = new aws.cognito.UserPoolClient(
            `${part}-client`,
            {
                name: `${args.names.prefix}-${GRAFANA_SERVICE}-alb`,
                userPoolId: pool.id,
                generateSecret: true,
                allowedOauthFlowsUserPoolClient: true,
                allowedOauthFlows: ["code"],
                allowedOauthScopes: [...GRAFANA_SIGN_IN.scopes],
                callbackUrls: [`https://${host}${GRAFANA_SIGN_IN.callbackPath}`],
                supportedIdentityProviders: ["COGNITO"],
                explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                preventUserExistenceErrors: "ENABLED",
            },
            child(this, args),
        );
        new aws.vpc.SecurityGroupEgressRule(
            `${part}-to-cognito`,
            { securityGroupId: args.securityGroupId, ipProtocol: "tcp", fromPort: HTTPS_PORT, toPort: HTTPS_PORT, cidrIpv4: "0.0.0.0/0", description: "HTTPS to the Cognito token and user-info endpoints (Grafana sign-in), which have no fixed addresses" },
            child(this, args),
        );
        return { pool, domain, client };
    }
}
