import test from "ava";
import { getRunbook } from "../../runbooks";
import { compliantAndBroken, type Fake } from "./helpers";

/**
 * aws-s3-bucket-lifecycle-retention (issue 13, class B): a data bucket no file backup covers keeps
 * old versions as long as the runbook's longest-kept backup, and a shorter rule added beside the
 * one that keeps them decides (the shortest enabled rule applying to the objects wins).
 */

test("aws-s3-bucket-lifecycle-retention: an added shorter rule on a bucket no file backup covers is caught, with the default's provenance", async (t) => {
    const pfh = getRunbook("personal-finance-hub");
    const longest = [...pfh.backups].sort((a, b) => b.retentionDays - a.retentionDays)[0];
    t.falsy(pfh.backups.find((b) => b.dataset === "files"), "personal-finance-hub has no file backup: the case this test covers");
    const rules = (): Fake[] => [
        {
            type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            name: "storage-lifecycle",
            props: { bucket: "personal-finance-hub-storage-pfh-bucket-id", rules: [{ id: "keep-old-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: longest.retentionDays } }] },
        },
    ];
    const add = (rule: Record<string, unknown>) => (rs: Fake[]) => rs[0].props.rules.push({ status: "Enabled", filter: {}, ...rule });
    await compliantAndBroken(t, "aws-s3-bucket-lifecycle-retention", "personal-finance-hub-production", rules, {
        "an added rule expiring objects after a day": {
            edit: add({ id: "x", expiration: { days: 1 } }),
            expect: new RegExp(`rule "x" .*expiration.days is 1; no file backup covers this bucket.*${longest.dataset} ${longest.retentionDays} days \\(a platform default, not the runbook's`),
        },
        "an added rule dropping old versions after a day": { edit: add({ id: "y", noncurrentVersionExpiration: { noncurrentDays: 1 } }), expect: /rule "y" .*noncurrentVersionExpiration.noncurrentDays is 1/ },
    });
});
