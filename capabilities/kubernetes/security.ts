import type * as k8s from "@pulumi/kubernetes";
import { HTTPS_PORT } from "../egress";
import { operatorPorts, scrapedPortSet } from "./data-ports";
import { PUSHGATEWAY_PORT } from "./monitoring";
import { DATA_ACCESS_LABELS, LABEL, type DataService, type Names } from "./names";
import { CNPG_LABEL, RABBITMQ_OPERATOR_COMPONENT, STRIMZI_LABEL } from "./operator-labels";

type Container = k8s.types.input.core.v1.Container;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type LabelSelector = k8s.types.input.meta.v1.LabelSelector;

/**
 * Pod hardening every workload of the target gets: non-root, no privilege escalation, every
 * capability dropped, the runtime's seccomp profile; and the app namespace's NetworkPolicies.
 */

/** UID the app services run as (capabilities/hardening.ts, the same on every target). */
export { APP_UID } from "../hardening";

/** UIDs of the official data-service images' own users. */
export const IMAGE_UID = { redis: 999, mongodb: 999, postgres: 999, mc: 1000, awsCli: 1000 } as const;

export function containerSecurity(): SecurityContext {
    return { runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
}

export function podSecurity(uid: number): PodSecurityContext {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

/** A container with the hardening applied; a security context it already has is kept over the defaults. */
export function hardened(c: Container): Container {
    return { ...c, securityContext: { ...containerSecurity(), ...(c.securityContext as object | undefined) } };
}

/** Namespace labels: Pod Security Admission enforces `baseline` and warns and audits `restricted`. */
export function namespaceLabels(n: Names, role: "app" | "monitoring" | "operators"): Record<string, string> {
    const psa: Record<string, string> =
        role === "app"
            ? { "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted" }
            : // node-exporter and promtail read the host: the monitoring namespace must admit them.
              role === "monitoring"
              ? { "pod-security.kubernetes.io/enforce": "privileged" }
              : { "pod-security.kubernetes.io/enforce": "baseline" };
    return { [LABEL.partOf]: n.app, [LABEL.managedBy]: "pulumi", ...psa };
}

const tcpPorts = (ports: readonly number[]) => ports.map((port) => ({ protocol: "TCP", port }));
const inNamespace = (ns: string): k8s.types.input.networking.v1.NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });

/** How each data service's pods are selected: by the operator's labels (operator-labels.ts, read from each operator's source), or by ours where we schedule them. */
export function dataPodSelectors(n: Names): Record<DataService, LabelSelector> {
    return {
        postgres: { matchLabels: { [CNPG_LABEL.cluster]: n.postgres } },
        kafka: { matchLabels: { [STRIMZI_LABEL.cluster]: n.kafka } },
        // The RabbitMQ Cluster Operator labels a cluster's pods with its name (operator-labels.ts `rabbitmqPodLabels`).
        rabbitmq: { matchLabels: { [LABEL.name]: n.rabbitmq, [LABEL.component]: RABBITMQ_OPERATOR_COMPONENT } },
        redis: { matchLabels: { [LABEL.partOf]: n.app, [LABEL.dataService]: "redis" } },
        mongodb: { matchLabels: { [LABEL.partOf]: n.app, [LABEL.dataService]: "mongodb" } },
        minio: { matchLabels: { [LABEL.partOf]: n.app, [LABEL.dataService]: "minio" } },
    };
}

/** cert-manager's HTTP-01 solver pods: the label it sets on them and the port they answer on. */
export const ACME_HTTP01_SOLVER = { label: { "acme.cert-manager.io/http01-solver": "true" }, port: 8089 } as const;

/**
 * The namespace the cluster's ingress controller runs in when the stack does not name one
 * (`kubernetes.ingressNamespace`): the one the ingress-nginx project's manifests and Helm chart
 * install into, the controller behind the staging stacks' `ingressClass: nginx`.
 */
export const DEFAULT_INGRESS_NAMESPACE = "ingress-nginx";

/** `app.kubernetes.io/component` of the runbook's service pods (capabilities/kubernetes/apps.ts). */
export const APP_COMPONENT = "app";

/** Where the cluster's DNS answers: CoreDNS keeps kube-dns's label in kube-system on every common distribution. */
export const CLUSTER_DNS = { namespace: "kube-system", label: { "k8s-app": "kube-dns" }, port: 53 } as const;

/**
 * The API server, for the pods the operators run that watch it (CloudNativePG's instance manager,
 * Strimzi's entity operator). Its address is the cluster's, not known to the program; NetworkPolicies
 * see the endpoint after the Service is resolved: 443 on managed clusters, 6443 on kubeadm ones.
 */
export const API_SERVER = { cidr: "0.0.0.0/0", ports: [443, 6443] } as const;

/** Private ranges: the internet rule leaves them out, so it reaches nothing inside the cluster or its network. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"] as const;

/** Data services whose pods an operator runs with an API-server client in them. */
export const API_CLIENTS: readonly DataService[] = ["postgres", "kafka", "rabbitmq"];

/** `app.kubernetes.io/component` of the jobs that push to the Pushgateway: the backups (restore checks do not push). */
export const PUSHING_JOBS = ["backup"] as const;

export interface NamedPolicy {
    /** Suffix of the policy's name: `default-deny-ingress`, `postgres`. */
    readonly part: string;
    readonly spec: NetworkPolicySpec;
}

/**
 * The app namespace's policies: ingress is denied by default; app services take traffic on their
 * ports only from the ingress controller's namespace (`ingressNamespace`, the stack's
 * `kubernetes.ingressNamespace`), the app's own service pods (services calling each other) and the
 * monitoring namespace (the /metrics scrapes and blackbox probes, on the service's port);
 * each data service takes connections only from the pods labelled for data access and its own pods
 * (replication), and from the operators namespace on the ports its operators use
 * (`operatorPorts`); the monitoring namespace reaches every other pod on the ports Prometheus
 * scrapes (`scrapedPortSet`) only. MinIO also takes PostgreSQL's pods: CloudNativePG ships WAL and base backups there.
 * Where the stack serves public hosts (`servesHosts`), cert-manager's HTTP-01 solver pods, which it
 * starts in the app's namespace for each certificate, take the ingress controller's challenge
 * requests (from its namespace only); without that policy no certificate is ever issued. Then the egress policies
 * (`egressPolicies`).
 */
export function networkPolicies(
    n: Names,
    services: readonly { name: string; port: number }[],
    present: readonly DataService[],
    servesHosts = false,
    internetPorts: readonly number[] = [HTTPS_PORT],
    ingressNamespace: string = DEFAULT_INGRESS_NAMESPACE,
): NamedPolicy[] {
    const selectors = dataPodSelectors(n);
    const common = [{ podSelector: { matchLabels: { ...DATA_ACCESS_LABELS } } }];
    return [...ingressPolicies(n, services, present, servesHosts, selectors, common, ingressNamespace), ...egressPolicies(n, present, internetPorts)];
}

/**
 * Egress is denied by default too, and allowed as each workload needs: every pod resolves names
 * through the cluster DNS and may open connections inside the namespace (the ingress policies above
 * decide which of them are taken: data services, replication, MinIO); the backup and restore-check
 * jobs push to the Pushgateway (`PUSHING_JOBS`); the operator-run pods that are API clients reach the API server;
 * the app's services reach the internet (outside the private ranges) on the runbook's ports only
 * (`internetPorts`: HTTPS and any port an external dependency's URL names).
 */
export function egressPolicies(n: Names, present: readonly DataService[], internetPorts: readonly number[]): NamedPolicy[] {
    if (internetPorts.length === 0) throw new Error(`${n.app}: the app's services need at least HTTPS out (internetPorts is empty)`);
    const selectors = dataPodSelectors(n);
    const tcp = (port: number) => ({ protocol: "TCP", port });
    return [
        { part: "default-deny-egress", spec: { podSelector: {}, policyTypes: ["Egress"] } },
        {
            part: "egress-dns",
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": CLUSTER_DNS.namespace } }, podSelector: { matchLabels: { ...CLUSTER_DNS.label } } }],
                        ports: [
                            { protocol: "UDP", port: CLUSTER_DNS.port },
                            { protocol: "TCP", port: CLUSTER_DNS.port },
                        ],
                    },
                ],
            },
        },
        { part: "egress-namespace", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] } },
        {
            part: "egress-pushgateway",
            spec: {
                podSelector: { matchLabels: { [LABEL.partOf]: n.app }, matchExpressions: [{ key: LABEL.component, operator: "In", values: [...PUSHING_JOBS] }] },
                policyTypes: ["Egress"],
                egress: [{ to: [inNamespace(n.monitoring)], ports: [tcp(PUSHGATEWAY_PORT)] }],
            },
        },
        ...API_CLIENTS.filter((d) => present.includes(d)).map((d) => ({
            part: `egress-api-server-${d}`,
            spec: { podSelector: selectors[d], policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: API_SERVER.cidr } }], ports: API_SERVER.ports.map(tcp) }] },
        })),
        {
            part: "egress-internet",
            spec: {
                podSelector: { matchLabels: { [LABEL.partOf]: n.app, [LABEL.component]: APP_COMPONENT } },
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } }], ports: internetPorts.map(tcp) }],
            },
        },
    ];
}

/**
 * Who may open an app service's port: the ingress controller's namespace (only where the stack
 * serves public hosts: `ingressNamespace` undefined otherwise), the app's own service pods
 * (services calling each other; `k8s-networkpolicy-no-wide-peers` refuses every pod) and the monitoring
 * namespace (Prometheus scrapes /metrics on the service's port, blackbox probes it).
 */
export function serviceSources(n: Names, ingressNamespace: string | undefined): k8s.types.input.networking.v1.NetworkPolicyPeer[] {
    return [...(ingressNamespace ? [inNamespace(ingressNamespace)] : []), { podSelector: { matchLabels: { [LABEL.partOf]: n.app, [LABEL.component]: APP_COMPONENT } } }, inNamespace(n.monitoring)];
}

function ingressPolicies(
    n: Names,
    services: readonly { name: string; port: number }[],
    present: readonly DataService[],
    servesHosts: boolean,
    selectors: Record<DataService, LabelSelector>,
    common: k8s.types.input.networking.v1.NetworkPolicyPeer[],
    ingressNamespace: string,
): NamedPolicy[] {
    // The peers an app service's port admits: the ingress controller, the app's own pods, the scrapes.
    const servicePeers = serviceSources(n, servesHosts ? ingressNamespace : undefined);
    return [
        { part: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] } },
        ...services.map((s) => ({
            part: `service-${s.name}`,
            spec: {
                podSelector: { matchLabels: { [LABEL.partOf]: n.app, [LABEL.name]: s.name } },
                policyTypes: ["Ingress"],
                ingress: [{ from: servicePeers, ports: [{ protocol: "TCP", port: s.port }] }],
            },
        })),
        ...present.map((d) => ({
            part: `data-${d}`,
            spec: {
                podSelector: selectors[d],
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [...common, { podSelector: selectors[d] }, ...(d === "minio" && present.includes("postgres") ? [{ podSelector: selectors.postgres }] : [])] },
                    ...(operatorPorts(d).length ? [{ from: [inNamespace(n.operators)], ports: tcpPorts(operatorPorts(d).map((p) => p.port)) }] : []),
                ],
            },
        })),
        ...(servesHosts
            ? [
                  {
                      part: "acme-http01-solver",
                      spec: {
                          podSelector: { matchLabels: { ...ACME_HTTP01_SOLVER.label } },
                          policyTypes: ["Ingress"],
                          ingress: [{ from: [inNamespace(ingressNamespace)], ports: [{ protocol: "TCP", port: ACME_HTTP01_SOLVER.port }] }],
                      },
                  },
              ]
            : []),
        // Prometheus scrapes the data services and their exporters: admit the monitoring namespace to
        // every other pod, on the scraped ports only (none scraped: no rule; an empty port list would
        // open every port). The app's service pods are left out: their service policies above name who reaches them.
        {
            part: "monitoring-scrapes",
            spec: {
                podSelector: { matchExpressions: [{ key: LABEL.component, operator: "NotIn", values: [APP_COMPONENT] }] },
                policyTypes: ["Ingress"],
                ingress: scrapedPortSet(present).length ? [{ from: [inNamespace(n.monitoring)], ports: tcpPorts(scrapedPortSet(present)) }] : [],
            },
        },
    ];
}
