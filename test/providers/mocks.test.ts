import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { setStateProbe } from "../../cli/harness/mocks";
import { APP_IDS, ENVS } from "../../runbooks";

/**
 * Truthful mocks: every output the program reads from another resource is one the mock engine
 * reports. The probe fills each property a resource type declares (its provider class's
 * `resourceInputs[...]`, inputs and outputs alike) that the mocks leave unset with a marker
 * naming the type and property; a marker that reaches any planned input is an output the
 * program read and the mocks withheld, which a plain plan shows as a missing or "undefined" value.
 */

const NODE_MODULES = path.join(__dirname, "..", "..", "node_modules");
const declared = new Map<string, string[]>();

/** A provider resource's declared properties, read from its generated class (`aws:rds/parameterGroup:ParameterGroup` → @pulumi/aws/rds/parameterGroup.js). */
export function declaredProperties(type: string): string[] {
    const hit = declared.get(type);
    if (hit) return hit;
    const m = /^([a-z0-9-]+):([A-Za-z0-9.]+)\/([A-Za-z0-9]+):([A-Za-z0-9]+)$/.exec(type);
    let props: string[] = [];
    if (m) {
        const [, pkg, mod, file, cls] = m;
        const base = path.join(NODE_MODULES, "@pulumi", pkg);
        const candidates = [
            path.join(base, mod === "index" ? "" : mod, `${file}.js`),
            // @pulumi/kubernetes: <group>/<version>/<kind>.js, the group's first label as the folder.
            path.join(base, mod.split(".")[0], file, `${cls[0].toLowerCase()}${cls.slice(1)}.js`),
        ];
        const found = candidates.find((f) => fs.existsSync(f));
        if (found) props = [...new Set([...fs.readFileSync(found, "utf8").matchAll(/resourceInputs\["(\w+)"\]/g)].map((x) => x[1]))];
    }
    declared.set(type, props);
    return props;
}

const marker = (type: string, prop: string) => `<probe ${type} ${prop}>`;
const MARKER = /<probe (\S+) (\w+)>/g;

function markersIn(value: unknown, at: string, out: string[]): void {
    if (typeof value === "string") for (const m of value.matchAll(MARKER)) out.push(`${at}: ${m[1]}.${m[2]}`);
    else if (Array.isArray(value)) value.forEach((v, i) => markersIn(v, `${at}[${i}]`, out));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) markersIn(v, `${at}.${k}`, out);
}

const STACKS = APP_IDS.flatMap((app) => ENVS.map((env) => `${app}-${env}`));
const probed = new Map<string, StackPlan>();
const unprobed = new Map<string, StackPlan>();
test.before(async () => {
    setStateProbe((args, state) => {
        for (const p of declaredProperties(args.type)) if (state[p] === undefined) state[p] = marker(args.type, p);
    });
    try {
        for (const stack of STACKS) probed.set(stack, await planStack(stack));
    } finally {
        setStateProbe(undefined);
    }
    for (const stack of ["personal-finance-hub-production", "personal-finance-hub-local"]) unprobed.set(stack, await planStack(stack));
});

test("the probe knows the properties of every provider resource type the stacks use", (t) => {
    for (const plan of probed.values()) {
        for (const r of plan.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))) {
            // Custom resources of operators' CRDs have no generated class: their state is their inputs.
            if (r.type.startsWith("kubernetes:") && !/^kubernetes:(core|apps|batch|policy|autoscaling|networking\.k8s\.io|rbac\.authorization\.k8s\.io|helm\.sh)\//.test(r.type)) continue;
            t.true(declaredProperties(r.type).length > 0, `${plan.stack}: no generated class found for ${r.type}`);
        }
    }
});

test("no planned input of any stack is an output the mocks withhold", (t) => {
    for (const [stack, plan] of probed) {
        const found: string[] = [];
        for (const r of plan.resources) markersIn(r.props, `${r.type} ${r.name}`, found);
        t.deepEqual(found, [], `${stack}: the program reads outputs the mocks in cli/harness/mocks.ts do not report`);
    }
});

test("the probe catches a withheld output: without the mocks' names the groups' names are markers", (t) => {
    // The same wiring read through a type the mocks do not answer for: drop the reported name.
    setStateProbe((args, state) => {
        if (args.type === "aws:rds/subnetGroup:SubnetGroup") state.name = marker(args.type, "name");
    });
    return planStack("personal-finance-hub-production")
        .then((plan) => {
            const found: string[] = [];
            for (const r of plan.resources) markersIn(r.props, `${r.type} ${r.name}`, found);
            t.true(found.some((f) => /aws:rds\/instance:Instance .*dbSubnetGroupName: aws:rds\/subnetGroup:SubnetGroup\.name/.test(f)), found.join("\n"));
        })
        .finally(() => setStateProbe(undefined));
});

test("finding 8: parameter, subnet and cluster parameter group names reach the resources that use them", (t) => {
    const plan = unprobed.get("personal-finance-hub-production")!;
    const byName = (type: string) => plan.resources.filter((r) => r.type === type);
    const pairs: [string, string, string][] = [
        ["aws:rds/instance:Instance", "parameterGroupName", "aws:rds/parameterGroup:ParameterGroup"],
        ["aws:rds/instance:Instance", "dbSubnetGroupName", "aws:rds/subnetGroup:SubnetGroup"],
        ["aws:elasticache/replicationGroup:ReplicationGroup", "parameterGroupName", "aws:elasticache/parameterGroup:ParameterGroup"],
        ["aws:elasticache/replicationGroup:ReplicationGroup", "subnetGroupName", "aws:elasticache/subnetGroup:SubnetGroup"],
        ["aws:docdb/cluster:Cluster", "dbClusterParameterGroupName", "aws:docdb/clusterParameterGroup:ClusterParameterGroup"],
        ["aws:docdb/cluster:Cluster", "dbSubnetGroupName", "aws:docdb/subnetGroup:SubnetGroup"],
    ];
    for (const [user, prop, group] of pairs) {
        const groups = byName(group);
        t.true(groups.length > 0, `no ${group}`);
        for (const r of byName(user)) {
            const value = (r.props as Record<string, unknown>)[prop];
            if (user === "aws:rds/instance:Instance" && prop === "dbSubnetGroupName" && (r.props as { replicateSourceDb?: string }).replicateSourceDb) continue;
            t.is(typeof value, "string", `${r.name}.${prop} is empty`);
            // The autonamed group's name: its logical name and Pulumi's random suffix.
            t.true(groups.some((g) => new RegExp(`^${g.name}-[0-9a-z]{7}$`).test(String(value))), `${r.name}.${prop} = ${String(value)} names none of ${groups.map((g) => g.name).join(", ")}`);
        }
    }
});

test("finding 8: a local Kafka's KRaft cluster id and each container's image come from the resources that make them", (t) => {
    const plan = unprobed.get("personal-finance-hub-local")!;
    const kafka = plan.resources.filter((r) => r.type === "docker:index/container:Container" && /kafka-\d$/.test(r.name));
    t.true(kafka.length > 0, "personal-finance-hub runs Kafka locally");
    for (const k of kafka) t.regex(((k.props as { envs: string[] }).envs ?? []).find((e) => e.startsWith("CLUSTER_ID=")) ?? "", /^CLUSTER_ID=[A-Za-z0-9_-]{22}$/, `${k.name}: KRaft needs a 16-byte base64url cluster id`);
    for (const c of plan.resources.filter((r) => r.type === "docker:index/container:Container")) {
        t.regex(String((c.props as { image?: string }).image), /^sha256:[0-9a-f]{64}$/, `${c.name}: image`);
        for (const env of ((c.props as { envs?: string[] }).envs ?? []).filter((e) => typeof e === "string")) t.false(/=undefined$/.test(env), `${c.name}: ${env}`);
    }
});
