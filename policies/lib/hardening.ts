/** What "runs as root" means in each target's user field: UID 0 or the name root, with or without a group. */
export function isRootUser(user: unknown): boolean {
    if (user === undefined || user === null || user === "") return false;
    const who = String(user).split(":")[0].trim();
    return who === "0" || who === "root";
}

/**
 * Exporters that cannot run confined on Docker, by component, with the reason. Every other
 * exporter (`<id>-exporter`) is held like an app container.
 */
export const DOCKER_EXPORTER_EXCEPTIONS: Readonly<Record<string, string>> = {
    "blackbox-exporter":
        "its module file is uploaded into the container's filesystem at creation, and the Docker engine refuses an upload into a read-only root (\"container rootfs is marked read-only\") unless the path is in a volume",
    "cadvisor-exporter": "cAdvisor reads every container's cgroups and the engine's state: its documented run is privileged with the host's /, /sys and /var/lib/docker mounted",
};
