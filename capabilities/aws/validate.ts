import type { Runbook } from "../../runbooks";
import { backupFor } from "../schedules";
import { backupRules, restoreTestSpec, START_WINDOW_MINUTES } from "./backups";
import { documentDbEngine, documentDbInstanceClass } from "./documentdb";
import { cacheNodeType, ELASTICACHE_MAX_SNAPSHOT_DAYS, elastiCacheEngineVersion } from "./elasticache";
import { cloudWatchRetentionDays } from "./logs";
import { mskBrokerInstance, mskKafkaVersion, mskSubnetCount } from "./msk";
import { subnetLayout, VPC_CIDR } from "./network";
import { rdsParameters, rdsSize } from "./rds";
import { automatedBackupWindow, maintenanceWindow, snapshotWindow } from "./windows";

/**
 * Everything in a runbook the AWS target cannot build, found before any resource is registered:
 * the same decisions the components make, each failure with the runbook fields it names.
 */
export function awsProblems(rb: Runbook): string[] {
    const problems: string[] = [];
    const check = (fn: () => unknown) => {
        try {
            fn();
        } catch (e) {
            problems.push((e as Error).message);
        }
    };
    const starts = (dataset: "postgres" | "mongodb") => {
        const b = backupFor(rb, dataset);
        return b ? [{ cron: b.cron, startWindowMinutes: START_WINDOW_MINUTES }] : [];
    };
    check(() => subnetLayout(VPC_CIDR, rb.aws.availabilityZones));
    check(() => cloudWatchRetentionDays(rb.logs.retentionDays));
    check(() => maintenanceWindow(rb));
    check(() => backupRules(rb));
    check(() => restoreTestSpec(rb));
    const { postgres, redis, kafka, mongodb } = rb.data;
    if (postgres) {
        check(() => rdsParameters(postgres, rdsSize(postgres)));
        check(() => automatedBackupWindow(rb, starts("postgres")));
        if (!backupFor(rb, "postgres")) problems.push(`${rb.app}: data.postgres is set but backups has no postgres entry`);
    }
    if (mongodb) {
        check(() => documentDbEngine(mongodb));
        check(() => documentDbInstanceClass(mongodb));
        check(() => automatedBackupWindow(rb, starts("mongodb")));
        if (!backupFor(rb, "mongodb")) problems.push(`${rb.app}: data.mongodb is set but backups has no mongodb entry`);
    }
    if (redis) {
        check(() => elastiCacheEngineVersion(redis));
        check(() => cacheNodeType(redis));
        const i = rb.backups.findIndex((b) => b.dataset === "redis");
        if (i < 0) problems.push(`${rb.app}: data.redis is set but backups has no redis entry`);
        else {
            check(() => snapshotWindow(rb, rb.backups[i].cron, `backups[${i}].cron`));
            if (rb.backups[i].retentionDays > ELASTICACHE_MAX_SNAPSHOT_DAYS) {
                problems.push(`${rb.app}: backups[${i}].retentionDays = ${rb.backups[i].retentionDays}: ElastiCache keeps snapshots at most ${ELASTICACHE_MAX_SNAPSHOT_DAYS} days`);
            }
        }
    }
    if (kafka) {
        check(() => mskKafkaVersion(kafka));
        check(() => mskSubnetCount(kafka, rb.aws.availabilityZones));
        check(() => mskBrokerInstance(kafka));
    }
    return [...new Set(problems)];
}
