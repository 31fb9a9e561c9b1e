import test from "ava";
import { getRunbook } from "../../runbooks";
import { durationSeconds } from "../../runbooks/units";
import { quickestLevel, selects } from "../../policies/lib/selectors";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * k8s-alerting-pipeline-enabled (issue 13, class A: the in-cluster alerting pipeline switched off in
 * the kube-prometheus-stack values, outside the Alertmanager configuration the paging policy reads).
 */

const NS = "bunty-monitoring";

function fixture(): Fake[] {
    return [
        { type: "kubernetes:core/v1:Namespace", name: "ns", props: { metadata: { name: NS, labels: { "app.kubernetes.io/part-of": "bunty" } } } },
        { type: "kubernetes:core/v1:Secret", name: "am-config", props: { metadata: { name: "bunty-alertmanager-config", namespace: NS }, stringData: { "alertmanager.yaml": "route: {}" } } },
        {
            type: "kubernetes:helm.sh/v3:Release",
            name: "kps",
            props: {
                chart: "kube-prometheus-stack",
                name: "kps",
                namespace: NS,
                version: "65.1.1",
                values: {
                    alertmanager: { alertmanagerSpec: { useExistingSecret: true, configSecret: "bunty-alertmanager-config" } },
                    prometheus: { prometheusSpec: { ruleSelectorNilUsesHelmValues: false, evaluationInterval: "15s" } },
                },
            },
        },
        {
            type: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
            name: "rules",
            props: { metadata: { name: "bunty-runbook-alerts", namespace: NS, labels: { "app.kubernetes.io/part-of": "bunty" } }, spec: { groups: [{ name: "bunty-staging", rules: [] }] } },
        },
    ];
}

const values = (rs: Fake[]) => find(rs, "kps").props.values;

test("k8s-alerting-pipeline-enabled: Alertmanager and Prometheus run, read the stack's configuration and rules, and evaluate in time", async (t) => {
    const quickest = quickestLevel(getRunbook("bunty"))!;
    await compliantAndBroken(t, "k8s-alerting-pipeline-enabled", "bunty-staging", fixture, {
        "Alertmanager disabled": { edit: (rs) => (values(rs).alertmanager.enabled = false), expect: /alertmanager\.enabled is false/ },
        "no Alertmanager replica": { edit: (rs) => (values(rs).alertmanager.alertmanagerSpec.replicas = 0), expect: /alertmanagerSpec\.replicas is 0/ },
        "Alertmanager reads another Secret": { edit: (rs) => (values(rs).alertmanager.alertmanagerSpec.configSecret = "other-secret"), expect: /configSecret is "other-secret", not a Secret this stack creates in bunty-monitoring/ },
        "Prometheus disabled": { edit: (rs) => (values(rs).prometheus.enabled = false), expect: /prometheus\.enabled is false/ },
        "no Prometheus replica": { edit: (rs) => (values(rs).prometheus.prometheusSpec.replicas = 0), expect: /prometheusSpec\.replicas is 0/ },
        "a rule selector no rule matches": { edit: (rs) => (values(rs).prometheus.prometheusSpec.ruleSelector = { matchLabels: { team: "nobody" } }), expect: /ruleSelector \{"matchLabels":\{"team":"nobody"\}\} does not select/ },
        "the chart's release selector": { edit: (rs) => delete values(rs).prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues, expect: /ruleSelector \{"matchLabels":\{"release":"kps"\}\} does not select/ },
        "a namespace selector that leaves out the rules' namespace": {
            edit: (rs) => (values(rs).prometheus.prometheusSpec.ruleNamespaceSelector = { matchExpressions: [{ key: "app.kubernetes.io/part-of", operator: "NotIn", values: ["bunty"] }] }),
            expect: /ruleNamespaceSelector .* does not select namespace bunty-monitoring/,
        },
        "rules evaluated every 30 minutes": { edit: (rs) => (values(rs).prometheus.prometheusSpec.evaluationInterval = "30m"), expect: new RegExp(`evaluationInterval is "30m": rules are evaluated less often than ${quickest.seconds}s`) },
        "a rule group evaluated every 30 minutes": { edit: (rs) => (find(rs, "rules").props.spec.groups[0].interval = "30m"), expect: /group "bunty-staging" interval "30m"/ },
    });
});

test("k8s-alerting-pipeline-enabled: tightening passes (more replicas, a selector the rules match, a shorter interval)", async (t) => {
    const rs = fixture();
    values(rs).alertmanager.alertmanagerSpec.replicas = 3;
    values(rs).prometheus.prometheusSpec.replicas = 2;
    values(rs).prometheus.prometheusSpec.ruleSelector = { matchLabels: { "app.kubernetes.io/part-of": "bunty" } };
    values(rs).prometheus.prometheusSpec.evaluationInterval = "10s";
    t.deepEqual((await check("k8s-alerting-pipeline-enabled", "bunty-staging", rs)).messages, []);
});

test("quickestLevel is the runbook's shortest non-zero `for`; selects follows Kubernetes label selectors", (t) => {
    const rb = getRunbook("bunty");
    const fors = rb.alerts.flatMap((a) => a.levels.map((l) => durationSeconds(l.for))).filter((s) => s > 0);
    t.is(quickestLevel(rb)?.seconds, Math.min(...fors));
    t.true(selects({}, {}));
    t.true(selects({ matchExpressions: [{ key: "a", operator: "Exists" }] }, { a: "1" }));
    t.false(selects({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "1" }));
    t.false(selects({ matchExpressions: [{ key: "a", operator: "In", values: ["2"] }] }, { a: "1" }));
    t.false(selects({ matchLabels: { a: "1" } }, {}));
});
