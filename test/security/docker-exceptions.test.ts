import test from "ava";
import { planStack, type PlannedResource, type StackPlan } from "../../cli/harness/runtime";
import type { PlatformContext } from "../../stacks/settings";
import { dockerContainerReadonlyRoot } from "../../policies/docker/container-readonly-root";
import { toPolicy } from "../../policies/lib/policy";
import {
    DOCKER_CONFINED_PLATFORM,
    DOCKER_EXPORTER_EXCEPTIONS,
    DOCKER_KAFKA_PLAINTEXT_EXCEPTIONS,
    DOCKER_READONLY_EXCEPTIONS,
    DOCKER_READONLY_PLATFORM,
    DOCKER_ROOT_EXCEPTIONS,
} from "../../policies/lib/hardening";
import { runPolicies } from "../../policies/offline";
import { APP_IDS, type Runbook } from "../../runbooks";
import { rabbitMqApp, WORKER, WORKER_IMAGE } from "../targets/rabbitmq-app";

/**
 * The written Docker exceptions of issue 15 (docs/security.md) are machine-readable lists in
 * policies/lib/hardening.ts, each with its reason; here, over every local plan (and the synthetic
 * RabbitMQ app's, since no runbook of the five has RabbitMQ): docker-container-readonly-root exempts
 * exactly the listed containers and nothing else, and each listed exception is still needed.
 */

const CONTAINER = "docker:index/container:Container";
const RB = rabbitMqApp();
const withRabbitMq = (c: PlatformContext): PlatformContext => ({ ...c, runbook: RB, baseline: RB, settings: { ...c.settings, images: { ...c.settings.images, [WORKER]: WORKER_IMAGE } } });

const plans: { plan: StackPlan; runbook?: Runbook }[] = [];
test.before(async () => {
    for (const app of APP_IDS) plans.push({ plan: await planStack(`${app}-local`) });
    plans.push({ plan: await planStack("bunty-local", { mutate: withRabbitMq }), runbook: RB });
});

const component = (r: PlannedResource) => (r.props.labels as { label: string; value: string }[] | undefined)?.find((l) => l.label === "component")?.value ?? "(unlabelled)";
const containers = (plan: StackPlan) => plan.resources.filter((r) => r.type === CONTAINER);

/** Every container of the plan with a writable root, as root and with its capabilities: what the policy reports of it. */
async function reportedWhenUnconfined(plan: StackPlan, runbook: Runbook | undefined): Promise<Set<string>> {
    const opened: StackPlan = {
        ...plan,
        resources: plan.resources.map((r) => (r.type === CONTAINER ? { ...r, props: { ...r.props, readOnly: false, user: "0", capabilities: undefined } } : r)),
    };
    const report = await runPolicies(opened, { policies: [toPolicy(dockerContainerReadonlyRoot)], exceptions: [], runbook });
    return new Set(report.outcomes[0].violations.map((v) => v.urn ?? ""));
}

test("docker-container-readonly-root exempts exactly the listed containers (read-only exceptions, exporter exceptions) and holds every other one", async (t) => {
    const listed = new Set([...Object.keys(DOCKER_READONLY_EXCEPTIONS), ...Object.keys(DOCKER_EXPORTER_EXCEPTIONS)]);
    const exempt = new Set<string>();
    for (const { plan, runbook } of plans) {
        const reported = await reportedWhenUnconfined(plan, runbook);
        for (const c of containers(plan)) if (!reported.has(c.urn)) exempt.add(component(c));
    }
    t.deepEqual([...exempt].sort(), [...listed].sort(), "the containers a writable root is allowed for are the listed ones");
    for (const reason of [...Object.values(DOCKER_READONLY_EXCEPTIONS), ...Object.values(DOCKER_EXPORTER_EXCEPTIONS)]) t.true(reason.length > 60, reason);
    t.false((DOCKER_READONLY_PLATFORM as readonly string[]).some((c) => listed.has(c)), "no listed component is also held");
});

test("each listed exception is still needed: the planned containers it covers do have a writable root", (t) => {
    for (const name of [...Object.keys(DOCKER_READONLY_EXCEPTIONS), ...Object.keys(DOCKER_EXPORTER_EXCEPTIONS)]) {
        const found = plans.flatMap(({ plan }) => containers(plan)).filter((c) => component(c) === name);
        t.true(found.length > 0, `${name}: no local plan runs it; drop the exception`);
        t.true(
            found.every((c) => c.props.readOnly !== true),
            `${name}: runs read-only now; drop the exception`,
        );
    }
});

test("the monitoring stack runs as its images' non-root users without capabilities; Promtail, the one listed root, runs as UID 0 without capabilities", (t) => {
    const monitoring = ["prometheus", "alertmanager", "grafana", "loki", "promtail", "jaeger"];
    t.deepEqual([...DOCKER_CONFINED_PLATFORM, ...Object.keys(DOCKER_ROOT_EXCEPTIONS)].sort(), [...monitoring].sort());
    const all = plans.flatMap(({ plan }) => containers(plan));
    t.true(all.some((c) => component(c) === "jaeger"), "a local plan runs Jaeger");
    for (const c of all.filter((x) => monitoring.includes(component(x)))) {
        const who = component(c);
        t.is(c.props.readOnly, true, `${c.name}: read-only root`);
        t.deepEqual((c.props.capabilities as { drops?: string[] } | undefined)?.drops, ["ALL"], `${c.name}: every capability dropped`);
        if (who in DOCKER_ROOT_EXCEPTIONS) t.is(c.props.user, "0", `${c.name}: the exception is still needed`);
        else t.not(String(c.props.user ?? "0").split(":")[0], "0", `${c.name}: non-root`);
    }
    const jaeger = all.find((c) => component(c) === "jaeger")!;
    t.deepEqual(Object.keys(jaeger.props.tmpfs as object), ["/tmp"], "Jaeger writes only its /tmp (the image's VOLUME), a bounded tmpfs");
});

test("the Docker Kafka listeners use only SASL_SSL or a listed unencrypted protocol, and the listed one is in use", (t) => {
    const used = new Set<string>();
    for (const { plan } of plans) {
        for (const c of containers(plan).filter((x) => component(x) === "kafka")) {
            const env = Object.fromEntries(((c.props.envs as string[] | undefined) ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
            const map = env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP;
            if (!map) continue;
            for (const pair of map.split(",")) used.add(pair.split(":")[1]);
        }
    }
    t.true(used.size > 0, "a local plan runs Kafka brokers");
    for (const protocol of used) t.true(protocol === "SASL_SSL" || protocol in DOCKER_KAFKA_PLAINTEXT_EXCEPTIONS, `${protocol}: not listed`);
    for (const protocol of Object.keys(DOCKER_KAFKA_PLAINTEXT_EXCEPTIONS)) t.true(used.has(protocol), `${protocol}: listed but unused; drop the exception`);
});
