import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { copyAccountKeyStatements } from "../../../capabilities/aws/vault-protection";
import { child, type AwsScope } from "./scope";

export interface AwsKeysArgs extends AwsScope {
    /** The stack's `aws.backupCopy.account`: both keys' policies let it use them for AWS Backup's cross-account copies. */
    readonly copyAccountId?: string;
}

/** Days a scheduled key deletion waits: the longest KMS allows, so a mistaken deletion can be cancelled. */
export const KEY_DELETION_WINDOW_DAYS = 30;

/**
 * Customer-managed KMS keys: one for the data services, secrets, logs and alert topics, one for
 * the backup vaults. Both are protected and retained on delete: recovery points and final
 * snapshots outlive the stack, and they are unreadable without their key.
 */
export class AwsKeys extends pulumi.ComponentResource {
    /** Data services, Secrets Manager, CloudWatch Logs, SNS. */
    public readonly data: aws.kms.Key;
    /** AWS Backup vaults. */
    public readonly backup: aws.kms.Key;

    constructor(name: string, args: AwsKeysArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:aws:Keys", name, {}, opts);
        const { partition, accountId, region } = args;
        const root = pulumi.interpolate`arn:${partition}:iam::${accountId}:root`;
        const keep = { protect: args.protect, retainOnDelete: true };
        const copyStatements = args.copyAccountId ? copyAccountKeyStatements(pulumi.interpolate`arn:${partition}:iam::${args.copyAccountId}:root`) : [];

        const dataPolicy = pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" },
                {
                    Sid: "CloudWatchLogs",
                    Effect: "Allow",
                    Principal: { Service: `logs.${region}.amazonaws.com` },
                    Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                    Resource: "*",
                    Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:*` } },
                },
                {
                    // CloudWatch alarms and Amazon Managed Prometheus publish to the encrypted alert topics.
                    Sid: "AlertPublishers",
                    Effect: "Allow",
                    Principal: { Service: ["cloudwatch.amazonaws.com", "aps.amazonaws.com"] },
                    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                    Resource: "*",
                    // Confused deputy: only on behalf of this account's alarms and workspaces, as the topics' own policy says.
                    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                },
                ...copyStatements,
            ],
        });
        this.data = new aws.kms.Key(
            `${name}-data`,
            { description: `${args.names.prefix}: data services, secrets, logs and alert topics`, enableKeyRotation: true, deletionWindowInDays: KEY_DELETION_WINDOW_DAYS, policy: dataPolicy },
            child(this, args, keep),
        );
        new aws.kms.Alias(`${name}-data-alias`, { name: `alias/${args.names.prefix}-data`, targetKeyId: this.data.keyId }, child(this, args));

        this.backup = new aws.kms.Key(
            `${name}-backup`,
            {
                description: `${args.names.prefix}: AWS Backup vaults`,
                enableKeyRotation: true,
                deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
                // Without a copy account the key keeps KMS's default policy (the account's root).
                ...(args.copyAccountId
                    ? { policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [{ Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" }, ...copyStatements] }) }
                    : {}),
            },
            child(this, args, keep),
        );
        new aws.kms.Alias(`${name}-backup-alias`, { name: `alias/${args.names.prefix}-backup`, targetKeyId: this.backup.keyId }, child(this, args));
        this.registerOutputs({ data: this.data.arn, backup: this.backup.arn });
    }
}
