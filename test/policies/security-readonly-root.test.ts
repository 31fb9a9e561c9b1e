import test from "ava";
import { getRunbook } from "../../runbooks";
import { awsEcsTaskDefinitionReadonlyRoot } from "../../policies/aws/ecs-taskdefinition-readonly-root";
import { dockerContainerReadonlyRoot } from "../../policies/docker/container-readonly-root";
import { k8sWorkloadReadonlyRoot } from "../../policies/kubernetes/workload-readonly-root";
import { find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses } from "./security-helpers";

/**
 * The security tier's "writable root" policies (issue 15): the runbook's app containers run on a
 * read-only root filesystem as non-root on every target; on ECS a root container is only a
 * non-essential, read-only init step with every capability dropped. Each from a compliant fixture
 * broken one field at a time, then over one real planned stack per target.
 */

const APP = "bunty";
const svc = getRunbook(APP).services[0].name;

const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const ecsFixture = (): Fake[] => [
    {
        type: TASK,
        name: "task",
        props: {
            containerDefinitions: [
                { name: "task-init", image: "curlimages/curl:8.10.1", essential: false, user: "0", readonlyRootFilesystem: true, linuxParameters: { capabilities: { drop: ["ALL"] } } },
                { name: svc, image: "ghcr.io/bunty/backend:1.0.0", essential: true, user: "10001", readonlyRootFilesystem: true },
            ],
        },
    },
];
const ecsApp = (r: Fake[]) => find(r, "task").props.containerDefinitions[1];
const ecsInit = (r: Fake[]) => find(r, "task").props.containerDefinitions[0];

test("aws-ecs-taskdefinition-readonly-root: compliant fixture passes; a writable root, no user, root, and a loose root init step are each reported", async (t) => {
    await compliantAndBroken(t, "aws-ecs-taskdefinition-readonly-root", `${APP}-production`, ecsFixture, {
        "writable root": { edit: (r) => (ecsApp(r).readonlyRootFilesystem = false), expect: new RegExp(`container "${svc}": readonlyRootFilesystem is false`) },
        "root filesystem not set": { edit: (r) => delete ecsApp(r).readonlyRootFilesystem, expect: /readonlyRootFilesystem is not set/ },
        "no user (the image's)": { edit: (r) => delete ecsApp(r).user, expect: /user is not set/ },
        "app as root": { edit: (r) => (ecsApp(r).user = "root:root"), expect: /user is "root:root"/ },
        "essential root container": { edit: (r) => (ecsInit(r).essential = true), expect: /"task-init" runs as root with essential/ },
        "root init with capabilities": { edit: (r) => delete ecsInit(r).linuxParameters, expect: /runs as root with capabilities not dropped/ },
        "root init on a writable root": { edit: (r) => (ecsInit(r).readonlyRootFilesystem = false), expect: /runs as root with a writable root filesystem/ },
        "definitions as the provider's JSON string": { edit: (r) => (find(r, "task").props.containerDefinitions = JSON.stringify([{ ...ecsApp(r), readonlyRootFilesystem: undefined }])), expect: /readonlyRootFilesystem is not set/ },
    });
});

const k8sFixture = (): Fake[] => [
    {
        type: "kubernetes:apps/v1:Deployment",
        name: "app",
        props: {
            metadata: { name: `${APP}-${svc}`, namespace: APP },
            spec: { template: { spec: { securityContext: { runAsNonRoot: true, runAsUser: 10001 }, containers: [{ name: svc, image: "x:1.0.0", securityContext: { readOnlyRootFilesystem: true } }] } } },
        },
    },
];
const k8sApp = (r: Fake[]) => find(r, "app").props.spec.template.spec;

test("k8s-workload-readonly-root: compliant fixture passes; a writable root and root are each reported", async (t) => {
    await compliantAndBroken(t, "k8s-workload-readonly-root", `${APP}-staging`, k8sFixture, {
        "writable root": { edit: (r) => (k8sApp(r).containers[0].securityContext.readOnlyRootFilesystem = false), expect: /readOnlyRootFilesystem is false/ },
        "no security context": { edit: (r) => delete k8sApp(r).containers[0].securityContext, expect: /readOnlyRootFilesystem is not set/ },
        "runAsNonRoot off": { edit: (r) => (k8sApp(r).securityContext.runAsNonRoot = false), expect: /runAsNonRoot is not true/ },
        "container runs as UID 0": { edit: (r) => (k8sApp(r).containers[0].securityContext.runAsUser = 0), expect: /runAsUser is 0/ },
    });
});

const dockerFixture = (): Fake[] => [
    {
        type: "docker:index/container:Container",
        name: "app",
        props: { name: `${APP}-${svc}-1`, image: "sha256:" + "a".repeat(64), labels: [{ label: "component", value: svc }], readOnly: true, user: "10001", capabilities: { drops: ["ALL"] }, tmpfs: { "/tmp": "rw,size=64m" } },
    },
];

test("docker-container-readonly-root: compliant fixture passes; a writable root, root and kept capabilities are each reported", async (t) => {
    await compliantAndBroken(t, "docker-container-readonly-root", `${APP}-local`, dockerFixture, {
        "writable root": { edit: (r) => (find(r, "app").props.readOnly = false), expect: /readOnly is false/ },
        "no user": { edit: (r) => delete find(r, "app").props.user, expect: /user is not set/ },
        "root by UID": { edit: (r) => (find(r, "app").props.user = "0:0"), expect: /user is "0:0"/ },
        "capabilities kept": { edit: (r) => delete find(r, "app").props.capabilities, expect: /capabilities are not dropped/ },
    });
});

test("the writable-root policies pass on a real planned stack of each target", async (t) => {
    await planPasses(t, [`${APP}-production`], [awsEcsTaskDefinitionReadonlyRoot]);
    await planPasses(t, [`${APP}-staging`], [k8sWorkloadReadonlyRoot]);
    await planPasses(t, [`${APP}-local`], [dockerContainerReadonlyRoot]);
});
