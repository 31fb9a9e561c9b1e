import test from "ava";
import { awsSecurityGroupEgressRestricted } from "../../policies/aws/securitygroup-egress-restricted";
import { allowedInternetPorts } from "../../policies/lib/security";
import { k8sNetworkPolicyDefaultDenyEgress } from "../../policies/kubernetes/networkpolicy-default-deny-egress";
import { getRunbook } from "../../runbooks";
import { allStacks } from "../../stacks/settings";
import { clone, find, type Fake } from "./helpers";
import { compliantAndBroken, planPasses, runRule } from "./security-helpers";

/**
 * The security tier's closed-egress policies (issue 15), new files not yet in the pack: each runs
 * alone through the offline engine emulation, from a compliant fixture broken one field at a
 * time, and over every planned stack of its target.
 */

const SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

const awsFixture = (): Fake[] => [
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "tasks", props: { vpcId: "vpc-1", description: "App service tasks" } },
    { type: SG_EGRESS, name: "tasks-to-postgres", props: { securityGroupId: "sg-tasks", ipProtocol: "tcp", fromPort: 5432, toPort: 5432, referencedSecurityGroupId: "sg-pg" } },
    { type: SG_EGRESS, name: "tasks-https", props: { securityGroupId: "sg-tasks", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" } },
];

test("aws-securitygroup-egress-restricted: compliant fixture passes; all protocols, wide ports, UDP, inline and legacy rules are each reported", async (t) => {
    await compliantAndBroken(t, "aws-securitygroup-egress-restricted", "bunty-production", awsFixture, {
        "all protocols to the internet (the old tasks rule)": { edit: (r) => Object.assign(find(r, "tasks-https").props, { ipProtocol: "-1", fromPort: undefined, toPort: undefined }), expect: /all protocols to 0\.0\.0\.0\/0/ },
        "all protocols to a group": { edit: (r) => (find(r, "tasks-to-postgres").props.ipProtocol = "-1"), expect: /all protocols/ },
        "a port range to the internet": { edit: (r) => (find(r, "tasks-https").props.toPort = 8443), expect: /ports 443-8443/ },
        "a port the runbook does not name": { edit: (r) => Object.assign(find(r, "tasks-https").props, { fromPort: 25, toPort: 25 }), expect: /ports 25-25; allowed to the internet: single ports 443/ },
        "UDP to the internet": { edit: (r) => (find(r, "tasks-https").props.ipProtocol = "udp"), expect: /over protocol udp/ },
        "IPv6 anywhere on a wide range": { edit: (r) => Object.assign(find(r, "tasks-https").props, { cidrIpv4: undefined, cidrIpv6: "::/0", toPort: 65535 }), expect: /::\/0 on ports 443-65535/ },
        "inline egress on the group": { edit: (r) => (find(r, "tasks").props.egress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]), expect: /all protocols to 0\.0\.0\.0\/0/ },
        "a legacy SecurityGroupRule": {
            edit: (r) => r.push({ type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "legacy", props: { type: "egress", protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-tasks" } }),
            expect: /ports 0-65535/,
        },
    });
});

test("aws-securitygroup-egress-restricted reads the allowed ports from the runbook: HTTPS plus each external dependency's port", (t) => {
    t.deepEqual(allowedInternetPorts(getRunbook("formula-pm")), [443], "no dependencies: HTTPS only");
    t.deepEqual(allowedInternetPorts({ externalDependencies: [{ ...getRunbook("pfm-community").externalDependencies[0], fallbackUrl: "https://rpc.example.com:8899" }] }), [443, 8899], "a fallback's explicit port");
    t.deepEqual(allowedInternetPorts({ externalDependencies: [{ ...getRunbook("bunty").externalDependencies[0], url: "http://status.example.com/" }] }), [80, 443]);
});

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const k8sFixture = (): Fake[] => [
    { type: "kubernetes:apps/v1:Deployment", name: "api", props: { metadata: { name: "bunty-api", namespace: "bunty" }, spec: { template: { spec: { containers: [{ name: "api", image: "x:1" }] } } } } },
    { type: NP, name: "deny", props: { metadata: { name: "bunty-default-deny-egress", namespace: "bunty" }, spec: { podSelector: {}, policyTypes: ["Egress"] } } },
    {
        type: NP,
        name: "internet",
        props: {
            metadata: { name: "bunty-egress-internet", namespace: "bunty" },
            spec: { podSelector: { matchLabels: { "app.kubernetes.io/component": "app" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }], ports: [{ protocol: "TCP", port: 443 }] }] },
        },
    },
    { type: NP, name: "namespace", props: { metadata: { name: "bunty-egress-namespace", namespace: "bunty" }, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] } } },
];

test("k8s-networkpolicy-default-deny-egress: compliant fixture passes; a missing, narrowed or undone default deny is reported", async (t) => {
    await compliantAndBroken(t, "k8s-networkpolicy-default-deny-egress", "bunty-staging", k8sFixture, {
        "no default deny (ingress only, as before)": { edit: (r) => (find(r, "deny").props.spec.policyTypes = ["Ingress"]), expect: /namespace bunty: no default-deny egress/ },
        "the deny selects only some pods": { edit: (r) => (find(r, "deny").props.spec.podSelector = { matchLabels: { a: "b" } }), expect: /namespace bunty: no default-deny egress/ },
        "the deny is in another namespace": { edit: (r) => (find(r, "deny").props.metadata.namespace = "other"), expect: /namespace bunty: no default-deny egress/ },
        "a rule allowing everything": { edit: (r) => (find(r, "namespace").props.spec.egress = [{}]), expect: /egress rule 0 allows every port to every destination/ },
        "the internet on every port": { edit: (r) => (find(r, "internet").props.spec.egress = [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }]), expect: /allows every port to 0\.0\.0\.0\/0/ },
    });
    const none = clone(k8sFixture()).filter((r) => r.type === NP);
    t.is((await runRule(k8sNetworkPolicyDefaultDenyEgress, "bunty-staging", none)).status, "not-applicable", "no workloads, nothing to hold");
});

test("every planned production and staging stack passes both policies", async (t) => {
    t.timeout(10 * 60_000);
    await planPasses(t, allStacks().filter((s) => s.endsWith("-production")), [awsSecurityGroupEgressRestricted]);
    await planPasses(t, allStacks().filter((s) => s.endsWith("-staging")), [k8sNetworkPolicyDefaultDenyEgress]);
});
