import test from "ava";
import { dataInstanceSizes, meetsFloor } from "../../capabilities/aws/instance-sizes";
import { cacheNodeType } from "../../capabilities/aws/elasticache";
import { documentDbInstanceClass } from "../../capabilities/aws/documentdb";
import { mskBrokerInstance } from "../../capabilities/aws/msk";
import { rdsParameters, rdsSize } from "../../capabilities/aws/rds";
import { awsProblems } from "../../capabilities/aws/validate";
import { getRunbook, type Runbook } from "../../runbooks";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * Instance sizes per data service: the runbook's size, else the platform's for its numbers, used
 * by the AWS capabilities and held as a floor by aws-data-instance-size-floor.
 */

const PFH = "personal-finance-hub";
const pfh = getRunbook(PFH);
const STACK = `${PFH}-production`;
const sizeOf = (rb: Runbook, service: string) => dataInstanceSizes(rb).find((s) => s.service === service)!;
const larger = (rb: Runbook, service: string) => {
    const s = sizeOf(rb, service);
    return s.ladder[s.ladder.indexOf(s.size) + 1];
};
const smaller = (rb: Runbook, service: string) => {
    const s = sizeOf(rb, service);
    return s.ladder[s.ladder.indexOf(s.size) - 1];
};

function dataServices(rb: Runbook): Fake[] {
    return [
        { type: "aws:rds/instance:Instance", name: "postgres-primary", props: { engine: "postgres", instanceClass: sizeOf(rb, "postgres").size } },
        { type: "aws:rds/instance:Instance", name: "postgres-replica-1", props: { engine: "postgres", instanceClass: sizeOf(rb, "postgres").size, replicateSourceDb: "primary" } },
        { type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "redis", props: { nodeType: sizeOf(rb, "redis").size } },
        { type: "aws:docdb/clusterInstance:ClusterInstance", name: "docdb-1", props: { instanceClass: sizeOf(rb, "mongodb").size } },
        { type: "aws:msk/cluster:Cluster", name: "kafka", props: { brokerNodeGroupInfo: { instanceType: sizeOf(rb, "kafka").size } } },
    ];
}

test("aws-data-instance-size-floor: every managed data service at least its size; smaller, unknown or unset is reported", async (t) => {
    await compliantAndBroken(t, "aws-data-instance-size-floor", STACK, () => dataServices(pfh), {
        "a replica a class smaller": {
            edit: (rs) => (find(rs, "postgres-replica-1").props.instanceClass = smaller(pfh, "postgres") ?? "db.t3.micro"),
            expect: /aws:rds\/instance:Instance "postgres-replica-1": instanceClass is db\.\S+, (smaller than|a size the platform cannot rank).*data\.postgres\.instanceSize/,
        },
        "Redis on a node a size down": {
            edit: (rs) => (find(rs, "redis").props.nodeType = smaller(pfh, "redis")),
            expect: new RegExp(`nodeType is ${smaller(pfh, "redis")}, smaller than ${sizeOf(pfh, "redis").size}; the floor is ${sizeOf(pfh, "redis").size}, the platform's size`),
        },
        "DocumentDB on an unknown class": { edit: (rs) => (find(rs, "docdb-1").props.instanceClass = "db.t3.medium"), expect: /instanceClass is db\.t3\.medium, a size the platform cannot rank.*allowed: db\.r6g\.large/ },
        "MSK brokers a size down": { edit: (rs) => (find(rs, "kafka").props.brokerNodeGroupInfo.instanceType = smaller(pfh, "kafka")), expect: /brokerNodeGroupInfo\.instanceType is kafka\.t3\.small, smaller than/ },
        "MSK broker type unset": { edit: (rs) => delete find(rs, "kafka").props.brokerNodeGroupInfo.instanceType, expect: /brokerNodeGroupInfo\.instanceType is not set/ },
    });
    const up = dataServices(pfh);
    find(up, "redis").props.nodeType = larger(pfh, "redis");
    find(up, "kafka").props.brokerNodeGroupInfo.instanceType = larger(pfh, "kafka");
    t.deepEqual((await check("aws-data-instance-size-floor", STACK, up)).messages, [], "a larger size passes: the size is a floor");
    const raised = { "aws-data-instance-size-floor": { floors: { [PFH]: { redis: larger(pfh, "redis") } } } };
    t.regex((await check("aws-data-instance-size-floor", STACK, dataServices(pfh), { config: raised })).messages.join("\n"), /nodeType is cache\.\S+, smaller than/, "the floor comes from config");
});

function withSizes(edit: (rb: Runbook) => void): Runbook {
    const rb = structuredClone(pfh) as Runbook;
    edit(rb);
    return rb;
}

test("a runbook's stated sizes are the sizes the AWS target builds; a size too small for its numbers or unknown is refused", (t) => {
    const pgUp = larger(pfh, "postgres");
    const stated = withSizes((rb) => {
        rb.data.postgres!.instanceSize = pgUp;
        rb.data.redis!.instanceSize = larger(pfh, "redis");
        rb.data.mongodb!.instanceSize = larger(pfh, "mongodb");
        rb.data.kafka!.instanceSize = larger(pfh, "kafka");
    });
    t.is(rdsSize(stated.data.postgres!).instanceClass, pgUp);
    t.true(rdsSize(stated.data.postgres!).maxConnections > rdsSize(pfh.data.postgres!).maxConnections, "max_connections follows the stated class");
    t.is(cacheNodeType(stated.data.redis!).nodeType, larger(pfh, "redis"));
    t.is(documentDbInstanceClass(stated.data.mongodb!), larger(pfh, "mongodb"));
    t.is(mskBrokerInstance(stated.data.kafka!), larger(pfh, "kafka"));
    t.true(dataInstanceSizes(stated).every((s) => s.defaulted === undefined), "stated sizes are the runbook's");
    t.true(dataInstanceSizes(pfh).every((s) => typeof s.defaulted === "string" && s.defaulted.length > 10), "absent sizes say why");

    const tooSmall = withSizes((rb) => {
        rb.data.redis!.maxmemoryMB = 2048;
        rb.data.redis!.instanceSize = "cache.t4g.small";
        rb.data.postgres!.parameters.shared_buffers = "2GB";
        rb.data.postgres!.instanceSize = "db.t4g.medium";
        rb.data.mongodb!.instanceSize = "db.x2g.large";
        rb.data.kafka!.instanceSize = "kafka.m5.large";
    });
    const problems = awsProblems(tooSmall).join("\n");
    t.regex(problems, /data\.redis\.instanceSize = "cache\.t4g\.small" holds 1403 MiB, less the 25% reserve too little for maxmemoryMB 2048; allowed: cache\.t4g\.medium/);
    t.regex(problems, /data\.postgres\.instanceSize = "db\.t4g\.medium" has 4096 MiB, but shared_buffers\/effective_cache_size need 8192 MiB; allowed: db\.m7g\.large/);
    t.regex(problems, /data\.mongodb\.instanceSize = "db\.x2g\.large" is not a class the platform sizes; allowed: db\.t4g\.medium/);
    t.regex(problems, /data\.kafka\.instanceSize = "kafka\.m5\.large" is not a broker type the platform sizes/);
});

test("a floor is met by its size and larger ones on the same ladder only", (t) => {
    const ladder = ["a", "b", "c"];
    t.true(meetsFloor(ladder, "b", "b"));
    t.true(meetsFloor(ladder, "b", "c"));
    t.false(meetsFloor(ladder, "b", "a"));
    t.false(meetsFloor(ladder, "b", "z"));
});

test("the runbook's max_connections is the parameter group's and the pool-usage alarm's divisor, not replaced by RDS's formula", (t) => {
    const formula = rdsSize(pfh.data.postgres!).maxConnections;
    const own = formula + 37;
    const stated = withSizes((rb) => (rb.data.postgres!.parameters.max_connections = String(own)));
    t.is(rdsSize(stated.data.postgres!).maxConnections, own);
    t.deepEqual(
        rdsParameters(stated.data.postgres!, rdsSize(stated.data.postgres!)).filter((p) => p.name === "max_connections"),
        [{ name: "max_connections", value: String(own), applyMethod: "pending-reboot" }],
    );
    t.is(rdsParameters(pfh.data.postgres!, rdsSize(pfh.data.postgres!)).find((p) => p.name === "max_connections")!.value, String(formula), "absent: RDS's formula");
    for (const bad of ["lots", "0", "1e3", "300000"]) {
        t.regex(awsProblems(withSizes((rb) => (rb.data.postgres!.parameters.max_connections = bad))).join("\n"), new RegExp(`data\\.postgres\\.parameters\\.max_connections = "${bad}": allowed: a whole number from 1 to 262143`), bad);
    }
});
