import test from "ava";
import { planStack, type StackPlan } from "../../../cli/harness/runtime";
import { type AppId } from "../../../runbooks";
import { ofType, prop, PRODUCTION } from "./helpers";

/**
 * Confused-deputy conditions in the five production plans (issue 15): the account they name is
 * the one the data key's administrator statement names, and the region the ECS source ARN names is
 * the stack's provider region.
 */

const plans = new Map<AppId, StackPlan>();
test.before(async () => {
    for (const app of PRODUCTION) plans.set(app, await planStack(`${app}-production`));
});

test("service roles ECS tasks, flow logs, RDS monitoring and S3 assume are bound to this account; the KMS alert publishers too", (t) => {
    for (const app of PRODUCTION) {
        const plan = plans.get(app)!;
        const key = ofType(plan, "aws:kms/key:Key").find((k) => k.name === `${app}-keys-data`)!;
        const keyPolicy = JSON.parse(prop<string>(key, "policy"));
        const account = /^arn:aws:iam::(\d{12}):root$/.exec(keyPolicy.Statement.find((s: any) => s.Sid === "AccountAdmin").Principal.AWS)![1];
        t.deepEqual(keyPolicy.Statement.find((s: any) => s.Sid === "AlertPublishers").Condition, { StringEquals: { "aws:SourceAccount": account } }, app);
        const region = prop<string>(ofType(plan, "pulumi:providers:aws")[0], "region");
        let conditioned = 0;
        for (const role of ofType(plan, "aws:iam/role:Role")) {
            const [s] = JSON.parse(prop<string>(role, "assumeRolePolicy")).Statement;
            const service = s.Principal.Service as string;
            if (!["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com", "monitoring.rds.amazonaws.com", "s3.amazonaws.com"].includes(service) || /-execution$/.test(role.name)) {
                t.is(s.Condition, undefined, `${app} ${role.name}: no condition the service may not send`);
                continue;
            }
            conditioned++;
            t.is(s.Condition?.StringEquals?.["aws:SourceAccount"], account, `${app} ${role.name}`);
            const arn = s.Condition?.ArnLike?.["aws:SourceArn"];
            if (service !== "s3.amazonaws.com") t.true(typeof arn === "string" && arn.includes(`:${region}:${account}:`), `${app} ${role.name}: ${arn}`);
        }
        t.true(conditioned >= 4, `${app}: flow logs and three task roles at least (${conditioned})`);
    }
});
