import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { assumedRoleAccount as assumedAccount } from "../../capabilities/aws/names";

/**
 * What the mock engine answers. Real providers compute ids, ARNs and endpoints; the program reads
 * a few of them (names, endpoints for config files), so the mocks return plausible ones built
 * from the resource's name, and the invokes the program makes return the shapes AWS returns.
 */

const STACK_ACCOUNT = "123456789012";
/** The random suffix Pulumi's autonaming adds to a logical name (fixed here, so plans stay byte-identical). */
const AUTONAME_SUFFIX = "1a2b3c4";

/**
 * Resources the program names by their output `name` while leaving the name to Pulumi's
 * autonaming (`<logical name>-<7 random characters>`): the provider reports the name it chose.
 */
const AUTONAMED = new Set([
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
    "aws:docdb/subnetGroup:SubnetGroup",
    "aws:elasticache/parameterGroup:ParameterGroup",
    "aws:elasticache/subnetGroup:SubnetGroup",
]);

const digest = (text: string) => createHash("sha256").update(text).digest();

export function mockCall(region: string) {
    const calls: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
        "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: STACK_ACCOUNT, arn: `arn:aws:iam::${STACK_ACCOUNT}:user/ci`, userId: "AIDAEXAMPLE" }),
        "aws:index/getRegion:getRegion": () => ({ name: region, region, id: region }),
        "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
        "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
            names: ["a", "b", "c", "d"].map((z) => `${region}${z}`),
            zoneIds: ["1", "2", "3", "4"].map((z) => `use1-az${z}`),
            state: "available",
        }),
        "aws:elb/getServiceAccount:getServiceAccount": () => ({ arn: "arn:aws:iam::127311923021:root", id: "127311923021" }),
        "aws:iam/getPolicyDocument:getPolicyDocument": (inputs) => ({ json: JSON.stringify({ Version: "2012-10-17", Statement: inputs.statements ?? [] }) }),
    };
    return (args: pulumi.runtime.MockCallArgs): Record<string, unknown> => {
        const fn = calls[args.token];
        if (!fn) throw new Error(`the offline plan has no mock for invoke ${args.token}; add one to cli/harness/mocks.ts`);
        return fn(args.inputs);
    };
}

/**
 * A test's hook over every resource's reported state (test/providers/mocks.test.ts fills each
 * property the mocks leave unset with a marker, to find outputs the program reads that the
 * mocks withhold). Unset in every plan and render.
 */
let probe: ((args: pulumi.runtime.MockResourceArgs, state: Record<string, unknown>) => void) | undefined;
/** Whether a test has altered what the mocks report: such a plan is not the program's plan, never cached. */
export function mocksAltered(): boolean {
    return probe !== undefined;
}
export function setStateProbe(fn: typeof probe): void {
    probe = fn;
}

/** State a created resource reports back: its inputs plus the computed fields programs read. */
export function mockState(args: pulumi.runtime.MockResourceArgs, region: string): { id: string; state: Record<string, unknown> } {
    const reported = providerState(args, region);
    probe?.(args, reported.state);
    return reported;
}

/** Each AWS provider's region, by the id its resources name it with (`<urn>::<id>`): a second provider (another region) reports ARNs and endpoints there. */
const providerRegions = new Map<string, string>();
/** Each AWS provider's account where it assumes a role (`assumeRoles[0].roleArn`, the account in the ARN): its resources' ARNs name that account. */
const providerAccounts = new Map<string, string>();


function providerState(args: pulumi.runtime.MockResourceArgs, stackRegion: string): { id: string; state: Record<string, unknown> } {
    const id = `${args.name}-id`;
    if (args.type === "pulumi:providers:aws" && typeof args.inputs.region === "string") providerRegions.set(id, args.inputs.region);
    if (args.type === "pulumi:providers:aws" && assumedAccount(args.inputs.assumeRoles)) providerAccounts.set(id, assumedAccount(args.inputs.assumeRoles)!);
    const region = (args.provider && providerRegions.get(args.provider.split("::").pop() ?? "")) || stackRegion;
    const ACCOUNT = (args.provider && providerAccounts.get(args.provider.split("::").pop() ?? "")) || STACK_ACCOUNT;
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type.startsWith("aws:")) {
        const service = args.type.split(":")[1].split("/")[0];
        state.arn ??= `arn:aws:${service}:${region}:${ACCOUNT}:${args.name}`;
        state.id ??= id;
    }
    if (AUTONAMED.has(args.type)) state.name ??= `${args.name}-${AUTONAME_SUFFIX}`;
    if (args.type === "random:index/randomPassword:RandomPassword") state.result = `generated-${args.name}`;
    if (args.type === "random:index/randomId:RandomId") {
        // byteLength bytes, fixed per name, in the encodings the provider reports.
        const bytes = digest(`random-id:${args.name}`).subarray(0, Number(args.inputs.byteLength ?? 8));
        state.hex = bytes.toString("hex");
        state.b64Std = bytes.toString("base64");
        state.b64Url = bytes.toString("base64url");
        state.dec = BigInt(`0x${state.hex}`).toString();
    }
    // The image ID of the pulled image, as `docker inspect` shows it.
    if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId ??= `sha256:${digest(`image:${String(args.inputs.name ?? args.name)}`).toString("hex")}`;
    if (args.type === "aws:rds/instance:Instance" || args.type === "aws:rds/cluster:Cluster" || args.type === "aws:docdb/cluster:Cluster") {
        state.endpoint ??= `${args.name}.cluster.${region}.rds.amazonaws.com`;
        state.address ??= `${args.name}.${region}.rds.amazonaws.com`;
        // RDS and DocumentDB report the secret they made when they manage the master password (`rds!db-…`, `rds!cluster-…`), under the key named or aws/secretsmanager.
        if (args.inputs.manageMasterUserPassword === true) {
            const kind = args.type === "aws:rds/instance:Instance" ? "db" : "cluster";
            state.masterUserSecrets ??= [
                {
                    secretArn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:rds!${kind}-${args.name}-AbCdEf`,
                    kmsKeyId: args.inputs.masterUserSecretKmsKeyId ?? `arn:aws:kms:${region}:${ACCOUNT}:alias/aws/secretsmanager`,
                    secretStatus: "active",
                },
            ];
        }
    }
    if (args.type === "aws:elasticache/replicationGroup:ReplicationGroup") {
        state.primaryEndpointAddress ??= `${args.name}.cache.amazonaws.com`;
        state.configurationEndpointAddress ??= `${args.name}.cfg.cache.amazonaws.com`;
    }
    if (args.type === "aws:msk/cluster:Cluster") {
        const brokers = Number(args.inputs.numberOfBrokerNodes ?? 1);
        const cluster = String(args.inputs.clusterName ?? args.name);
        state.bootstrapBrokersTls ??= Array.from({ length: brokers }, (_, i) => `b-${i + 1}.${cluster}.abc123.c2.kafka.${region}.amazonaws.com:9094`).join(",");
        // MSK fills the SASL/SCRAM brokers (port 9096) only when the cluster has SCRAM client authentication.
        if (args.inputs.clientAuthentication?.sasl?.scram === true) {
            state.bootstrapBrokersSaslScram ??= Array.from({ length: brokers }, (_, i) => `b-${i + 1}.${cluster}.abc123.c2.kafka.${region}.amazonaws.com:9096`).join(",");
        }
        state.arn = `arn:aws:kafka:${region}:${ACCOUNT}:cluster/${cluster}/${id}`;
    }
    if (args.type === "aws:msk/configuration:Configuration") state.latestRevision ??= 1;
    // A gateway endpoint's prefix list (the security groups reach S3 through it): AWS's pl-<8 hex> form.
    if (args.type === "aws:ec2/vpcEndpoint:VpcEndpoint" && args.inputs.vpcEndpointType === "Gateway") state.prefixListId ??= `pl-${digest(`prefix-list:${args.name}`).toString("hex").slice(0, 8)}`;
    if (args.type === "aws:mq/broker:Broker") state.instances ??= [{ endpoints: [`amqps://b-${id}.mq.${region}.amazonaws.com:5671`], consoleUrl: `https://b-${id}.mq.${region}.amazonaws.com` }];
    if (args.type === "aws:lb/loadBalancer:LoadBalancer") {
        const lbName = String(args.inputs.name ?? args.name);
        state.dnsName ??= `${lbName}-1234567890.${region}.elb.amazonaws.com`;
        state.arnSuffix ??= `app/${lbName}/0123456789abcdef`;
        state.arn = `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:loadbalancer/${state.arnSuffix}`;
        state.zoneId ??= "Z35SXDOTRQ7X7K";
    }
    if (args.type === "aws:lb/targetGroup:TargetGroup") {
        state.arnSuffix ??= `targetgroup/${String(args.inputs.name ?? args.name)}/0123456789abcdef`;
        state.arn = `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:${state.arnSuffix}`;
    }
    if (args.type === "aws:lb/listenerRule:ListenerRule" || args.type === "aws:lb/listener:Listener") {
        state.arn = `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:listener${args.type.endsWith("ListenerRule") ? "-rule" : ""}/app/${args.name}/0123456789abcdef`;
    }
    if (args.type === "aws:acm/certificate:Certificate") {
        const domains = [args.inputs.domainName, ...((args.inputs.subjectAlternativeNames as string[] | undefined) ?? [])].filter(Boolean) as string[];
        state.arn = `arn:aws:acm:${region}:${ACCOUNT}:certificate/${id}`;
        state.domainValidationOptions ??= domains.map((d) => ({ domainName: d, resourceRecordName: `_x1.${d}.`, resourceRecordType: "CNAME", resourceRecordValue: `_x2.acm-validations.aws.` }));
    }
    if (args.type === "aws:route53/record:Record") state.fqdn ??= String(args.inputs.name ?? args.name).replace(/\.$/, "");
    if (args.type === "aws:kms/key:Key") {
        state.keyId ??= `${id}`;
        state.arn = `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
    }
    if (args.type === "aws:sns/topic:Topic") {
        state.name ??= args.name;
        state.arn = `arn:aws:sns:${region}:${ACCOUNT}:${String(state.name)}`;
    }
    if (args.type === "aws:backup/vault:Vault") state.arn = `arn:aws:backup:${region}:${ACCOUNT}:backup-vault:${String(args.inputs.name ?? args.name)}`;
    if (args.type === "aws:ecs/cluster:Cluster") state.name ??= args.name;
    // A task definition without a task role reads back an empty taskRoleArn (the provider's unset string), not a withheld output.
    if (args.type === "aws:ecs/taskDefinition:TaskDefinition") state.taskRoleArn ??= "";
    if (args.type === "aws:iam/role:Role") {
        state.name ??= `${args.name}-1a2b3c4`;
        state.arn = `arn:aws:iam::${ACCOUNT}:role/${String(state.name)}`;
    }
    if (args.type === "aws:s3/bucket:Bucket") {
        state.bucket ??= `${args.name}-1a2b3c4`;
        state.arn = `arn:aws:s3:::${String(state.bucket)}`;
    }
    if (args.type === "aws:secretsmanager/secret:Secret") state.arn = `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${args.name}-AbCdEf`;
    if (args.type === "aws:cloudwatch/logGroup:LogGroup") {
        state.name ??= args.name;
        state.arn = `arn:aws:logs:${region}:${ACCOUNT}:log-group:${String(state.name)}`;
    }
    if (args.type === "aws:amp/workspace:Workspace") {
        state.prometheusEndpoint ??= `https://aps-workspaces.${region}.amazonaws.com/workspaces/ws-${id}/`;
        state.arn = `arn:aws:aps:${region}:${ACCOUNT}:workspace/ws-${id}`;
    }
    if (args.type === "kubernetes:core/v1:Namespace") state.metadata = { ...(state.metadata as object), name: (args.inputs.metadata as { name?: string })?.name ?? args.name };
    return { id, state };
}
