import { finding, label, stackRule, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { asArray, isRecord, num } from "../lib/values";

/**
 * ELB security policies that negotiate nothing older than TLS 1.2: the TLS 1.3 policies with a
 * TLS 1.2 or 1.3 floor, the TLS-1-2 and forward-secrecy FS-1-2 families. `ELBSecurityPolicy-TLS13-1-0-*`
 * and `-1-1-*` carry TLS 1.3 in their name but still accept TLS 1.0/1.1; the default (2016-08) accepts 1.0.
 */
const TLS12_POLICY = /^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)/;

const LISTENERS = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
const LISTENER_RULES = ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"];

/** An action that answers a plaintext request without passing it on: a fixed response, or a redirect to HTTPS. */
function plaintextAction(a: Record<string, any>, i: number, where: string): string[] {
    if (a.type === "fixed-response") return [];
    if (a.type === "redirect" && String(a.redirect?.protocol ?? "#{protocol}").toUpperCase() === "HTTPS") return [];
    const what = a.type === "redirect" ? `redirects to protocol ${a.redirect?.protocol ?? "#{protocol} (the request's own, HTTP)"}` : `is ${JSON.stringify(a.type)}`;
    return [`${where} action ${i} ${what}; plaintext HTTP must only redirect to HTTPS (protocol HTTPS, port 443)`];
}

function listenerFindings(s: Subject) {
    const protocol = String(s.props.protocol ?? "").toUpperCase();
    if (protocol === "HTTPS" || protocol === "TLS") {
        const policy = s.props.sslPolicy;
        if (typeof policy === "string" && TLS12_POLICY.test(policy)) return [];
        return [
            finding(
                `${label(s)}: ${protocol} listener on port ${num(s.props.port) ?? "?"} has sslPolicy ${policy === undefined ? "not set (AWS defaults to ELBSecurityPolicy-2016-08, which accepts TLS 1.0)" : JSON.stringify(policy)}; allowed: ELBSecurityPolicy-TLS13-1-2-*, -TLS13-1-3-*, -TLS-1-2-* or -FS-1-2-* (TLS 1.2 or later only)`,
                { urn: s.urn },
            ),
        ];
    }
    if (protocol !== "HTTP") return [];
    return asArray(s.props.defaultActions)
        .filter(isRecord)
        .flatMap((a, i) => plaintextAction(a, i, `${label(s)}: HTTP listener on port ${num(s.props.port) ?? "?"}: default`))
        .map((m) => finding(m, { urn: s.urn }));
}

/**
 * Load balancer listeners never carry traffic weaker than TLS 1.2 (FSBP ELB.17, checkov
 * CKV_AWS_103): an HTTPS/TLS listener negotiates TLS 1.2 or later, and an HTTP listener only
 * redirects to HTTPS (or answers with a fixed response), by its default action and by every
 * listener rule on it (matched by dependency, as a first preview knows no ARNs); it never forwards
 * plaintext to a service.
 */
export const awsLbListenerTls = stackRule({
    name: "aws-lb-listener-tls",
    description: "HTTPS/TLS load balancer listeners use a TLS 1.2+ security policy; HTTP listeners and their rules redirect to HTTPS instead of forwarding plaintext.",
    tier: "security",
    target: "aws",
    remediationSteps: "Set sslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06 (or another TLS13-1-2/1-3, TLS-1-2 or FS-1-2 policy); give the port 80 listener one default action { type: redirect, redirect: { protocol: HTTPS, port: 443, statusCode: HTTP_301 } } and attach forwarding rules to the HTTPS listener.",
    notApplicable: (resources) => absentTarget(resources, "aws") ?? (ofType(resources, ...LISTENERS).length ? undefined : "the stack has no load balancer listener"),
    check: (resources) => {
        const listeners = ofType(resources, ...LISTENERS);
        const findings = listeners.flatMap(listenerFindings);
        const http = listeners.filter((l) => String(l.props.protocol ?? "").toUpperCase() === "HTTP");
        for (const rule of ofType(resources, ...LISTENER_RULES)) {
            const on = http.find((l) => rule.dependencies?.includes(l.urn) || (typeof rule.props.listenerArn === "string" && rule.props.listenerArn === l.props.arn));
            if (!on) continue;
            asArray(rule.props.actions)
                .filter(isRecord)
                .forEach((a, i) => {
                    for (const m of plaintextAction(a, i, `${label(rule)}: rule on the HTTP listener ${on.name}:`)) findings.push(finding(m, { urn: rule.urn }));
                });
        }
        return findings;
    },
});
