import { ALB_DEFAULT_SESSION_SECONDS, GRAFANA_CONTAINER, GRAFANA_SIGN_IN } from "../../capabilities/aws/grafana";
import { finding, label, stackRule, type Subject } from "../lib/policy";
import { absentTarget, ofType } from "../lib/targets";
import { isUnknown } from "../lib/inputs";
import { asArray, isRecord, num } from "../lib/values";

const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
const RULE = "aws:lb/listenerRule:ListenerRule";
const LISTENER = "aws:lb/listener:Listener";
const ECS_SERVICE = "aws:ecs/service:Service";
const USER_POOL = "aws:cognito/userPool:UserPool";
const AUTHENTICATE = ["authenticate-cognito", "authenticate-oidc"];

/** Whether `arn` names this target group: its ARN carries the group's name; unknown until deploy, `from` names it by depending on it. */
function names(arn: unknown, group: Subject, from: Subject): boolean {
    if (typeof arn === "string" && typeof group.props.name === "string") return arn.includes(`:targetgroup/${group.props.name}/`);
    return (arn === undefined || isUnknown(arn)) && (from.dependencies ?? []).includes(group.urn);
}

/** The target groups an action forwards to (a single ARN, or a weighted forward's groups). */
function forwardsTo(action: Record<string, any>): unknown[] {
    if (action.type !== "forward") return [];
    return [action.targetGroupArn, ...asArray(action.forward?.targetGroups).filter(isRecord).map((g) => g.arn)].filter((a) => a !== undefined);
}

/**
 * Grafana is not public behind its own login alone (issue 15): every listener rule or listener
 * default action that forwards to Grafana's target group (the one an ECS service registers its
 * `grafana` container in) first runs an authenticate action that sends unauthenticated requests to
 * the sign-in (`onUnauthenticatedRequest` authenticate or deny, never allow); and every Cognito
 * user pool in the stack lets only administrators create users, requires MFA and
 * GRAFANA_SIGN_IN's password length; a sign-in session lasts no longer than GRAFANA_SIGN_IN's.
 */
export const awsLbListenerRuleGrafanaAuthenticated = stackRule({
    name: "aws-lb-listenerrule-grafana-authenticated",
    description: "Every load balancer rule that forwards to Grafana authenticates first (authenticate-cognito or authenticate-oidc, unauthenticated requests not allowed through, sessions no longer than the platform's); Cognito user pools are admin-created only, with MFA required.",
    tier: "security",
    target: "aws",
    remediationSteps: "Give Grafana's listener rule an authenticate-cognito action (order 1, onUnauthenticatedRequest: authenticate) before its forward (components/targets/aws/ingress.ts); the user pool: adminCreateUserConfig.allowAdminCreateUserOnly true, mfaConfiguration ON.",
    notApplicable: (resources) => {
        const absent = absentTarget(resources, "aws");
        if (absent) return absent;
        return ofType(resources, ECS_SERVICE).some((s) => asArray(s.props.loadBalancers).some((lb) => isRecord(lb) && lb.containerName === GRAFANA_CONTAINER)) ? undefined : "Grafana is behind no load balancer in this stack";
    },
    check: (resources) => {
        const groups = ofType(resources, TARGET_GROUP);
        const grafanaGroups = ofType(resources, ECS_SERVICE).flatMap((svc) =>
            asArray(svc.props.loadBalancers)
                .filter((lb) => isRecord(lb) && lb.containerName === GRAFANA_CONTAINER)
                .flatMap((lb) => groups.filter((g) => names(lb.targetGroupArn, g, svc))),
        );
        const out = ofType(resources, RULE, LISTENER).flatMap((r) => {
            const actions = asArray(r.type === RULE ? r.props.actions : r.props.defaultActions).filter(isRecord);
            return actions.flatMap((a, i) => {
                const target = forwardsTo(a).flatMap((arn) => grafanaGroups.filter((g) => names(arn, g, r)));
                if (target.length === 0) return [];
                const position = (x: Record<string, any>, j: number) => num(x.order) ?? j + 1;
                const auth = actions.filter((x, j) => AUTHENTICATE.includes(String(x.type)) && position(x, j) < position(a, i));
                if (auth.length === 0) return [finding(`${label(r)} forwards to Grafana (${label(target[0])}) without an authenticate action before it; anyone on the internet reaches Grafana's login`, { urn: r.urn })];
                return auth.flatMap((x) => {
                    const cfg = x.type === "authenticate-cognito" ? x.authenticateCognito : x.authenticateOidc;
                    const on = isRecord(cfg) ? cfg.onUnauthenticatedRequest : undefined;
                    const problems = on === "allow" ? [finding(`${label(r)}: ${x.type} lets unauthenticated requests through to Grafana (onUnauthenticatedRequest: allow); allowed: authenticate or deny`, { urn: r.urn })] : [];
                    const timeout = isRecord(cfg) ? num(cfg.sessionTimeout) : undefined;
                    if (timeout === undefined || timeout > GRAFANA_SIGN_IN.sessionTimeoutSeconds) {
                        problems.push(
                            finding(
                                `${label(r)}: ${x.type} keeps a Grafana sign-in for ${timeout === undefined ? `the load balancer's default ${ALB_DEFAULT_SESSION_SECONDS}` : timeout} seconds; allowed: at most ${GRAFANA_SIGN_IN.sessionTimeoutSeconds} (one working day, capabilities/aws/grafana.ts GRAFANA_SIGN_IN.sessionTimeoutSeconds), so a left-open or stolen session asks Cognito and its second factor again`,
                                { urn: r.urn },
                            ),
                        );
                    }
                    return problems;
                });
            });
        });
        for (const pool of ofType(resources, USER_POOL)) {
            if (pool.props.adminCreateUserConfig?.allowAdminCreateUserOnly !== true) out.push(finding(`${label(pool)}: anyone can sign up (adminCreateUserConfig.allowAdminCreateUserOnly is not true); allowed: users an administrator creates`, { urn: pool.urn }));
            if (pool.props.mfaConfiguration !== "ON") out.push(finding(`${label(pool)}: mfaConfiguration is ${pool.props.mfaConfiguration ?? "not set (OFF)"}; allowed: ON`, { urn: pool.urn }));
            const length = num(pool.props.passwordPolicy?.minimumLength);
            if (length === undefined || length < GRAFANA_SIGN_IN.passwordPolicy.minimumLength) out.push(finding(`${label(pool)}: passwords of ${length ?? "Cognito's default 8"} characters; allowed: at least ${GRAFANA_SIGN_IN.passwordPolicy.minimumLength}`, { urn: pool.urn }));
        }
        return out;
    },
});
