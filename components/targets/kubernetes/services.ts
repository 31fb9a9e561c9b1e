import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    certificateFor,
    hpaSpec,
    ingressSpec,
    namespaceCertificates,
    pdbSpec,
    serviceSpec,
    type certificateSpec,
    type deploymentSpec,
    type IngressSettings,
    type NamespaceCertificate,
    type scaledObjectSpec,
} from "../../../capabilities/kubernetes/apps";
import type { serviceMonitorSpec } from "../../../capabilities/kubernetes/monitoring";
import { LABEL, serviceSelector } from "../../../capabilities/kubernetes/names";
import type { Service } from "../../../runbooks";
import { childOptions, meta, type KubernetesScope } from "./scope";

export interface AppServiceArgs {
    /** Provider, names and namespace of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** The runbook service this runs, with the stack's overrides: name, port, health and metrics paths, replicas, resources, scaling. */
    readonly service: Service;
    /** The Deployment's spec for the stack's image: replicas, probes, limits, the connection Secret where the service uses the data services (`deploymentSpec`); fails naming `images.<service>` when the image is not pinned. */
    deploymentSpec(image: string): ReturnType<typeof deploymentSpec>;
    /** The Ingress's annotations for the service's public host: cert-manager issuer and ingress class (`ingressAnnotations`); fails when the issuer is not set. */
    ingressAnnotations(host: string): Record<string, string>;
    /** Where the service scales on Kafka lag or queue depth (`scaledByKeda`), its KEDA ScaledObject spec from the runbook's topics and consumer group or queues (`scaledObjectSpec`); otherwise none (an HPA on CPU and memory). */
    readonly scaledObjectSpec?: ReturnType<typeof scaledObjectSpec>;
    /** Where the service exposes metrics (`metricsPath`), its ServiceMonitor spec at the runbook's scrape interval (`serviceMonitorSpec`); otherwise none. */
    readonly monitorSpec?: ReturnType<typeof serviceMonitorSpec>;
    /** The pinned image the stack gives the service (`images.<service>`). */
    readonly image: string;
    /** The service's public host. Defaults to none: no Ingress, no URL. */
    readonly host?: string;
    /** The stack's `kubernetes.ingressClass` and `kubernetes.clusterIssuer`; the issuer is required when `host` is set. Defaults to the cluster's default IngressClass and no issuer. */
    readonly ingress?: IngressSettings;
    /** The namespace certificate whose Secret the Ingress serves (`NamespaceCertificates`); required when `host` is set. */
    readonly certificate?: { readonly secretName: string; readonly resource: pulumi.Resource };
    /** The Prometheus operator's release (ServiceMonitor CRD). */
    readonly monitoringCrds: pulumi.Resource;
    /** KEDA's release; required when the service scales on Kafka lag. */
    readonly keda?: pulumi.Resource;
    /** What the pods need before they start: the connection Secret, the data services. */
    readonly dependsOn?: pulumi.Resource[];
}

/**
 * One runbook service: its Deployment (image from the stack, probes on the runbook's health path,
 * the runbook's requests and limits), a ClusterIP Service, an Ingress with TLS where the stack has
 * a public host for it, a PodDisruptionBudget, a ServiceMonitor where it exposes metrics, and its
 * autoscaler: an HPA on CPU and memory, or a KEDA ScaledObject on Kafka lag for a consumer.
 */
export class AppService extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    public readonly ingress?: k8s.networking.v1.Ingress;
    public readonly autoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
    public readonly scaledObject?: k8s.apiextensions.CustomResource;
    public readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    public readonly serviceMonitor?: k8s.apiextensions.CustomResource;
    /** `https://<host>` where the service is public. */
    public readonly url?: string;

    constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:AppService", name, {}, opts);
        const { scope, service: svc, image, host } = args;
        const { names } = scope;
        if (!image) throw new Error(`${names.app}: \`images.${svc.name}\` is required: the runbook runs service ${svc.name}`);
        const objectName = names.service(svc.name);
        const labels = { [LABEL.name]: svc.name };
        const inNs = childOptions(this, scope, { dependsOn: [scope.namespace] });

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            { metadata: meta(scope, objectName, "app", names.namespace, labels), spec: args.deploymentSpec(image) },
            // The autoscaler owns the replica count after the first rollout.
            childOptions(this, scope, { dependsOn: [scope.namespace, ...(args.dependsOn ?? [])], ignoreChanges: ["spec.replicas"] }),
        );
        this.service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta(scope, objectName, "app", names.namespace, serviceSelector(names, svc.name)), spec: serviceSpec(names, svc) }, inNs);
        if (host) {
            const settings = args.ingress ?? {};
            const annotations = args.ingressAnnotations(host);
            if (!args.certificate) throw new Error(`${names.app}: service ${svc.name} is public on ${host}; \`certificate\` (its namespace certificate) is required`);
            this.ingress = new k8s.networking.v1.Ingress(
                `${name}-ingress`,
                { metadata: { ...meta(scope, objectName, "app", names.namespace, labels), annotations }, spec: ingressSpec(names, svc, host, settings, args.certificate.secretName) },
                childOptions(this, scope, { dependsOn: [this.service, args.certificate.resource] }),
            );
            this.url = `https://${host}`;
        }
        if (args.scaledObjectSpec) {
            if (!args.keda) throw new Error(`${names.app}: service ${svc.name} scales on Kafka lag; \`keda\` (the KEDA release) is required`);
            this.scaledObject = new k8s.apiextensions.CustomResource(
                `${name}-scaled-object`,
                { apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: meta(scope, objectName, "autoscaling", names.namespace, labels), spec: args.scaledObjectSpec },
                childOptions(this, scope, { dependsOn: [this.deployment, args.keda] }),
            );
        } else {
            this.autoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                { metadata: meta(scope, objectName, "autoscaling", names.namespace, labels), spec: hpaSpec(names, svc) },
                childOptions(this, scope, { dependsOn: [this.deployment] }),
            );
        }
        this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(scope, objectName, "app", names.namespace, labels), spec: pdbSpec(names, svc) }, inNs);
        if (args.monitorSpec) {
            this.serviceMonitor = new k8s.apiextensions.CustomResource(
                `${name}-monitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: meta(scope, objectName, "metrics", names.namespace, labels),
                    spec: args.monitorSpec,
                },
                childOptions(this, scope, { dependsOn: [args.monitoringCrds] }),
            );
        }
        this.registerOutputs({ url: this.url });
    }
}

export interface NamespaceCertificatesArgs {
    /** Provider, names and namespace of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** Public host per service (the stack's `hosts`). */
    readonly hosts: Readonly<Record<string, string>>;
    /** A Certificate's spec: its hosts, the stack's `kubernetes.clusterIssuer` (required when there are hosts) (`certificateSpec`). */
    certificateSpec(certificate: NamespaceCertificate): ReturnType<typeof certificateSpec>;
}

/**
 * The app's TLS certificates on Kubernetes: cert-manager Certificates shared by every Ingress in
 * the namespace (`namespaceCertificates`), instead of one per Ingress through the annotation.
 */
export class NamespaceCertificates extends pulumi.ComponentResource {
    public readonly certificates: { readonly spec: NamespaceCertificate; readonly resource: k8s.apiextensions.CustomResource }[];

    constructor(name: string, args: NamespaceCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:NamespaceCertificates", name, {}, opts);
        const { scope, hosts } = args;
        this.certificates = namespaceCertificates(scope.names, hosts).map((spec, i) => ({
            spec,
            resource: new k8s.apiextensions.CustomResource(
                `${name}-${i + 1}`,
                { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: meta(scope, spec.name, "app", scope.names.namespace), spec: args.certificateSpec(spec) },
                childOptions(this, scope, { dependsOn: [scope.namespace] }),
            ),
        }));
        this.registerOutputs({ certificates: this.certificates.map((c) => c.spec.name) });
    }

    /** The Secret and resource of the certificate that holds `host`. */
    for(host: string): { readonly secretName: string; readonly resource: pulumi.Resource } {
        const spec = certificateFor(this.certificates.map((c) => c.spec), host);
        return { secretName: spec.name, resource: this.certificates.find((c) => c.spec === spec)!.resource };
    }
}
