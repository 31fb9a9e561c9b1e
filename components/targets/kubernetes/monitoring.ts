import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
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
import { childOptions, meta, release, secretData, statefulOptions, type KubernetesScope } from "./scope";

export interface MonitoringArgs {
    readonly scope: KubernetesScope;
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
    public readonly dashboards: k8s.core.v1.ConfigMap[];

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:kubernetes:Monitoring", name, {}, opts);
        const { scope } = args;
        const { context, names: n } = scope;
        const rb = context.runbook;
        const ns = n.monitoring;

        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: ns, labels: namespaceLabels(n, "monitoring") } },
            statefulOptions(this, scope),
        );
        const inNs = childOptions(this, scope, { dependsOn: [this.namespace] });

        this.grafanaAdmin = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: meta(scope, grafanaAdminSecret(n), "grafana", ns),
                type: "Opaque",
                stringData: secretData({ [GRAFANA_ADMIN_KEYS.user]: GRAFANA_ADMIN_USER, [GRAFANA_ADMIN_KEYS.password]: pulumi.secret(scope.secrets.grafanaAdmin.result) }),
            },
            inNs,
        );
        const alertmanagerText = (args.delivery ?? pulumi.output({})).apply((credentials) => alertmanagerYaml(rb, credentials));
        this.alertmanagerConfig = new k8s.core.v1.Secret(
            `${name}-alertmanager-config`,
            { metadata: meta(scope, alertmanagerConfigSecret(n), "alertmanager", ns), type: "Opaque", stringData: secretData({ [ALERTMANAGER_CONFIG_KEY]: pulumi.secret(alertmanagerText) }) },
            inNs,
        );

        this.stack = release(
            this,
            scope,
            `${name}-kube-prometheus-stack`,
            { chart: CHARTS.kubePrometheusStack, releaseName: n.releases.kubePrometheusStack, namespace: ns, values: kubePrometheusStackValues(rb, n, context.env, scope.storageClass) },
            { dependsOn: [this.namespace, this.grafanaAdmin, this.alertmanagerConfig] },
        );
        this.loki = release(
            this,
            scope,
            `${name}-loki`,
            { chart: CHARTS.loki, releaseName: n.releases.loki, namespace: ns, values: lokiValues(rb, n, scope.storageClass) },
            { dependsOn: [this.namespace], protect: context.protect },
        );
        this.promtail = release(this, scope, `${name}-promtail`, { chart: CHARTS.promtail, releaseName: n.releases.promtail, namespace: ns, values: promtailValues(rb, n) }, { dependsOn: [this.loki] });
        this.blackbox = release(this, scope, `${name}-blackbox-exporter`, { chart: CHARTS.blackboxExporter, releaseName: n.releases.blackbox, namespace: ns, values: blackboxValues(n) }, { dependsOn: [this.stack] });
        this.pushgateway = release(this, scope, `${name}-pushgateway`, { chart: CHARTS.pushgateway, releaseName: n.releases.pushgateway, namespace: ns, values: pushgatewayValues(n) }, { dependsOn: [this.stack] });

        const afterCrds = childOptions(this, scope, { dependsOn: [this.stack] });
        this.rules = new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: meta(scope, `${n.app}-runbook-alerts`, "alerting", ns), spec: runbookRules(rb, context.env) },
            afterCrds,
        );
        this.probes = probeSpecs(rb, n).map(
            (p) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-probe-${p.part}`,
                    { apiVersion: "monitoring.coreos.com/v1", kind: "Probe", metadata: meta(scope, `${n.app}-${p.part}`, "probe", ns), spec: p.spec },
                    childOptions(this, scope, { dependsOn: [this.stack, this.blackbox] }),
                ),
        );
        this.dashboards = dashboardConfigMaps(rb).map(
            (d) =>
                new k8s.core.v1.ConfigMap(
                    `${name}-dashboard-${d.uid}`,
                    { metadata: meta(scope, `${n.app}-dashboard-${d.uid}`, "grafana", ns, { ...DASHBOARD_LABELS }), data: { [d.file]: d.json } },
                    inNs,
                ),
        );
        this.registerOutputs({ namespace: this.namespace.metadata.name });
    }
}
