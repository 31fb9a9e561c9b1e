import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { reachabilityProbeSpecs } from "../../../capabilities/kubernetes/reachability";
import type { reachabilityRules } from "../../../capabilities/reachability";
import {
    ALERTMANAGER_CONFIG_KEY,
    alertmanagerConfigSecret,
    blackboxValues,
    DASHBOARD_LABELS,
    GRAFANA_ADMIN_KEYS,
    grafanaAdminSecret,
    pushgatewayValues,
    type dashboardConfigMaps,
    type kubePrometheusStackValues,
    type lokiValues,
    type probeSpecs,
    type promtailValues,
    type runbookRules,
} from "../../../capabilities/kubernetes/monitoring";
import { namespaceLabels } from "../../../capabilities/kubernetes/security";
import { GRAFANA_ADMIN_USER } from "../../../capabilities/dashboards";
import { CHARTS } from "../../../capabilities/kubernetes/versions";
import type { DeliveryCredentials } from "../../../capabilities/alerting/delivery";
import { childOptions, meta, release, secretData, statefulOptions, type KubernetesScope } from "./scope";

export interface MonitoringArgs {
    /** Provider, names, protection and StorageClass of the Kubernetes target. */
    readonly scope: KubernetesScope;
    /** alertmanager.yml: the runbook's severities and escalation as routing, with the integrations these delivery credentials enable (`alertmanagerYaml`). */
    alertmanagerConfig(credentials: DeliveryCredentials): string;
    /** kube-prometheus-stack's values: scrape interval, retention, Grafana, by the stack's environment (`kubePrometheusStackValues`). */
    readonly stackValues: ReturnType<typeof kubePrometheusStackValues>;
    /** Loki's values, with the runbook's log retention (`lokiValues`). */
    readonly lokiValues: ReturnType<typeof lokiValues>;
    /** Promtail's values: this app's namespaces' pods (`promtailValues`). */
    readonly promtailValues: ReturnType<typeof promtailValues>;
    /** The runbook's alerts as a PrometheusRule spec; which page and which only warn follows the stack's environment (`runbookRules`). */
    readonly rules: ReturnType<typeof runbookRules>;
    /** One blackbox Probe per health, TLS and external-dependency check of the runbook (`probeSpecs`). */
    readonly probes: ReturnType<typeof probeSpecs>;
    /** The rules that page when a public host the stack publishes fails from outside (`reachabilityRules`; no groups when it publishes none). */
    readonly reachabilityRules: ReturnType<typeof reachabilityRules>;
    /** The probes of the stack's public hosts from their public URLs (`reachabilityProbeSpecs`). */
    readonly reachabilityProbes: ReturnType<typeof reachabilityProbeSpecs>;
    /** One ConfigMap per generated dashboard (`dashboardConfigMaps`). */
    readonly dashboards: ReturnType<typeof dashboardConfigMaps>;
    /** Grafana's generated admin password (`PlatformSecrets.grafanaAdmin`). */
    readonly grafanaAdminPassword: pulumi.Output<string>;
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
        const { scope } = args;
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
        const alertmanagerText = (args.delivery ?? pulumi.output({})).apply((credentials) => args.alertmanagerConfig(credentials));
        this.alertmanagerConfig = new k8s.core.v1.Secret(
            `${name}-alertmanager-config`,
            { metadata: meta(scope, alertmanagerConfigSecret(names), "alertmanager", ns), type: "Opaque", stringData: secretData({ [ALERTMANAGER_CONFIG_KEY]: pulumi.secret(alertmanagerText) }) },
            inNs,
        );

        this.stack = release(
            this,
            scope,
            `${name}-kube-prometheus-stack`,
            { chart: CHARTS.kubePrometheusStack, releaseName: names.releases.kubePrometheusStack, namespace: ns, values: args.stackValues },
            { dependsOn: [this.namespace, this.grafanaAdmin, this.alertmanagerConfig] },
        );
        this.loki = release(
            this,
            scope,
            `${name}-loki`,
            { chart: CHARTS.loki, releaseName: names.releases.loki, namespace: ns, values: args.lokiValues },
            { dependsOn: [this.namespace], protect: scope.protect },
        );
        this.promtail = release(this, scope, `${name}-promtail`, { chart: CHARTS.promtail, releaseName: names.releases.promtail, namespace: ns, values: args.promtailValues }, { dependsOn: [this.loki] });
        this.blackbox = release(this, scope, `${name}-blackbox-exporter`, { chart: CHARTS.blackboxExporter, releaseName: names.releases.blackbox, namespace: ns, values: blackboxValues(names) }, { dependsOn: [this.stack] });
        this.pushgateway = release(this, scope, `${name}-pushgateway`, { chart: CHARTS.pushgateway, releaseName: names.releases.pushgateway, namespace: ns, values: pushgatewayValues(names) }, { dependsOn: [this.stack] });

        const afterCrds = childOptions(this, scope, { dependsOn: [this.stack] });
        this.rules = new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: meta(scope, `${names.app}-runbook-alerts`, "alerting", ns), spec: args.rules },
            afterCrds,
        );
        this.probes = args.probes.map(
            (p) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-probe-${p.part}`,
                    { apiVersion: "monitoring.coreos.com/v1", kind: "Probe", metadata: meta(scope, `${names.app}-${p.part}`, "probe", ns), spec: p.spec },
                    childOptions(this, scope, { dependsOn: [this.stack, this.blackbox] }),
                ),
        );
        const outside = args.reachabilityRules;
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
            probes: args.reachabilityProbes.map(
                (p) =>
                    new k8s.apiextensions.CustomResource(
                        `${name}-probe-${p.part}`,
                        { apiVersion: "monitoring.coreos.com/v1", kind: "Probe", metadata: meta(scope, `${names.app}-${p.part}`, "probe", ns), spec: p.spec },
                        childOptions(this, scope, { dependsOn: [this.stack, this.blackbox] }),
                    ),
            ),
        };
        this.dashboards = args.dashboards.map(
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
