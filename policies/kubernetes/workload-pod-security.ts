import { containers, metaName, podSpec, POD_OWNERS } from "../lib/kubernetes";
import { finding, label, stackRule, type Finding, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord } from "../lib/values";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const ENFORCE = "pod-security.kubernetes.io/enforce";
/** Pod Security Standards levels, weakest first. */
const LEVELS = ["privileged", "baseline", "restricted"] as const;
/** The one capability the restricted standard lets a container add. */
const ADDABLE = new Set(["NET_BIND_SERVICE"]);

/** What lets one of the stack's pods reach past its container: the host's namespaces, its filesystem, privileged mode, added capabilities. */
function podProblems(s: Subject): string[] {
    const pod = podSpec(s);
    if (!pod) return [];
    const out: string[] = [];
    for (const k of ["hostNetwork", "hostPID", "hostIPC"] as const) if (pod[k] === true || pod[k] === "true") out.push(`${k} is true: the pod shares the node's ${({ hostNetwork: "network", hostPID: "PID", hostIPC: "IPC" } as const)[k]} namespace`);
    for (const v of asArray<Record<string, any>>(pod.volumes).filter((x) => isRecord(x) && x.hostPath)) out.push(`volume "${v.name}" is a hostPath (${v.hostPath?.path ?? "?"}): the pod reads and writes the node's filesystem`);
    const all = [...containers(s, true), ...asArray<Record<string, any>>(pod.ephemeralContainers).filter(isRecord)];
    for (const c of all) {
        const sc = isRecord(c.securityContext) ? c.securityContext : {};
        if (sc.privileged === true || sc.privileged === "true") out.push(`container "${c.name}" is privileged: it has every capability and the node's devices`);
        const added = asArray<unknown>(sc.capabilities?.add).map(String).filter((cap) => !ADDABLE.has(cap.replace(/^CAP_/, "")));
        if (added.length) out.push(`container "${c.name}" adds capabilities ${added.join(", ")} (only NET_BIND_SERVICE may be added)`);
        if (sc.allowPrivilegeEscalation === true || sc.allowPrivilegeEscalation === "true") out.push(`container "${c.name}" allows privilege escalation`);
    }
    return out;
}

/**
 * The stack's pods stay in their containers (no host namespaces, hostPath volumes, privileged
 * containers, added capabilities or privilege escalation), and the namespaces they run in enforce
 * a Pod Security Standard of at least baseline, so the API server refuses such pods whoever
 * creates them.
 */
export const k8sWorkloadPodSecurity = stackRule({
    name: "k8s-workload-pod-security",
    description:
        "No pod of the stack uses the host's network, PID or IPC namespace or a hostPath volume, runs a privileged container, adds a capability other than NET_BIND_SERVICE or allows privilege escalation; the namespaces its pods run in enforce the baseline or restricted Pod Security Standard.",
    tier: "security",
    target: "kubernetes",
    remediationSteps: "Keep the pod specs and namespace labels capabilities/kubernetes builds (hardened security contexts; pod-security.kubernetes.io/enforce: baseline with restricted audit and warn on the app namespace).",
    notApplicable: (resources) => absentTarget(resources, "kubernetes") ?? (ofType(resources, ...POD_OWNERS).length ? undefined : "the stack has no pods"),
    check: (resources) => {
        const out: Finding[] = [];
        const owners = ofType(resources, ...POD_OWNERS);
        for (const s of owners) for (const p of podProblems(s)) out.push(finding(`${label(s)} (${metaName(s)}): ${p}`, { urn: s.urn }));
        const used = new Set(owners.map((s) => s.props.metadata?.namespace).filter((n): n is string => typeof n === "string"));
        for (const ns of ofType(resources, NAMESPACE).filter((n) => used.has(n.props.metadata?.name))) {
            const level = ns.props.metadata?.labels?.[ENFORCE];
            if (level === undefined || !LEVELS.includes(level) || LEVELS.indexOf(level) < LEVELS.indexOf("baseline")) {
                out.push(
                    finding(`${label(ns)} (${ns.props.metadata?.name}) runs the stack's pods with ${ENFORCE}=${level ?? "unset (privileged)"}: the API server admits privileged and host-sharing pods there; enforce baseline or restricted`, {
                        urn: ns.urn,
                    }),
                );
            }
        }
        return out;
    },
});
