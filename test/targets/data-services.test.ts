import test from "ava";
import { planStack, type StackPlan } from "../../cli/harness/runtime";
import { DATA_SERVICES as AWS } from "../../components/targets/aws/data-services";
import { DATA_SERVICES as DOCKER } from "../../components/targets/docker/data";
import { DATA_SERVICES as KUBERNETES } from "../../components/targets/kubernetes/data";
import { APP_IDS, getRunbook, runbookSchema, type AppId } from "../../runbooks";

/**
 * The data-service tables of the three targets: the one place each target registers its data
 * service kinds. Every kind the runbook schema knows has an entry on every target (so a new kind
 * in the schema fails here until each target can run it), and the planned stacks build exactly
 * the kinds their runbook has, in table order, as the tables' children of the target platform.
 */

const SCHEMA_KINDS = Object.keys((runbookSchema.shape.data as unknown as { shape: Record<string, unknown> }).shape).sort();
const tables = [
    { target: "docker", env: "local", entries: DOCKER.map((e) => ({ kind: e.kind, part: e.part })) },
    // MinIO is built for every Kubernetes stack (the backups go to it), outside the table.
    { target: "kubernetes", env: "staging", entries: KUBERNETES.map((e) => ({ kind: e.kind, part: e.kind as string })), alwaysBuilt: ["objectStorage"] },
    { target: "aws", env: "production", entries: AWS.map((e) => ({ kind: e.kind, part: e.part })) },
] as const;

test("every target registers each data kind of the runbook schema once", (t) => {
    t.true(SCHEMA_KINDS.length >= 5, `the schema's data kinds: ${SCHEMA_KINDS.join(", ")}`);
    for (const table of tables) {
        const kinds = table.entries.map((e) => e.kind as string);
        t.is(new Set(kinds).size, kinds.length, `${table.target}: a kind registered twice`);
        t.is(new Set(table.entries.map((e) => e.part)).size, kinds.length, `${table.target}: two kinds with one Pulumi name part`);
        const always: readonly string[] = "alwaysBuilt" in table ? table.alwaysBuilt : [];
        t.deepEqual([...kinds, ...always].sort(), SCHEMA_KINDS, `${table.target}: the table and the schema's data kinds`);
    }
});

const plans = new Map<string, StackPlan>();
test.before(async () => {
    for (const app of APP_IDS) for (const table of tables) plans.set(`${app}-${table.env}`, await planStack(`${app}-${table.env}`));
});

test("each planned stack builds the kinds its runbook has, in table order, as children of the target platform", (t) => {
    for (const app of APP_IDS as readonly AppId[]) {
        const rb = getRunbook(app);
        for (const table of tables) {
            const plan = plans.get(`${app}-${table.env}`)!;
            const platform = plan.resources.find((r) => r.type === `platform:${table.target}:Platform`);
            if (!platform) throw new Error(`${plan.stack}: no platform:${table.target}:Platform`);
            const children = plan.resources.filter((r) => r.parent === platform.urn && !r.custom).map((r) => r.name);
            const always: readonly string[] = "alwaysBuilt" in table ? table.alwaysBuilt : [];
            const built = table.entries.filter((e) => children.includes(`${app}-${e.part}`)).map((e) => e.kind as string);
            // From the runbook alone: every kind it has is built, whatever the table holds.
            const has = Object.keys(rb.data).filter((k) => rb.data[k as keyof typeof rb.data] !== undefined && !always.includes(k));
            t.deepEqual([...built].sort(), has.sort(), `${plan.stack}: data services built`);
            const expected = table.entries.filter((e) => rb.data[e.kind] !== undefined).map((e) => e.kind);
            // Table order is registration order: the plan lists the components as the table does.
            const order = children.filter((name) => table.entries.some((e) => `${app}-${e.part}` === name));
            t.deepEqual(order, expected.map((kind) => `${app}-${table.entries.find((e) => e.kind === kind)!.part}`), `${plan.stack}: order`);
        }
    }
});
