import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { BACKUP_DEST, BACKUPS_MOUNT, backupJobs } from "../../capabilities/docker/backups";
import { archiveKey, listFiles, placeArchive, removeTempDirs, runScript, scriptEnv, stampHoursAgo, startPostgres, tempDir, type PostgresServer } from "./helpers";
import { NIGHTLY_ENTRY, RB, TIER, WEEKLY_ENTRY } from "../targets/tiered-runbook";

// Two backup tiers of one dataset against a real PostgreSQL: each tier's job runs
// backup-postgres.sh with the environment the Docker target gives it (BACKUP_DEST, RETENTION_DAYS),
// once per tier, into one shared backups volume. The nightly prune must never delete weekly copies,
// and the weekly prune keeps its own 84 days.

let pg: PostgresServer;
test.before(async () => {
    pg = await startPostgres();
    await pg.sql("postgres", "CREATE DATABASE source; ");
});
test.after.always(async () => {
    await pg?.stop();
    removeTempDirs();
});

const jobOf = (name: string) => backupJobs(RB).find((j) => j.env.JOB_DATASET === name)!;

test("each tier prunes only its own archives, to its own retention", async (t) => {
    const volume = tempDir("tiers-volume");
    const dummy = path.join(tempDir("tiers-dummy"), "x.dump");
    fs.writeFileSync(dummy, "placeholder archive");
    const day = 24;
    // Weekly copies older than the nightly retention but inside the weekly one, and one beyond it.
    const weeklyKept = [NIGHTLY_ENTRY.retentionDays + 5, WEEKLY_ENTRY.retentionDays - 2].map((d) => archiveKey("postgres", stampHoursAgo(d * day), "dump"));
    const weeklyOld = archiveKey("postgres", stampHoursAgo((WEEKLY_ENTRY.retentionDays + 3) * day), "dump");
    const nightlyOld = archiveKey("postgres", stampHoursAgo((NIGHTLY_ENTRY.retentionDays + 5) * day), "dump");
    const nightlyKept = archiveKey("postgres", stampHoursAgo(2 * day), "dump");
    for (const k of [...weeklyKept, weeklyOld]) placeArchive(path.join(volume, TIER), k, dummy);
    for (const k of [nightlyOld, nightlyKept]) placeArchive(volume, k, dummy);

    const run = async (name: string) => {
        const env = jobOf(name).env;
        // The job's BACKUP_DEST with the backups volume where the test keeps it.
        const dest = env.BACKUP_DEST.replace(BACKUP_DEST, `file://${volume}`);
        t.true(env.BACKUP_DEST.startsWith(`file://${BACKUPS_MOUNT}`));
        const r = await runScript("backup-postgres.sh", [], scriptEnv([pg.binDir], { ...pg.env, PGDATABASE: "source", BACKUP_DEST: dest, RETENTION_DAYS: env.RETENTION_DAYS }));
        t.is(r.code, 0, r.stderr);
        return path.relative(volume, r.stdout.trim());
    };
    const nightlyNew = await run("postgres");
    const withChecksums = (keys: string[]) => keys.flatMap((k) => [k, `${k}.sha256`]);
    t.deepEqual(
        listFiles(volume),
        [...withChecksums([nightlyKept, nightlyNew]), ...withChecksums([...weeklyKept, weeklyOld]).map((k) => `${TIER}/${k}`)].sort(),
        "the nightly prune deleted its own old archive and no weekly copy",
    );
    const weeklyNew = await run(`postgres-${TIER}`);
    t.true(weeklyNew.startsWith(`${TIER}/`));
    t.deepEqual(
        listFiles(volume),
        [...withChecksums([nightlyKept, nightlyNew]), ...withChecksums([...weeklyKept.map((k) => `${TIER}/${k}`), weeklyNew])].sort(),
        "the weekly prune kept its copies inside 84 days and deleted the one beyond",
    );
});
