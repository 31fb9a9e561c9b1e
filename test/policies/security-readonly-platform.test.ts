import test from "ava";
import { COLLECTOR_UID, COLLECTOR_WRITABLE } from "../../components/targets/aws/collector";
import { grafanaContainers, GRAFANA_UID, GRAFANA_WRITABLE } from "../../capabilities/aws/grafana";
import { agentEntryPoint } from "../../capabilities/aws/collector";
import { DOCKER_EXPORTER_EXCEPTIONS } from "../../policies/lib/hardening";
import { find, type Fake } from "./helpers";
import { compliantAndBroken } from "./security-helpers";

/**
 * The platform's own ECS tasks (Grafana, the collector's agent and exporters) on read-only roots
 * as non-root users, held by aws-ecs-taskdefinition-readonly-root beside the app's containers.
 */

const STACK = "bunty-production";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const unprivileged = { user: `${COLLECTOR_UID}`, readonlyRootFilesystem: true, linuxParameters: { capabilities: { drop: ["ALL"] } } };
const fixture = (): Fake[] => [
    {
        type: TASK,
        name: "collector",
        props: {
            family: `${STACK}-collector`,
            containerDefinitions: [
                { name: "collector-config", image: "amazon/aws-cli:2.18.0", essential: false, user: "0", readonlyRootFilesystem: true, linuxParameters: { capabilities: { drop: ["ALL"] } } },
                { name: "prometheus-agent", image: "prom/prometheus:v2.55.1", essential: true, ...unprivileged },
                { name: "redis-exporter", image: "oliver006/redis_exporter:v1.66.0", essential: true, ...unprivileged },
            ],
        },
    },
];
const container = (r: Fake[], name: string) => find(r, "collector").props.containerDefinitions.find((c: { name: string }) => c.name === name);

test("aws-ecs-taskdefinition-readonly-root holds the collector and Grafana tasks: a writable root, no user, an essential root exporter are reported", async (t) => {
    await compliantAndBroken(t, "aws-ecs-taskdefinition-readonly-root", STACK, fixture, {
        "agent on a writable root": { edit: (r) => (container(r, "prometheus-agent").readonlyRootFilesystem = false), expect: /"prometheus-agent": readonlyRootFilesystem is false; a collector task container/ },
        "exporter with the image's user": { edit: (r) => delete container(r, "redis-exporter").user, expect: /"redis-exporter": user is not set/ },
        "exporter as root": { edit: (r) => (container(r, "redis-exporter").user = "root"), expect: /"redis-exporter" runs as root with essential/ },
        "Grafana's task too": {
            edit: (r) => {
                find(r, "collector").props.family = `${STACK}-grafana`;
                delete container(r, "prometheus-agent").readonlyRootFilesystem;
            },
            expect: /a grafana task container writes only to its task volumes/,
        },
    });
});

test("Grafana on ECS: the init step is root without capabilities and opens the writable volumes; Grafana runs as its image's user with its data, logs and /tmp on them", (t) => {
    const [init, grafana] = grafanaContainers({ bucket: "b", region: "us-east-1", logGroup: "g", adminSecretArn: "arn:aws:secretsmanager:us-east-1:1:secret:s" });
    t.like(init, { essential: false, user: "0", readonlyRootFilesystem: true, linuxParameters: { capabilities: { drop: ["ALL"] } } });
    for (const w of GRAFANA_WRITABLE) {
        const at = init.mountPoints!.find((m) => m.sourceVolume === w.volume)!;
        t.true(init.command![0].includes(`chmod 1777`) && init.command![0].includes(at.containerPath), `${w.volume} opened before Grafana starts`);
        t.true(grafana.mountPoints!.some((m) => m.sourceVolume === w.volume && m.containerPath === w.path && !m.readOnly));
    }
    t.like(grafana, { user: `${GRAFANA_UID}`, readonlyRootFilesystem: true });
    const env = Object.fromEntries(grafana.environment.map((e) => [e.name, e.value]));
    const writable = GRAFANA_WRITABLE.map((w) => w.path);
    for (const key of ["GF_PATHS_DATA", "GF_PATHS_LOGS"]) t.true(writable.some((p) => env[key] === p || env[key].startsWith(`${p}/`)), `${key} = ${env[key]} is on a writable volume`);
    t.is(env.GF_LOG_MODE, "console");
    t.deepEqual(grafana.dependsOn, [{ containerName: init.name, condition: "SUCCESS" }]);
});

test("the collector agent's write-ahead log is below its writable volume", (t) => {
    const flag = agentEntryPoint().find((a) => a.startsWith("--storage.agent.path="))!;
    t.true(flag.slice("--storage.agent.path=".length).startsWith(`${COLLECTOR_WRITABLE.agent.path}/`), flag);
});

test("docker-container-readonly-root holds the exporters: a writable root, the image's user, kept capabilities are reported; the listed exceptions carry their reason", async (t) => {
    const exporter = (): Fake[] => [
        {
            type: "docker:index/container:Container",
            name: "exporter",
            props: { name: "bunty-postgres-exporter", labels: [{ label: "component", value: "postgres-exporter" }], readOnly: true, user: "65534", capabilities: { drops: ["ALL"] }, tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" } },
        },
    ];
    await compliantAndBroken(t, "docker-container-readonly-root", "bunty-local", exporter, {
        "writable root": { edit: (r) => (find(r, "exporter").props.readOnly = false), expect: /readOnly is false; an exporter writes only to its tmpfs/ },
        "the image's user": { edit: (r) => delete find(r, "exporter").props.user, expect: /user is not set .*an exporter runs as a non-root UID/ },
        "capabilities kept": { edit: (r) => delete find(r, "exporter").props.capabilities, expect: /capabilities are not dropped; an exporter needs none/ },
    });
    for (const [component, reason] of Object.entries(DOCKER_EXPORTER_EXCEPTIONS)) {
        t.regex(component, /-exporter$/);
        t.true(reason.length > 40, `${component}: a reason a reviewer can judge`);
    }
});

test("k8s-workload-readonly-root holds the exporters in Deployments and StatefulSets", async (t) => {
    const sts = (): Fake[] => [
        {
            type: "kubernetes:apps/v1:StatefulSet",
            name: "redis",
            props: {
                metadata: { name: "bunty-redis", namespace: "bunty" },
                spec: { template: { spec: { securityContext: { runAsNonRoot: true, runAsUser: 999 }, containers: [{ name: "redis" }, { name: "redis-exporter", securityContext: { readOnlyRootFilesystem: true } }] } } },
            },
        },
    ];
    const exporter = (r: Fake[]) => find(r, "redis").props.spec.template.spec.containers[1];
    await compliantAndBroken(t, "k8s-workload-readonly-root", "bunty-staging", sts, {
        "writable root": { edit: (r) => (exporter(r).securityContext.readOnlyRootFilesystem = false), expect: /container "redis-exporter": readOnlyRootFilesystem is false; an exporter writes nothing/ },
        "as root": { edit: (r) => (exporter(r).securityContext.runAsUser = 0), expect: /"redis-exporter": runAsUser is 0/ },
    });
});
