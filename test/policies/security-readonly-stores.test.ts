import test from "ava";
import { WRITABLE_PATHS } from "../../capabilities/docker/writable";
import { cronJobSpec, scheduledJobs } from "../../capabilities/kubernetes/backups";
import { names } from "../../capabilities/kubernetes/names";
import { dockerContainerReadonlyRoot } from "../../policies/docker/container-readonly-root";
import { DOCKER_READONLY_EXCEPTIONS, DOCKER_READONLY_PLATFORM } from "../../policies/lib/hardening";
import { k8sWorkloadReadonlyRoot } from "../../policies/kubernetes/workload-readonly-root";
import { getRunbook } from "../../runbooks";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses } from "./security-helpers";

/**
 * Read-only roots for the platform's own containers (issue 15): the Docker data stores, backup
 * jobs and monitoring, and the Kubernetes backup and restore-check CronJobs. Each policy from a
 * compliant fixture broken one field at a time, then over real planned stacks.
 */

const APP = "gravitypm";
const CONTAINER = "docker:index/container:Container";
const storeFixture = (): Fake[] => [
    {
        type: CONTAINER,
        name: "postgres",
        props: {
            name: `${APP}-postgres`,
            labels: [{ label: "component", value: "postgres" }],
            restart: "unless-stopped",
            mustRun: true,
            readOnly: true,
            tmpfs: Object.fromEntries(Object.entries(WRITABLE_PATHS.postgres).map(([p, t]) => [p, `rw,noexec,nosuid,size=${t.mib}m`])),
        },
    },
    // A one-shot setup job of a data store is held too.
    { type: CONTAINER, name: "setup", props: { name: `${APP}-mongo-users`, labels: [{ label: "component", value: "mongodb" }], restart: "on-failure", mustRun: false, readOnly: true, tmpfs: { "/root/.mongodb": "rw,noexec,nosuid,size=16m" } } },
    // The listed exception keeps its writable root.
    { type: CONTAINER, name: "rabbitmq", props: { name: `${APP}-rabbitmq`, labels: [{ label: "component", value: "rabbitmq" }], restart: "unless-stopped", mustRun: true } },
];

test("docker-container-readonly-root: a data store, its setup job, a backup job or a monitoring container with a writable root is reported; the listed exceptions are not held", async (t) => {
    t.false((DOCKER_READONLY_PLATFORM as readonly string[]).some((c) => c in DOCKER_READONLY_EXCEPTIONS), "an exception is not also held");
    const breaks: Record<string, { edit: (r: Fake[]) => void; expect: RegExp }> = {
        "writable root": { edit: (r) => (find(r, "postgres").props.readOnly = false), expect: /gravitypm-postgres\): readOnly is false; the platform's postgres container/ },
        "root filesystem not set": { edit: (r) => delete find(r, "postgres").props.readOnly, expect: /readOnly is not set/ },
        "one-shot setup job writable": { edit: (r) => (find(r, "setup").props.readOnly = false), expect: /gravitypm-mongo-users\): readOnly is false/ },
    };
    for (const component of DOCKER_READONLY_PLATFORM) {
        breaks[`${component} writable`] = {
            edit: (r) => {
                const c = find(r, "postgres");
                c.props.labels = [{ label: "component", value: component }];
                c.props.readOnly = false;
            },
            expect: new RegExp(`the platform's ${component} container`),
        };
    }
    await compliantAndBroken(t, "docker-container-readonly-root", `${APP}-local`, storeFixture, breaks);
});

const rb = getRunbook(APP);
const n = names(rb.app, rb.app);
const cronFixture = (): Fake[] =>
    scheduledJobs(rb, n)
        .slice(0, 2)
        .map((job, i) => ({ type: "kubernetes:batch/v1:CronJob", name: `job-${i}`, props: { metadata: { name: job.name, namespace: APP }, spec: cronJobSpec(job, n) } }));
const jobPod = (r: Fake[], i = 0) => find(r, `job-${i}`).props.spec.jobTemplate.spec.template.spec;

test("k8s-workload-readonly-root: a backup or restore-check CronJob's container or init container with a writable root, or as root, is reported", async (t) => {
    const kinds = cronFixture().map((f) => f.props.spec.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/component"]);
    t.true(kinds.includes("backup"), `the fixture holds a backup job (${kinds})`);
    await compliantAndBroken(t, "k8s-workload-readonly-root", `${APP}-staging`, cronFixture, {
        "writable root": { edit: (r) => (jobPod(r).containers[0].securityContext.readOnlyRootFilesystem = false), expect: /readOnlyRootFilesystem is false; a backup or restore-check job/ },
        "no security context": { edit: (r) => delete jobPod(r).containers[0].securityContext, expect: /readOnlyRootFilesystem is not set/ },
        "init container writable": {
            edit: (r) => {
                const pod = [0, 1].map((i) => jobPod(r, i)).find((p) => p.initContainers?.length);
                pod.initContainers[0].securityContext.readOnlyRootFilesystem = false;
            },
            expect: /container "aws-cli": readOnlyRootFilesystem is false/,
        },
        "as root": { edit: (r) => (jobPod(r).containers[0].securityContext.runAsUser = 0), expect: /runAsUser is 0/ },
    });
});

test("the writable-root policies pass on the planned stacks with every data store, backups and monitoring", async (t) => {
    // personal-finance-hub runs Kafka and PostgreSQL replicas; gravitypm MongoDB and MinIO; both Redis and backups.
    await planPasses(t, ["personal-finance-hub-local", `${APP}-local`], [dockerContainerReadonlyRoot]);
    await planPasses(t, [`${APP}-staging`], [k8sWorkloadReadonlyRoot]);
});
