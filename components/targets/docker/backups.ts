import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { BACKUPS_MOUNT, BUCKET_BACKUP_PATH, OPS_DIR, RUNNER_PATH, bucketBackupScript, cronRunnerScript, type BackupJob } from "../../../capabilities/docker/backups";
import { WRITABLE_PATHS } from "../../../capabilities/docker/writable";
import { container, upload, volume, withUploadVolumes, type DockerScope } from "./scope";

export interface BackupsArgs {
    /** The Docker target's shared scope: stack, app id, provider, network, pulled images, generated passwords (the jobs' logins). */
    readonly scope: DockerScope;
    /** One job per runbook backup (`backupJobs`: dataset, schedule, retention), with the pinned image it runs: the data service's client of its version (`dataImage`), `mc` for files, or the AWS CLI's (`awsCli`: bash and curl) for an HTTP API's export. */
    readonly jobs: readonly { readonly job: BackupJob; readonly image: string }[];
    /** Directory of the operations team's backup scripts. Defaults to the repository's `operations/backup`. */
    readonly scriptsDir?: string;
    /** Containers to create first (the data services and the Pushgateway). Defaults to none. */
    readonly after?: readonly pulumi.Resource[];
}

const REPO_OPS_DIR = path.resolve(__dirname, "..", "..", "..", "operations", "backup");

/**
 * One container per runbook backup, running the operations scripts on the runbook's schedule
 * with its retention, into the `backups` volume (file datasets: bucket to bucket in MinIO).
 */
export class Backups extends pulumi.ComponentResource {
    public readonly volume: docker.Volume;
    /** The jobs' /tmp: staging and restore-check scratch, on disk. */
    public readonly scratch: docker.Volume;
    /** By backup: the dataset, or `<dataset>-<tier>`. */
    public readonly jobs: Record<string, docker.Container>;

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:docker:Backups", name, {}, opts);
        const { scope } = args;
        const dir = args.scriptsDir ?? REPO_OPS_DIR;
        const read = (file: string) => {
            const full = path.join(dir, file);
            if (!fs.existsSync(full)) throw new Error(`${scope.app}: the backup job needs ${full} (operations/backup), which does not exist`);
            return fs.readFileSync(full, "utf8");
        };
        const runner = upload(RUNNER_PATH, cronRunnerScript(), { executable: true });
        this.volume = volume(this, `${name}-data`, scope, "backups", "backups");
        // Read-only roots (capabilities/docker/writable.ts): the jobs stage archives in /tmp, a disk volume
        // (a new volume takes the image's /tmp mode, 1777); the scripts are uploaded into volumes of their own.
        this.scratch = volume(this, `${name}-scratch`, scope, "backups-scratch", "backups");
        this.jobs = {};
        for (const { job, image } of args.jobs) {
            this.jobs[job.name] = container(
                this,
                `${name}-${job.name}`,
                scope,
                withUploadVolumes(this, `${name}-${job.name}`, scope, {
                    part: `backup-${job.name}`,
                    component: "backups",
                    image,
                    aliases: [`backup-${job.name}`],
                    env: job.env,
                    secretEnv: job.secretEnv,
                    entrypoint: job.entrypoint,
                    command: job.command,
                    uploads: [
                        runner,
                        ...job.opsScripts.map((file) => upload(`${OPS_DIR}/${file}`, read(file), { executable: true })),
                        ...(job.image === "mc" ? [upload(BUCKET_BACKUP_PATH, bucketBackupScript(), { executable: true })] : []),
                    ],
                    volumes: [
                        { volume: this.volume, path: BACKUPS_MOUNT },
                        { volume: this.scratch, path: "/tmp" },
                    ],
                    readOnlyRoot: { tmpfs: WRITABLE_PATHS.backups },
                }),
                [...(args.after ?? [])],
            );
        }
        this.registerOutputs({});
    }
}
