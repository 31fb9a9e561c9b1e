import test from "ava";
import { getRunbook } from "../../runbooks";
import { provenance } from "../../policies/lib/policy";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * Issue 13's classes that are not one target's alerting or backups: what retention silently
 * relies on (S3 versioning), and where a number comes from (runbook or platform default).
 */

const FORMULA = "formula-pm";
const formula = getRunbook(FORMULA);
const PROD = `${FORMULA}-production`;

function storage(): Fake[] {
    const files = formula.backups.find((b) => b.dataset === "files")!;
    return [
        { type: "aws:s3/bucket:Bucket", name: "storage", props: { bucket: "formula-pm-storage", tags: { "backup:files": "true" } } },
        { type: "aws:s3/bucketVersioning:BucketVersioning", name: "storage-versioning", props: { bucket: "formula-pm-storage", versioningConfiguration: { status: "Enabled" } }, dependsOn: ["storage"] },
        {
            type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            name: "storage-lifecycle",
            props: { bucket: "formula-pm-storage", rules: [{ id: "versions", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: files.retentionDays } }] },
            dependsOn: ["storage"],
        },
        { type: "aws:backup/selection:Selection", name: "files-selection", props: { name: "files", planId: "plan", selectionTags: [{ type: "STRINGEQUALS", key: "backup:files", value: "true" }] } },
        // A bucket nothing keeps versions of (logs expire outright): versioning is not asked of it.
        { type: "aws:s3/bucket:Bucket", name: "logs", props: { bucket: "formula-pm-logs" } },
    ];
}

test("aws-s3-bucket-versioning-retention: versioning on wherever file retention relies on it", async (t) => {
    const files = formula.backups.find((b) => b.dataset === "files")!;
    await compliantAndBroken(t, "aws-s3-bucket-versioning-retention", PROD, storage, {
        "versioning suspended": {
            edit: (rs) => (find(rs, "storage-versioning").props.versioningConfiguration.status = "Suspended"),
            expect: new RegExp(`"storage" versioning is Suspended, but .*keeps noncurrent versions and AWS Backup selects it by tag backup:files=true.*the runbook keeps file backups ${files.retentionDays} days.*backups.files.retentionDays`),
        },
        "versioning removed": { edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "storage-versioning"), 1), expect: /"storage" has no versioning configuration, but/ },
        "versioning removed, only AWS Backup relies on it": {
            edit: (rs) => rs.splice(rs.findIndex((r) => r.name === "storage-versioning"), 2),
            expect: /"storage" has no versioning configuration, but AWS Backup selects it by tag backup:files=true/,
        },
    });
    // Tightening: a longer noncurrent retention and an extra tag are not reported.
    const tighter = storage();
    find(tighter, "storage-lifecycle").props.rules[0].noncurrentVersionExpiration.noncurrentDays = files.retentionDays * 2;
    find(tighter, "storage").props.tags.team = "files";
    t.deepEqual((await check("aws-s3-bucket-versioning-retention", PROD, tighter)).messages, []);
});

test("a defaulted number is called a platform default, with its reason, never the runbook's", async (t) => {
    // formula-pm's runbook gives no scaling targets: they are platform defaults (runbooks/defaults.ts).
    const svc = formula.services[0];
    const reason = svc.scaling.defaulted?.cpuTargetPercent;
    t.truthy(reason, "formula-pm's CPU target is defaulted in the runbook data");
    const p = provenance(svc.scaling, "cpuTargetPercent");
    t.true(p.defaulted);
    t.true(p.cite.includes(reason!));
    const policy = {
        type: "aws:appautoscaling/policy:Policy",
        name: `${svc.name}-cpu`,
        props: {
            resourceId: `service/${FORMULA}/${svc.name}`,
            targetTrackingScalingPolicyConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, targetValue: svc.scaling.cpuTargetPercent + 10 },
        },
    };
    const { messages } = await check("aws-appautoscaling-runbook-targets", PROD, [{ type: "aws:ecs/service:Service", name: svc.name, props: { name: svc.name } }, policy]);
    const cpu = messages.find((m) => m.includes("ECSServiceAverageCPUUtilization") || m.includes(`${svc.name}-cpu`));
    t.truthy(cpu, messages.join("\n"));
    t.true(cpu!.includes(`a platform default, not the runbook's: ${reason}`), cpu);
    t.false(/the runbook scales/.test(cpu!), cpu);
    // A number the runbook states keeps its citation.
    const stated = getRunbook("pfm-community").services.find((s) => !s.scaling.defaulted?.cpuTargetPercent && !s.scaling.defaulted?.["*"]);
    if (stated) t.false(provenance(stated.scaling, "cpuTargetPercent").defaulted);
});
