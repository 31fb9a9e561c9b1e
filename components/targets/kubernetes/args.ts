import { certificateSpec, deploymentSpec, ingressAnnotations, scaledByKeda, scaledObjectSpec, type IngressSettings } from "../../../capabilities/kubernetes/apps";
import { scheduledJobs } from "../../../capabilities/kubernetes/backups";
import { minioValues } from "../../../capabilities/kubernetes/minio";
import { alertmanagerYaml, dashboardConfigMaps, jobFailureRules, kubePrometheusStackValues, lokiValues, probeSpecs, promtailValues, runbookRules, serviceMonitorSpec } from "../../../capabilities/kubernetes/monitoring";
import { serviceSelector } from "../../../capabilities/kubernetes/names";
import { reachabilityProbeSpecs } from "../../../capabilities/kubernetes/reachability";
import { reachabilityRules, type PublicEndpoint } from "../../../capabilities/reachability";
import type { Env, Runbook, Service } from "../../../runbooks";
import type { BackupsArgs } from "./backups";
import type { ObjectStorageArgs } from "./data";
import type { MonitoringArgs } from "./monitoring";
import type { KubernetesScope } from "./scope";
import type { AppServiceArgs, NamespaceCertificatesArgs } from "./services";

/**
 * Where the Kubernetes target's runbook becomes its children's Args: the specs, values and
 * settings the monitoring, the object store, the certificates, the app's services and the backups
 * take. The data services' Args are built by their kind's registration (data/*.ts `create`) from
 * the inputs the platform hands them. Only the platform (index.ts) calls these; no component reads
 * a runbook.
 */

type Scope = Pick<KubernetesScope, "names" | "storageClass">;

/** The monitoring's runbook-derived Args: values, rules, probes, routing and dashboards. */
export function monitoringArgs(rb: Runbook, env: Env, { names, storageClass }: Scope, publicEndpoints: readonly PublicEndpoint[]): Omit<MonitoringArgs, "scope" | "grafanaAdminPassword" | "delivery"> {
    return {
        alertmanagerConfig: (credentials) => alertmanagerYaml(rb, credentials),
        stackValues: kubePrometheusStackValues(rb, names, env, storageClass),
        lokiValues: lokiValues(rb, names, storageClass),
        promtailValues: promtailValues(rb, names),
        rules: runbookRules(rb, env),
        probes: probeSpecs(rb, names),
        reachabilityRules: reachabilityRules(rb, env, publicEndpoints),
        reachabilityProbes: reachabilityProbeSpecs(rb, names, publicEndpoints),
        dashboards: dashboardConfigMaps(rb),
    };
}

/** The object store's runbook-derived Args: whether the app has its own user, and the chart's values. */
export function objectStorageArgs(rb: Runbook, { names, storageClass }: Scope): Pick<ObjectStorageArgs, "appUser" | "values"> {
    return { appUser: rb.data.objectStorage !== undefined, values: minioValues(rb, names, storageClass) };
}

/** The certificates' runbook-derived Args: each Certificate's spec. */
export function certificatesArgs(rb: Runbook, ingress: IngressSettings, hosts: Readonly<Record<string, string>>): Pick<NamespaceCertificatesArgs, "certificateSpec"> {
    return { certificateSpec: (certificate) => certificateSpec(rb, ingress, hosts, certificate) };
}

/** A service's runbook-derived Args: the service, its Deployment, Ingress annotations, autoscaler and ServiceMonitor specs. */
export function serviceArgs(rb: Runbook, { names }: Scope, svc: Service, ingress: IngressSettings | undefined): Pick<AppServiceArgs, "service" | "deploymentSpec" | "ingressAnnotations" | "scaledObjectSpec" | "monitorSpec"> {
    return {
        service: svc,
        deploymentSpec: (image) => deploymentSpec(rb, names, svc, image),
        ingressAnnotations: (host) => ingressAnnotations(rb, ingress ?? {}, { [svc.name]: host }),
        ...(scaledByKeda(rb, svc) ? { scaledObjectSpec: scaledObjectSpec(rb, names, svc) } : {}),
        ...(svc.metricsPath ? { monitorSpec: serviceMonitorSpec(rb, names, serviceSelector(names, svc.name), "http", svc.name, svc.metricsPath) } : {}),
    };
}

/** The backups' runbook-derived Args: the CronJobs and the failed-job alert. */
export function backupsArgs(rb: Runbook, env: Env, { names }: Scope): Pick<BackupsArgs, "jobs" | "failureRules"> {
    return { jobs: scheduledJobs(rb, names), failureRules: jobFailureRules(rb, env, names) };
}
