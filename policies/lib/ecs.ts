import { isRecord } from "./values";

/** The container definitions of an ECS task definition: a JSON document in the provider's inputs. */
export function containerDefinitions(props: Record<string, any>): Record<string, any>[] {
    const raw = props.containerDefinitions;
    let parsed: unknown = raw;
    if (typeof raw === "string") {
        try {
            parsed = JSON.parse(raw);
        } catch {
            return [];
        }
    }
    return Array.isArray(parsed) ? parsed.filter(isRecord) : [];
}

export const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
