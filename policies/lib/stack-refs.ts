import { isUnknown } from "./inputs";
import type { Subject } from "./policy";
import { ofType } from "./targets";
import { asArray, isRecord } from "./values";

/**
 * Whether an ARN in one resource's inputs names another resource of the same stack: by the name
 * AWS puts in the ARN (`…:role/<name>`, `…:cluster/<name>`, `…:task-definition/<family>:<rev>`), by
 * the autonamed logical name (`<logical>-1a2b3c4`), or (offline plans) by the harness's
 * `…:<logical name>`. An ARN not known until deploy names one the referrer depends on.
 */
export function stackResourceOf(resources: readonly Subject[], referrer: Subject, arn: unknown, type: string, nameProps: readonly string[] = ["name"]): Subject | undefined {
    const candidates = ofType(resources, type);
    if (isUnknown(arn)) {
        const deps = new Set(referrer.dependencies ?? []);
        return candidates.find((c) => deps.has(c.urn));
    }
    if (typeof arn !== "string" || !arn.startsWith("arn:")) return undefined;
    const tail = arn.split(/[:/]/).filter((p) => p !== "" && !/^\d+$/.test(p)).pop() ?? "";
    return candidates.find((c) => {
        const names = nameProps.map((p) => c.props[p]).filter((n): n is string => typeof n === "string");
        if (names.includes(tail)) return true;
        if (tail === c.name) return true;
        return names.length === 0 && tail.startsWith(`${c.name}-`);
    });
}

/** Whether a role's trust policy lets this service assume it (unknown: taken as yes). */
export function assumableBy(role: Subject, service: string): boolean {
    let doc: unknown = role.props.assumeRolePolicy;
    if (isUnknown(doc)) return true;
    if (typeof doc === "string") {
        try {
            doc = JSON.parse(doc);
        } catch {
            return false;
        }
    }
    return asArray<Record<string, any>>(isRecord(doc) ? doc.Statement : undefined).some(
        (s) => isRecord(s) && String(s.Effect) === "Allow" && asArray<unknown>(isRecord(s.Principal) ? s.Principal.Service : undefined).includes(service),
    );
}
