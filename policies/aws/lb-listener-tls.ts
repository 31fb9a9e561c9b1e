import { finding, label, resourceRule } from "../lib/policy";
import { asArray, isRecord, num } from "../lib/values";

/**
 * ELB security policies that negotiate nothing older than TLS 1.2: the TLS 1.3 policies with a
 * TLS 1.2 or 1.3 floor, the TLS-1-2 and forward-secrecy FS-1-2 families. `ELBSecurityPolicy-TLS13-1-0-*`
 * and `-1-1-*` carry TLS 1.3 in their name but still accept TLS 1.0/1.1; the default (2016-08) accepts 1.0.
 */
const TLS12_POLICY = /^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)/;

/**
 * Load balancer listeners never carry traffic weaker than TLS 1.2 (FSBP ELB.17, checkov
 * CKV_AWS_103): an HTTPS/TLS listener negotiates TLS 1.2 or later, and an HTTP listener only
 * redirects to HTTPS (or answers with a fixed response); it never forwards plaintext to a service.
 */
export const awsLbListenerTls = resourceRule({
    name: "aws-lb-listener-tls",
    description: "HTTPS/TLS load balancer listeners use a TLS 1.2+ security policy; HTTP listeners redirect to HTTPS instead of forwarding plaintext.",
    tier: "security",
    target: "aws",
    types: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
    remediationSteps: "Set sslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06 (or another TLS13-1-2/1-3, TLS-1-2 or FS-1-2 policy); give the port 80 listener one default action { type: redirect, redirect: { protocol: HTTPS, port: 443, statusCode: HTTP_301 } }.",
    check: (s) => {
        const protocol = String(s.props.protocol ?? "").toUpperCase();
        if (protocol === "HTTPS" || protocol === "TLS") {
            const policy = s.props.sslPolicy;
            if (typeof policy !== "string" || !TLS12_POLICY.test(policy)) {
                return [
                    finding(
                        `${label(s)}: ${protocol} listener on port ${num(s.props.port) ?? "?"} has sslPolicy ${policy === undefined ? "not set (AWS defaults to ELBSecurityPolicy-2016-08, which accepts TLS 1.0)" : JSON.stringify(policy)}; allowed: ELBSecurityPolicy-TLS13-1-2-*, -TLS13-1-3-*, -TLS-1-2-* or -FS-1-2-* (TLS 1.2 or later only)`,
                    ),
                ];
            }
            return [];
        }
        if (protocol !== "HTTP") return [];
        const actions = asArray(s.props.defaultActions).filter(isRecord);
        return actions.flatMap((a, i) => {
            if (a.type === "fixed-response") return [];
            if (a.type === "redirect" && String(a.redirect?.protocol ?? "#{protocol}").toUpperCase() === "HTTPS") return [];
            const what = a.type === "redirect" ? `redirects to protocol ${a.redirect?.protocol ?? "#{protocol} (the request's own, HTTP)"}` : `is ${JSON.stringify(a.type)}`;
            return [finding(`${label(s)}: HTTP listener on port ${num(s.props.port) ?? "?"}: default action ${i} ${what}; plaintext HTTP must only redirect to HTTPS (protocol HTTPS, port 443)`)];
        });
    },
});
