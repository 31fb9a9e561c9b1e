import test from "ava";
import { getRunbook } from "../../runbooks";
import { DEFAULTS } from "../../runbooks/defaults";
import { check, compliantAndBroken, find, type Fake } from "./helpers";

/**
 * k8s-backup-job-effective and the CloudNativePG schedule (issue 13, class B: backups that back up
 * nothing). The fixture is the PostgreSQL backup CronJob and CNPG backup as the Kubernetes target builds them.
 */

const DB = getRunbook("bunty").data.postgres!.database;

function fixture(): Fake[] {
    return [
        {
            type: "kubernetes:batch/v1:CronJob",
            name: "backup-postgres",
            props: {
                metadata: { name: "bunty-backup-postgres" },
                spec: {
                    schedule: "0 1 * * *",
                    jobTemplate: {
                        spec: {
                            activeDeadlineSeconds: 10800,
                            template: {
                                spec: {
                                    containers: [
                                        {
                                            name: "backup-postgres",
                                            command: ["bash", "/opt/platform/run-job.sh", "bash", "/opt/backup/backup-postgres.sh"],
                                            env: [
                                                { name: "BACKUP_DEST", value: "s3://bunty-platform-backups/dumps" },
                                                { name: "PGDATABASE", value: DB },
                                                { name: "RETENTION_DAYS", value: "30" },
                                                { name: "JOB_DATASET", value: "postgres" },
                                            ],
                                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                        },
                                    ],
                                    volumes: [{ name: "tmp", emptyDir: {} }],
                                },
                            },
                        },
                    },
                },
            },
        },
    ];
}

const spec = (rs: Fake[]) => find(rs, "backup-postgres").props.spec;
const container = (rs: Fake[]) => spec(rs).jobTemplate.spec.template.spec.containers[0];
const setEnv = (name: string, value: string) => (rs: Fake[]) => (container(rs).env.find((e: { name: string }) => e.name === name).value = value);

test("k8s-backup-job-effective: the backup job copies the app's database to the object store, in time, under its own name", async (t) => {
    await compliantAndBroken(t, "k8s-backup-job-effective", "bunty-staging", fixture, {
        "its command replaced by true": { edit: (rs) => (container(rs).command = ["bash", "/opt/platform/run-job.sh", "true"]), expect: /runs "bash \/opt\/platform\/run-job\.sh true", which runs no backup of postgres/ },
        "dumps to the pod's emptyDir": { edit: setEnv("BACKUP_DEST", "/tmp/dumps"), expect: /BACKUP_DEST=\/tmp\/dumps, volume "tmp" \(emptyDir\), which is gone when the pod ends/ },
        "dumps to the container's filesystem": { edit: setEnv("BACKUP_DEST", "/var/backups"), expect: /BACKUP_DEST=\/var\/backups, the container's own filesystem/ },
        "a deadline of one second": { edit: (rs) => (spec(rs).jobTemplate.spec.activeDeadlineSeconds = 1), expect: new RegExp(`activeDeadlineSeconds 1, less than ${DEFAULTS.backupJobMinSeconds.value}s \\(platform default`) },
        "dumps the postgres maintenance database": { edit: setEnv("PGDATABASE", "postgres"), expect: new RegExp(`PGDATABASE=postgres, not the runbook's database ${DB}`) },
        "reports its success as redis": { edit: setEnv("JOB_DATASET", "redis"), expect: /reports its success as JOB_DATASET=redis/ },
    });
});

test("k8s-backup-job-effective: tightening passes (a longer deadline, a persistent volume destination)", async (t) => {
    const rs = fixture();
    spec(rs).jobTemplate.spec.activeDeadlineSeconds = 4 * 3600;
    container(rs).env.find((e: { name: string }) => e.name === "BACKUP_DEST").value = "/backups/dumps";
    container(rs).volumeMounts.push({ name: "backups", mountPath: "/backups" });
    spec(rs).jobTemplate.spec.template.spec.volumes.push({ name: "backups", persistentVolumeClaim: { claimName: "bunty-backups" } });
    t.deepEqual((await check("k8s-backup-job-effective", "bunty-staging", rs)).messages, []);
});

test("k8s-cnpg-scheduledbackup-runbook-schedule: a cluster without the object store its ScheduledBackup writes to backs up nothing", async (t) => {
    const rb = getRunbook("bunty");
    const pg = rb.backups.find((b) => b.dataset === "postgres")!;
    const cnpg = (): Fake[] => [
        {
            type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
            name: "cluster",
            props: { metadata: { name: "bunty-postgres" }, spec: { instances: 1, backup: { retentionPolicy: `${pg.retentionDays}d`, barmanObjectStore: { destinationPath: "s3://bunty-platform-backups/cnpg" } } } },
        },
        { type: "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", name: "scheduled", props: { metadata: { name: "bunty-postgres" }, spec: { cluster: { name: "bunty-postgres" }, method: "barmanObjectStore", schedule: "0 0 1 * * *" } } },
    ];
    const ok = await check("k8s-cnpg-scheduledbackup-runbook-schedule", "bunty-staging", cnpg());
    const rs = cnpg();
    delete find(rs, "cluster").props.spec.backup.barmanObjectStore;
    const broken = await check("k8s-cnpg-scheduledbackup-runbook-schedule", "bunty-staging", rs);
    t.false(ok.messages.some((m) => /has no spec\.backup/.test(m)), ok.messages.join("\n"));
    t.true(broken.messages.some((m) => /switched off: its method barmanObjectStore has no spec\.backup\.barmanObjectStore in cluster bunty-postgres/.test(m)), broken.messages.join("\n"));
});
