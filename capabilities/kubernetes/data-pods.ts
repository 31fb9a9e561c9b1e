import type * as k8s from "@pulumi/kubernetes";
import { SIDECAR } from "./sizing";

/** What the pods the platform schedules for a data service share, whatever the service. */

type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;

/** Requests and limits of an exporter or helper beside a data service (`SIDECAR`), as a fresh object per container. */
export function sidecarResources(): ResourceRequirements {
    return { requests: { ...SIDECAR.requests }, limits: { ...SIDECAR.limits } };
}
