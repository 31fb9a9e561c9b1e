import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { reachabilityProbeSpecs } from "../../../capabilities/kubernetes/reachability";
import { reachabilityRules, type PublicEndpoint } from "../../../capabilities/reachability";
import {
    ALERTMANAGER_CONFIG_KEY,
    alertmanagerConfigSecret,
    alertmanagerYaml,
    blackboxValues,
    DASHBOARD_LABELS,
    dashboardConfigMaps,
    GRAFANA_ADMIN_KEYS,
    grafanaAdminSecret,
    kubePrometheusStackValues,
    lokiValues,
    probeSpecs,
    promtailValues,
    pushgatewayValues,
    runbookRules,
} from "../../../capabilities/kubernetes/monitoring";
import { namespaceLabels } from "../../../capabilities/kubernetes/security";
import { GRAFANA_ADMIN_USER } from "../../../capabilities/dashboards";
import { CHARTS } from "../../../capabilities/kubernetes/versions";
import type { DeliveryCredentials } from "../../../capabilities/alerting/delivery";
import type { Env, Runbook } from "../../../runbooks";
import { childOptions, meta, release, secretData, statefulOptions, type KubernetesScope } from "./scope";

export interface MonitoringArgs {
    /** Provider, names, protection and StorageClass of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /**
     * The runbook with the stack's overrides: its alerts, severities and escalation (rules and
     * routing), services and external dependencies (probes), dashboards' data and log retention
     * are what this reads.
     */
    readonly runbook: Runbook;
    /** The stack's environment: which rules page and which only warn. */
    readonly env: Env;
    /** Grafana's generated admin password (`PlatformSecrets.grafanaAdmin`). */
    readonly grafanaAdminPassword: pulumi.Output<string>;
    /** The hosts the stack publishes through its ingress (capabilities/reachability.ts): each is probed from its public URL and pages when it fails. */
    readonly publicEndpoints: readonly PublicEndpoint[];
    /** The stack's alert-delivery credentials (`deliveryCredentials`, Pulumi secrets); an integration without one is left out. */
    readonly delivery?: pulumi.Output<DeliveryCredentials>;
}

/**
 * The monitoring namespace: kube-prometheus-stack (Prometheus, Alertmanager with the generated
 * routing from a Secret, Grafana with the generated dashboards and its admin password from a
 * Secret), Loki with the runbook's log retention and Promtail, the blackbox exporter with a Probe
 * per health, TLS and external-dependency check, the Pushgateway the backup jobs report to, and
 * the generated alert rules as a PrometheusRule.
 */
export class Monitoring extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly grafanaAdmin: k8s.core.v1.Secret;
    public readonly alertmanagerConfig: k8s.core.v1.Secret;
    /** Installs the Prometheus operator's CRDs: every ServiceMonitor, PodMonitor, Probe and PrometheusRule depends on it. */
    public readonly stack: k8s.helm.v3.Release;
    public readonly loki: k8s.helm.v3.Release;
    public readonly promtail: k8s.helm.v3.Release;
    public readonly blackbox: k8s.helm.v3.Release;
    public readonly pushgateway: k8s.helm.v3.Release;
    public readonly rules: k8s.apiextensions.CustomResource;
    public readonly probes: k8s.apiextensions.CustomResource[];
    /** The public hosts' probes and the rules that page when one fails (empty when the stack publishes no host). */
    public readonly reachability: { readonly rules?: k8s.apiextensions.CustomResource; readonly probes: k8s.apiextensions.CustomResource[] };
    public readonly dashboards: k8s.core.v1.ConfigMap[];

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Monitoring", name, {}, opts);
        const { scope, runbook: rb } = args;
        const { names } = scope;
        const ns = names.monitoring;

        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: ns, labels: namespaceLabels(names, "monitoring") } },
            statefulOptions(this, scope),
        );
        const inNs = childOptions(this, scope, { dependsOn: [this.namespace] });

        this.grafanaAdmin = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: meta(scope, grafanaAdminSecret(names), "grafana", ns),
                type: "Opaque",
                stringData: secretData({ [GRAFANA_ADMIN_KEYS.user]: GRAFANA_ADMIN_USER, [GRAFANA_ADMIN_KEYS.password]: pulumi.secret(args.grafanaAdminPassword) }),
            },
            inNs,
        );
        const alertmanagerText = (args.delivery ?? pulumi.output({})).apply((credentials) => alertmanagerYaml(rb, credentials));
        this.alertmanagerConfig = new k8s.core.v1.Secret(
            `${name}-alertmanager-config`,
            { metadata: meta(scope, alertmanagerConfigSecret(names), "alertmanager", ns), type: "Opaque", stringData: secretData({ [ALERTMANAGER_CONFIG_KEY]: pulumi.secret(alertmanagerText) }) },
            inNs,
        );

        this.stack = release(
            this,
            scope,
            `${name}-kube-prometheus-stack`,
            { chart: CHARTS.kubePrometheusStack, releaseName: names.releases.kubePrometheusStack, namespace: ns, values: kubePrometheusStackValues(rb, names, args.env, scope.storageClass) },
            { dependsOn: [this.namespace, this.grafanaAdmin, this.alertmanagerConfig] },
        );
        this.loki = release(
            this,
            scope,
            `${name}-loki`,
            { chart: CHARTS.loki, releaseName: names.releases.loki, namespace: ns, values: lokiValues(rb, names, scope.storageClass) },
            { dependsOn: [this.namespace], protect: scope.protect },
        );
        this.promtail = release(this, scope, `${name}-promtail`, { chart: CHARTS.promtail, releaseName: names.releases.promtail, namespace: ns, values: promtailValues(rb, names) }, { dependsOn: [this.loki] });
        this.blackbox = release(this, scope, `${name}-blackbox-exporter`, { chart: CHARTS.blackboxExporter, releaseName: names.releases.blackbox, namespace: ns, values: blackboxValues(names) }, { dependsOn: [this.stack] });
        this.pushgateway = release(this, scope, `${name}-pushgateway`, { chart: CHARTS.pushgateway, releaseName: names.releases.pushgateway, namespace: ns, values: pushgatewayValues(names) }, { dependsOn: [this.stack] });

        const afterCrds = childOptions(this, scope, { dependsOn: [this.stack] });
        this.rules = new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: meta(scope, `${names.app}-runbook-alerts`, "alerting", ns), spec: runbookRules(rb, args.env) },
            afterCrds,
        );
        this.probes = probeSpecs(rb, names).map(
            (p) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-probe-${p.part}`,
                    { apiVersion: "monitoring.coreos.com/v1", kind: "Probe", metadata: meta(scope, `${names.app}-${p.part}`, "probe", ns), spec: p.spec },
                    childOptions(this, scope, { dependsOn: [this.stack, this.blackbox] }),
                ),
        );
        const outside = reachabilityRules(rb, args.env, args.publicEndpoints);
        this.reachability = {
            ...(outside.groups.length
                ? {
                      rules: new k8s.apiextensions.CustomResource(
                          `${name}-reachability-rules`,
                          { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: meta(scope, `${names.app}-reachability-alerts`, "alerting", ns), spec: outside },
                          afterCrds,
                      ),
                  }
                : {}),
            probes: reachabilityProbeSpecs(rb, names, args.publicEndpoints).map(
                (p) =>
                    new k8s.apiextensions.CustomResource(
                        `${name}-probe-${p.part}`,
                        { apiVersion: "monitoring.coreos.com/v1", kind: "Probe", metadata: meta(scope, `${names.app}-${p.part}`, "probe", ns), spec: p.spec },
                        childOptions(this, scope, { dependsOn: [this.stack, this.blackbox] }),
                    ),
            ),
        };
        this.dashboards = dashboardConfigMaps(rb).map(
            (d) =>
                new k8s.core.v1.ConfigMap(
                    `${name}-dashboard-${d.uid}`,
                    { metadata: meta(scope, `${names.app}-dashboard-${d.uid}`, "grafana", ns, { ...DASHBOARD_LABELS }), data: { [d.file]: d.json } },
                    inNs,
                ),
        );
        this.registerOutputs({ namespace: this.namespace.metadata.name });
    }
}
