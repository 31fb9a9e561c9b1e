import type * as pulumi from "@pulumi/pulumi";
import type { Runbook } from "../../../../runbooks";
import type { DockerScope } from "../scope";

/**
 * The extension point for data services on Docker. A kind is one module in this folder that
 * exports a `DockerDataService`; `DATA_SERVICES` in index.ts lists them, and the platform builds
 * each the runbook has and makes the monitoring, the app's services and the backups wait for
 * them. Adding a kind is adding a module and a line in the list.
 */

export interface DockerDataService {
    /** The runbook's `data.<kind>`: the service is built when it is set. */
    readonly kind: keyof Runbook["data"];
    /** Part of the component's Pulumi name: `<app>-<part>`. */
    readonly part: string;
    /** Builds the component, its Args taken from the runbook (with the stack's overrides) here, in the kind's registration: the component itself reads no runbook. */
    create(name: string, scope: DockerScope, runbook: Runbook, opts: pulumi.ComponentResourceOptions): pulumi.ComponentResource;
}

/**
 * Data services' healthcheck. Docker runs a check `interval` after the previous one ends, so a hung
 * store is unhealthy after (interval + timeout) × retries = (5 + 5) × 3 = 30 s, within the shortest
 * down level of any runbook's data store (docker-container-healthcheck holds each store to its own
 * `<store>_down`); a first start gets a minute before failures count.
 */
export const DATA_HEALTHCHECK = { interval: "5s", timeout: "5s", retries: 3, startPeriod: "60s" } as const;
