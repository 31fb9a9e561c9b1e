import YAML from "yaml";
import type { Config, Resource, ValidationResponse } from "@monokle/validation" with { "resolution-mode": "import" };
import type { K8sObject } from "../providers/helm";

/**
 * `@monokle/validation`'s Pod Security Standards plugin, every rule of it (baseline and restricted)
 * as an error, over Kubernetes objects. The plugin is built in (no download): monokle's default
 * validator loads core plugins from its own package and fetches only community plugins and schemas.
 */

export interface PssFinding {
    /** `Kind/namespace/name` of the object. */
    readonly object: string;
    /** Monokle's rule id, e.g. `PSS203` (running-as-non-root). */
    readonly rule: string;
    /** Where in the object, e.g. `spec.template.spec.containers.0.securityContext.runAsNonRoot`. */
    readonly path: string;
}

export const objectId = (o: Pick<K8sObject, "kind" | "metadata">) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

function asResource(o: K8sObject, i: number): Resource {
    const text = YAML.stringify(o);
    return { id: `r${i}`, fileId: `f${i}`, filePath: `${objectId(o)}.yaml`, fileOffset: 0, name: o.metadata.name, apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, content: o, text };
}

/** Runs every PSS rule over the objects; returns the findings and how many rules ran. */
export async function podSecurityFindings(objects: readonly K8sObject[]): Promise<{ findings: PssFinding[]; rules: string[] }> {
    const { createDefaultMonokleValidator } = await import("@monokle/validation");
    const validator = createDefaultMonokleValidator();
    await validator.preload({ plugins: { "pod-security-standards": true } });
    const plugin = validator.getPlugin("pod-security-standards");
    if (!plugin) throw new Error(`@monokle/validation did not load its pod-security-standards plugin (failed: ${validator.getFailedPlugins().join(", ")})`);
    const rules = plugin.rules.map((r) => `pod-security-standards/${r.name}`);
    // Several of the restricted rules are off by default in monokle: every rule is turned on, as an error.
    const config: Config = { plugins: { "pod-security-standards": true }, rules: Object.fromEntries(rules.map((r) => [r, "err"])) };
    await validator.preload(config);
    const resources = objects.map(asResource);
    const byId = new Map(resources.map((r, i) => [r.id, objects[i]]));
    const response: ValidationResponse = await validator.validate({ resources });
    const findings: PssFinding[] = [];
    for (const run of response.runs) {
        for (const result of run.results) {
            const at = result.locations?.[1];
            const o = byId.get(at?.physicalLocation?.artifactLocation?.uri ?? "");
            if (!o) throw new Error(`@monokle/validation reported ${result.ruleId} on a resource it was not given: ${JSON.stringify(at)}`);
            const element = at?.logicalLocations?.find((l) => l.kind === "element");
            findings.push({ object: objectId(o), rule: result.ruleId, path: element?.fullyQualifiedName ?? "" });
        }
    }
    return { findings, rules };
}
