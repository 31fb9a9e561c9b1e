import type { Subject } from "./policy";

export const CONTAINER = "docker:index/container:Container";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

/** A container that runs until stopped (not a one-shot init or setup container). */
export function longRunning(s: Subject): boolean {
    const restart = s.props.restart;
    return s.props.rm !== true && s.props.mustRun !== false && (restart === undefined || restart !== "no");
}

/** The container's own name (the `name` input), else the resource name. */
export function containerName(s: Subject): string {
    return String(s.props.name ?? s.name);
}
