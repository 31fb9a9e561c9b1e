/** What "runs as root" means in each target's user field: UID 0 or the name root, with or without a group. */
export function isRootUser(user: unknown): boolean {
    if (user === undefined || user === null || user === "") return false;
    const who = String(user).split(":")[0].trim();
    return who === "0" || who === "root";
}
