import { finding, label, resourceRule } from "../lib/policy";
import { containers, DEPLOYMENT, metaName, podSpec } from "../lib/kubernetes";

/** The runbook's app containers run on a read-only root filesystem, as non-root. */
export const k8sWorkloadReadonlyRoot = resourceRule({
    name: "k8s-workload-readonly-root",
    description: "The containers of the runbook's app Deployments have readOnlyRootFilesystem: true and run as non-root.",
    tier: "security",
    target: "kubernetes",
    types: [DEPLOYMENT],
    remediationSteps: "Set securityContext.readOnlyRootFilesystem: true and runAsNonRoot: true on the app container, and mount an emptyDir where the app writes (capabilities/kubernetes/apps.ts).",
    check: (s, ctx) => {
        const services = new Set(ctx.runbook.services.map((svc) => svc.name));
        const pod = podSpec(s);
        return containers(s, true)
            .filter((c) => services.has(String(c.name)))
            .flatMap((c) => {
                const out = [];
                const where = `${label(s)} (${metaName(s)}) container "${c.name}"`;
                if (c.securityContext?.readOnlyRootFilesystem !== true) out.push(finding(`${where}: readOnlyRootFilesystem is ${c.securityContext?.readOnlyRootFilesystem ?? "not set"}; an app container writes only to its scratch volume`));
                const nonRoot = c.securityContext?.runAsNonRoot ?? pod?.securityContext?.runAsNonRoot;
                const uid = c.securityContext?.runAsUser ?? pod?.securityContext?.runAsUser;
                if (nonRoot !== true || uid === 0) out.push(finding(`${where}: ${uid === 0 ? "runAsUser is 0" : "runAsNonRoot is not true"}; app containers run as a non-root UID`));
                return out;
            });
    },
});
