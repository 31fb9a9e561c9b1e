import test from "ava";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * k8s-workload-pod-security and literal credential environment variables (issue 13, class E).
 * The fixture is an app Deployment with the platform's hardened security context, in a namespace
 * enforcing the baseline Pod Security Standard.
 */

function fixture(): Fake[] {
    return [
        { type: "kubernetes:core/v1:Namespace", name: "ns", props: { metadata: { name: "bunty", labels: { "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted" } } } },
        {
            type: "kubernetes:apps/v1:Deployment",
            name: "backend",
            props: {
                metadata: { name: "bunty-backend", namespace: "bunty" },
                spec: {
                    template: {
                        spec: {
                            containers: [
                                {
                                    name: "backend",
                                    image: "bunty/backend@sha256:0123",
                                    env: [{ name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "bunty-postgres-app", key: "password" } } }],
                                    securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, readOnlyRootFilesystem: true },
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            volumes: [{ name: "tmp", emptyDir: {} }],
                        },
                    },
                },
            },
        },
    ];
}

const pod = (rs: Fake[]) => find(rs, "backend").props.spec.template.spec;
const sc = (rs: Fake[]) => pod(rs).containers[0].securityContext;

test("k8s-workload-pod-security: pods stay in their containers, in namespaces that enforce it", async (t) => {
    await compliantAndBroken(t, "k8s-workload-pod-security", "bunty-staging", fixture, {
        "privileged alone": { edit: (rs) => (sc(rs).privileged = true), expect: /container "backend" is privileged/ },
        "the host's network": { edit: (rs) => (pod(rs).hostNetwork = true), expect: /hostNetwork is true: the pod shares the node's network namespace/ },
        "the host's PIDs": { edit: (rs) => (pod(rs).hostPID = true), expect: /hostPID is true/ },
        "the host's IPC": { edit: (rs) => (pod(rs).hostIPC = true), expect: /hostIPC is true/ },
        "a hostPath volume": { edit: (rs) => pod(rs).volumes.push({ name: "root", hostPath: { path: "/" } }), expect: /volume "root" is a hostPath \(\/\)/ },
        "an added capability": { edit: (rs) => (sc(rs).capabilities.add = ["SYS_ADMIN"]), expect: /adds capabilities SYS_ADMIN/ },
        "privilege escalation": { edit: (rs) => (sc(rs).allowPrivilegeEscalation = true), expect: /allows privilege escalation/ },
        "the namespace enforces privileged": { edit: (rs) => (find(rs, "ns").props.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged"), expect: /enforce=privileged/ },
        "the namespace enforces nothing": { edit: (rs) => delete find(rs, "ns").props.metadata.labels["pod-security.kubernetes.io/enforce"], expect: /enforce=unset \(privileged\)/ },
    });
});

test("k8s-workload-pod-security: tightening passes (restricted enforcement, NET_BIND_SERVICE added)", async (t) => {
    const rs = fixture();
    find(rs, "ns").props.metadata.labels["pod-security.kubernetes.io/enforce"] = "restricted";
    sc(rs).capabilities.add = ["NET_BIND_SERVICE"];
    t.deepEqual((await check("k8s-workload-pod-security", "bunty-staging", rs)).messages, []);
});

test("platform-no-literal-secrets: any literal in a credential environment variable, not only listed ones", async (t) => {
    const ok = await check("platform-no-literal-secrets", "bunty-staging", fixture());
    t.deepEqual(ok.messages, []);
    const rs = fixture();
    pod(rs).containers[0].env = [{ name: "PGPASSWORD", value: "hunter2hunter2" }, { name: "API_TOKEN", value: "t0k3n-abc" }, { name: "PGUSER", value: "bunty" }];
    const broken = await check("platform-no-literal-secrets", "bunty-staging", rs);
    t.true(broken.messages.some((m) => /environment variable PGPASSWORD\) holds a literal value where a reference belongs/.test(m)), broken.messages.join("\n"));
    t.true(broken.messages.some((m) => /environment variable API_TOKEN\)/.test(m)), broken.messages.join("\n"));
    t.false(broken.messages.some((m) => /PGUSER/.test(m)), broken.messages.join("\n"));
    t.true(broken.violations.every((v) => v.level === "mandatory"));
});
