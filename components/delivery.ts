import * as pulumi from "@pulumi/pulumi";
import type { DeliveryCredentials } from "../capabilities/alerting/delivery";
import type { PlatformArgs } from "./platform";

/**
 * The alert-delivery credentials a stack has, gathered into one value for targets whose
 * Alertmanager calls out itself (Docker, Kubernetes): the operator's secrets (pager key, chat
 * webhook, dead man's switch URL, relay password) and the stack's `alerting.smtp` setting.
 * `undefined` when the stack has none, so a laptop's config can be rendered once, in plain text.
 */
export function deliveryCredentials(args: PlatformArgs): pulumi.Output<DeliveryCredentials> | undefined {
    const { receivers } = args;
    const smtp = args.context.settings.alerting?.smtp;
    if (!smtp && Object.values(receivers).every((v) => v === undefined)) return undefined;
    return pulumi
        .all([receivers.pagerdutyRoutingKey, receivers.slackWebhookUrl, receivers.deadMansSwitchUrl, receivers.smtpPassword])
        .apply(([pagerdutyRoutingKey, slackWebhookUrl, deadMansSwitchUrl, authPassword]) => ({
            pagerdutyRoutingKey,
            slackWebhookUrl,
            deadMansSwitchUrl,
            ...(smtp ? { smtp: { ...smtp, ...(authPassword ? { authPassword } : {}) } } : {}),
        }));
}
