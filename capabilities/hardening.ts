/**
 * How the runbook's app services run on every target: as an unprivileged user, with a read-only
 * root filesystem and one writable scratch directory. This is the contract the app images must
 * meet (docs/security.md): serve on the runbook's port (above 1024) as any non-root UID, and write
 * only to `APP_SCRATCH` (sessions, uploads in flight, caches, nginx's temp files).
 */

/** UID the app services run as, on every target. */
export const APP_UID = 10001;

/** The one path an app container may write to: a tmpfs on Docker, an emptyDir on Kubernetes, the task's ephemeral storage on ECS. */
export const APP_SCRATCH = "/tmp";

/** Size of the scratch directory where the target can bound it (Docker tmpfs, Kubernetes emptyDir), in MiB. */
export const APP_SCRATCH_MIB = 64;
