import test from "ava";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { readStackConfig, STACKS_DIR } from "../../cli/harness/stack-files";
import { getRunbook } from "../../runbooks";
import { MAX_BACKUP_RETENTION_DAYS } from "../../runbooks/overrides";
import { allStacks, ConfigError, parseStackName, PROJECT, resolveStack } from "../../stacks/settings";
import { AWS_REGIONS, GRAFANA_CIDR_WIDEST_PREFIX, partitionOf, SYSTEM_NAMESPACES } from "../../stacks/settings-checks";

/**
 * The review's bad config as a user meets it (findings 16-20, 25): each value refused before any
 * resource, by an error naming the stack, the key, the value and what is allowed. The cases are
 * the reviewer's own edits of the committed stack files; the numbers come from the runbooks and
 * the platform's constants.
 */

const PROD = "bunty-production";
const STAGING = "bunty-staging";
const postgres = getRunbook("bunty").backups.find((b) => b.dataset === "postgres")!;

function fileText(stack: string, extra: Record<string, unknown> = {}, kubernetes: Record<string, unknown> = {}): string {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, any> };
    const k8s = doc.config[`${PROJECT}:kubernetes`];
    return YAML.stringify({ config: { ...doc.config, ...(k8s ? { [`${PROJECT}:kubernetes`]: { ...k8s, ...kubernetes } } : {}), ...extra } });
}
const resolve = (stack: string, text: string) => resolveStack(stack, readStackConfig(stack, text).config);

/** The error for `text`, which must name the stack and each of `expect`. */
function refused(t: import("ava").ExecutionContext, stack: string, text: string, ...expect: RegExp[]): string {
    const err = t.throws(() => resolve(stack, text), { instanceOf: ConfigError });
    const message = err?.message ?? "";
    t.true(message.startsWith(`stack ${stack}:`), `names the stack: ${message}`);
    for (const e of expect) t.regex(message, e);
    return message;
}
const aws = (value: Record<string, unknown>) => ({ [`${PROJECT}:aws`]: value });
const overrides = (value: Record<string, unknown>) => ({ [`${PROJECT}:overrides`]: value });

test("16/17: aws:allowedAccountIds as a scalar is a clear error, and a copy account in it is the stack's own", (t) => {
    const copy = { backupCopy: { account: "210987654321", roleArn: "arn:aws:iam::210987654321:role/copy" } };
    const message = refused(t, PROD, fileText(PROD, { "aws:allowedAccountIds": "123456789012", ...aws(copy) }), /aws:allowedAccountIds = "123456789012": allowed: a list of 12-digit AWS account ids/);
    t.notRegex(message, /is not a function/);
    const own = { backupCopy: { account: "123456789012", roleArn: "arn:aws:iam::123456789012:role/copy" } };
    refused(t, PROD, fileText(PROD, { "aws:allowedAccountIds": ["123456789012"], ...aws(own) }), /aws\.backupCopy\.account = "123456789012": the stack's own account \(aws:allowedAccountIds\); allowed: another account/);
});

test("18: a six-field or never-firing backup cron is refused at the edge, on every target, naming the key", (t) => {
    const key = `backups.${postgres.dataset}.cron`;
    for (const stack of [PROD, STAGING]) {
        refused(t, stack, fileText(stack, overrides({ [key]: `0 ${postgres.cron}` })), new RegExp(`${PROJECT}:overrides\\.${key.replace(/\./g, "\\.")} = "0 ${postgres.cron.replace(/\*/g, "\\*")}": a cron expression of 6 fields, not five`), /allowed: a cron schedule at least as frequent as/);
        refused(t, stack, fileText(stack, overrides({ [key]: "0 1 31 2 *" })), /= "0 1 31 2 \*": a schedule that never fires \(no date has that day of month/);
        refused(t, stack, fileText(stack, overrides({ [key]: "0 1 30 2 *" })), /a schedule that never fires/);
    }
    t.notThrows(() => resolve(PROD, fileText(PROD, overrides({ [key]: postgres.cron }))), "the runbook's own cron is accepted");
});

test("25: a backup retention above the platform's maximum is refused, naming the key, the value and the range", (t) => {
    const key = `backups.${postgres.dataset}.retentionDays`;
    refused(t, PROD, fileText(PROD, overrides({ [key]: 100000 })), new RegExp(`${key.replace(/\./g, "\\.")} = 100000: above the platform's maximum of ${MAX_BACKUP_RETENTION_DAYS}: .*vault lock.*allowed: a whole number >= ${postgres.retentionDays} \\(the runbook's\\) and <= ${MAX_BACKUP_RETENTION_DAYS}`));
    refused(t, PROD, fileText(PROD, overrides({ [key]: MAX_BACKUP_RETENTION_DAYS + 1 })), /above the platform's maximum/);
    t.notThrows(() => resolve(PROD, fileText(PROD, overrides({ [key]: MAX_BACKUP_RETENTION_DAYS }))));
});

test("19: system namespaces, another app's namespace or context, and empty class names are refused", (t) => {
    for (const namespace of [...SYSTEM_NAMESPACES, "kube-flannel"]) {
        refused(t, STAGING, fileText(STAGING, {}, { namespace }), new RegExp(`kubernetes\\.namespace = "${namespace}": a namespace of the cluster itself.*allowed: a namespace of this app's own, e\\.g\\. bunty`));
    }
    refused(t, STAGING, fileText(STAGING, {}, { namespace: "formula-pm" }), /kubernetes\.namespace = "formula-pm": it or its -monitoring\/-operators namespace is app formula-pm's \(formula-pm, formula-pm-monitoring, formula-pm-operators\)/);
    refused(t, STAGING, fileText(STAGING, {}, { namespace: "gravitypm-operators" }), /is app gravitypm's/);
    refused(t, STAGING, fileText(STAGING, {}, { context: "formula-pm-staging" }), /kubernetes\.context = "formula-pm-staging": the context of stack formula-pm-staging/);
    for (const field of ["storageClass", "ingressClass", "clusterIssuer"]) refused(t, STAGING, fileText(STAGING, {}, { [field]: "" }), new RegExp(`kubernetes\\.${field} = "": .*allowed: `));
    t.notThrows(() => resolve(STAGING, fileText(STAGING, {}, { namespace: "bunty-team" })));
});

test("19: no two stack files share a Kubernetes context or namespace", (t) => {
    const seen = new Map<string, string>();
    let checked = 0;
    for (const stack of allStacks()) {
        const k8s = readStackConfig(stack).config[`${PROJECT}:kubernetes`];
        if (!k8s) continue;
        const { context, namespace } = JSON.parse(k8s) as { context?: string; namespace?: string };
        const ns = namespace ?? parseStackName(stack).app;
        for (const key of [`context ${context}`, `namespace ${ns} (context ${context})`]) {
            t.is(seen.get(key), undefined, `${stack} and ${seen.get(key)} both use ${key}`);
            seen.set(key, stack);
        }
        checked++;
    }
    t.true(checked >= 5, "every staging stack is checked");
});

test("20: duplicate hosts name the keys and the host; an unknown or cross-partition copy region and a /0 Grafana CIDR are refused; protect stays on in production", (t) => {
    refused(t, STAGING, fileText(STAGING, { [`${PROJECT}:hosts`]: { backend: "api-staging.bunty.io", frontend: "api-staging.bunty.io" } }), /runbook-platform:hosts\.backend, runbook-platform:hosts\.frontend = "api-staging\.bunty\.io": services backend and frontend on one host/);
    const other = AWS_REGIONS.find((r) => partitionOf(r) === "aws" && r !== getRunbook("bunty").aws.region)!;
    refused(t, PROD, fileText(PROD, aws({ backupCopy: { region: "xx-nowhere-9" } })), new RegExp(`aws\\.backupCopy\\.region = "xx-nowhere-9": no such AWS region.*allowed: .*${other}`));
    const china = AWS_REGIONS.find((r) => partitionOf(r) === "aws-cn")!;
    refused(t, PROD, fileText(PROD, aws({ backupCopy: { region: china } })), new RegExp(`"${china}": a region of partition aws-cn`));
    t.notThrows(() => resolve(PROD, fileText(PROD, aws({ backupCopy: { region: other } }))));
    refused(t, PROD, fileText(PROD, aws({ grafanaAllowedCidrs: ["0.0.0.0/0"] })), new RegExp(`aws\\.grafanaAllowedCidrs\\.0 = "0\\.0\\.0\\.0/0": .*narrows nothing.*allowed: networks of /${GRAFANA_CIDR_WIDEST_PREFIX} or narrower`));
    refused(t, PROD, fileText(PROD, aws({ grafanaAllowedCidrs: ["203.0.113.7/24"] })), /host bits set .*allowed: the network address, 203\.0\.113\.0\/24/);
    t.notThrows(() => resolve(PROD, fileText(PROD, aws({ grafanaAllowedCidrs: ["203.0.113.0/24", "10.0.0.0/8"] }))));
    const exception = { [`${PROJECT}:exceptions`]: [{ key: "protect", reason: "a throwaway production rehearsal, deleted after the test" }] };
    refused(t, PROD, fileText(PROD, { [`${PROJECT}:protect`]: false, ...exception }), /runbook-platform:protect = false: .*an exception for key protect does not lift this.*allowed: true, or leave the key out/);
});
