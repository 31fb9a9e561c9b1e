import { KAFKA_ACL_ROLES } from "../../capabilities/kafka-acls";
import { kafkaUsers, type KafkaUsers } from "../../capabilities/aws/msk";
import type { Runbook } from "../../runbooks";
import { asArray, isRecord } from "./values";

/**
 * What a task's shell grants on Kafka: the `kafka-acls.sh` and `kafka-topics.sh` calls in an ECS
 * container's entry point and command (capabilities/aws/msk.ts renders them into the one-off
 * `kafka-topics` task, since MSK has no ACL or topic API). Parsed as a shell would split them:
 * quotes, `&&`/`||`/`;`/`|` between calls, `sh -c '…'` nested, `$VAR` from the container's
 * environment (a variable it does not set is kept as `$VAR`: unreadable, and reported as such).
 */

type Kafka = NonNullable<Runbook["data"]["kafka"]>;

export interface AclCall {
    /** `add`, `remove` or `list` (kafka-acls.sh's action). */
    readonly action: "add" | "remove" | "list";
    readonly allow: string[];
    readonly deny: string[];
    readonly operations: string[];
    readonly topics: string[];
    readonly groups: string[];
    readonly cluster: boolean;
    readonly transactionalIds: string[];
    readonly delegationTokens: string[];
    readonly patternType: string;
    readonly text: string;
}

export interface TopicCall {
    readonly create: boolean;
    readonly topic?: string;
    readonly partitions?: number;
    readonly replicationFactor?: number;
    readonly configs: string[];
    readonly text: string;
}

/** Shell words of a text; each command (between `&&`, `||`, `;`, `|`, newlines) as one list. */
export function shellCommands(text: string, env: Readonly<Record<string, string>> = {}): string[][] {
    const out: string[][] = [];
    let words: string[] = [];
    let word = "";
    let inWord = false;
    const end = () => {
        if (inWord) words.push(word);
        word = "";
        inWord = false;
    };
    const flush = () => {
        end();
        if (words.length) out.push(words);
        words = [];
    };
    const expand = (name: string) => (name in env ? env[name] : `$${name}`);
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === "'") {
            const j = text.indexOf("'", i + 1);
            word += text.slice(i + 1, j < 0 ? text.length : j);
            inWord = true;
            i = j < 0 ? text.length : j;
        } else if (c === '"') {
            inWord = true;
            for (i++; i < text.length && text[i] !== '"'; i++) {
                if (text[i] === "\\" && i + 1 < text.length) word += text[++i];
                else if (text[i] === "$") {
                    const m = /^\$(?:\{([A-Za-z_]\w*)[^}]*\}|([A-Za-z_]\w*))/.exec(text.slice(i));
                    if (m) {
                        word += expand(m[1] ?? m[2]);
                        i += m[0].length - 1;
                    } else word += "$";
                } else word += text[i];
            }
        } else if (c === "\\" && i + 1 < text.length) {
            word += text[++i];
            inWord = true;
        } else if (c === "$") {
            const m = /^\$(?:\{([A-Za-z_]\w*)[^}]*\}|([A-Za-z_]\w*))/.exec(text.slice(i));
            if (m) {
                word += expand(m[1] ?? m[2]);
                i += m[0].length - 1;
            } else word += "$";
            inWord = true;
        } else if (/\s/.test(c)) {
            if (c === "\n") flush();
            else end();
        } else if (c === "&" || c === "|" || c === ";") {
            flush();
            if (text[i + 1] === c) i++;
        } else {
            word += c;
            inWord = true;
        }
    }
    flush();
    // A script handed to another shell (`sh -c '…'`, `bash -lc "…"`) is itself a list of commands.
    return out.flatMap((cmd) => {
        const c = cmd.findIndex((w, i) => i > 0 && /^-\w*c$/.test(w) && /(^|\/)(ba|da|z|k)?sh$/.test(cmd[i - 1] ?? cmd[0]));
        return c >= 0 && cmd[c + 1] !== undefined ? [cmd.slice(0, c + 1), ...shellCommands(cmd[c + 1], env)] : [cmd];
    });
}

/** The entry point and command of one container, as shell commands. */
export function containerCommands(c: Record<string, any>): string[][] {
    const env = Object.fromEntries(
        asArray<Record<string, any>>(c.environment)
            .filter(isRecord)
            .map((e) => [String(e.name), String(e.value ?? "")]),
    );
    const argv = [...asArray<unknown>(c.entryPoint), ...asArray<unknown>(c.command)].map(String);
    // `["/bin/sh","-c", script]`: the script's commands; any other argv is one command.
    const script = argv.findIndex((w, i) => i > 0 && /^-\w*c$/.test(w));
    if (script >= 0 && argv[script + 1] !== undefined) return [argv.slice(0, script + 1), ...shellCommands(argv.slice(script + 1).join(" "), env)];
    return argv.length ? shellCommands(argv.map((w) => (/[\s'"]/.test(w) ? `'${w.replace(/'/g, "'\\''")}'` : w)).join(" "), env) : [];
}

const isTool = (word: string | undefined, tool: string) => typeof word === "string" && new RegExp(`(^|/)${tool}(\\.sh)?$`).test(word);

/** The words after the tool, wherever it sits in the command (after `exec`, `env X=…`, `timeout 60`). */
function after(cmd: readonly string[], tool: string): string[] | undefined {
    const i = cmd.findIndex((w) => isTool(w, tool));
    return i < 0 ? undefined : cmd.slice(i + 1);
}

/** Option values, for `--opt value` and `--opt=value`. */
function values(args: readonly string[], opt: string): string[] {
    const out: string[] = [];
    args.forEach((w, i) => {
        if (w === opt && args[i + 1] !== undefined) out.push(args[i + 1]);
        else if (w.startsWith(`${opt}=`)) out.push(w.slice(opt.length + 1));
    });
    return out;
}

export function aclCalls(commands: readonly string[][]): AclCall[] {
    return commands.flatMap((cmd) => {
        const args = after(cmd, "kafka-acls");
        if (!args) return [];
        const action = args.includes("--remove") ? "remove" : args.includes("--add") ? "add" : "list";
        const ops = values(args, "--operation");
        // The convenience options grant their own sets (kafka-acls.sh --help).
        if (args.includes("--producer")) ops.push("Write", "Describe", "Create");
        if (args.includes("--consumer")) ops.push("Read", "Describe");
        return [
            {
                action,
                allow: values(args, "--allow-principal"),
                deny: values(args, "--deny-principal"),
                operations: ops,
                topics: values(args, "--topic"),
                groups: values(args, "--group"),
                cluster: args.includes("--cluster"),
                transactionalIds: values(args, "--transactional-id"),
                delegationTokens: values(args, "--delegation-token"),
                patternType: (values(args, "--resource-pattern-type")[0] ?? "literal").toLowerCase(),
                text: cmd.join(" "),
            },
        ];
    });
}

/** `kafka-configs.sh --alter` and `kafka-topics.sh --alter/--delete` calls: they change what the generated settings and the runbook's topics hold. */
export function alterCalls(commands: readonly string[][]): string[] {
    return commands.flatMap((cmd) => {
        const configs = after(cmd, "kafka-configs");
        const topics = after(cmd, "kafka-topics");
        const changes = (configs && configs.includes("--alter")) || (topics && (topics.includes("--alter") || topics.includes("--delete")));
        return changes ? [cmd.join(" ")] : [];
    });
}

export function topicCalls(commands: readonly string[][]): TopicCall[] {
    return commands.flatMap((cmd) => {
        const args = after(cmd, "kafka-topics");
        if (!args) return [];
        const n = (opt: string) => (values(args, opt).length ? Number(values(args, opt)[0]) : undefined);
        return [{ create: args.includes("--create"), topic: values(args, "--topic")[0], partitions: n("--partitions"), replicationFactor: n("--replication-factor"), configs: values(args, "--config"), text: cmd.join(" ") }];
    });
}

/** Kafka's operations (`All` holds every one). */
const ALL = "All";

/**
 * What each login may hold, by resource: the shared model for the app and the lag exporter
 * (capabilities/kafka-acls.ts KAFKA_ACL_ROLES) and, on MSK, what capabilities/aws/msk.ts adds: the
 * admin holds the cluster and the runbook's topics (it creates them and their ACLs), the exporter
 * describes the cluster (its metadata, for lag).
 */
export function allowedAcls(kafka: Kafka, users: KafkaUsers): Map<string, Set<string>> {
    const grants = new Map<string, Set<string>>();
    const add = (principal: string, resource: string, ops: readonly string[]) => {
        const k = `User:${principal} ${resource}`;
        grants.set(k, new Set([...(grants.get(k) ?? []), ...ops]));
    };
    add(users.admin, "cluster", [ALL]);
    add(users.monitor, "cluster", ["Describe"]);
    for (const t of kafka.topics) {
        add(users.admin, `topic ${t.name}`, [ALL]);
        add(users.app, `topic ${t.name}`, KAFKA_ACL_ROLES.app.topic);
        add(users.monitor, `topic ${t.name}`, KAFKA_ACL_ROLES.monitor.topic);
    }
    for (const g of kafka.consumerGroups) {
        add(users.app, `group ${g}`, KAFKA_ACL_ROLES.app.group);
        add(users.monitor, `group ${g}`, KAFKA_ACL_ROLES.monitor.group);
    }
    return grants;
}

/** The logins of an MSK cluster: named after it (capabilities/aws/msk.ts kafkaUsers). */
export function mskUsers(clusterName: string): KafkaUsers {
    return kafkaUsers(clusterName);
}

/** Why one ACL call grants more than the model; empty when it grants nothing beyond it. */
export function aclExcess(call: AclCall, allowed: Map<string, Set<string>>): string[] {
    if (call.action === "list") return [];
    if (call.action === "remove") return [`removes ACLs (${call.text.slice(0, 200)}): a runbook topic or group left with no ACL is open to every login (MSK's allow.everyone.if.no.acl.found defaults to true)`];
    if (call.allow.length === 0) return [];
    const out: string[] = [];
    if (call.patternType !== "literal") out.push(`--resource-pattern-type ${call.patternType}: it matches resources beyond the named one; the model grants literal resources only`);
    const resources = [...(call.cluster ? ["cluster"] : []), ...call.topics.map((t) => `topic ${t}`), ...call.groups.map((g) => `group ${g}`), ...call.transactionalIds.map((t) => `transactional-id ${t}`), ...call.delegationTokens.map((t) => `delegation-token ${t}`)];
    const ops = call.operations.length ? call.operations : [ALL];
    for (const principal of call.allow) {
        for (const resource of resources) {
            const may = allowed.get(`${principal} ${resource}`);
            if (!may) {
                out.push(`allows ${principal} ${ops.join(", ")} on ${resource}: ${/\*|\$/.test(`${principal} ${resource}`) ? "a wildcard or unreadable name" : "not a login and resource the model grants"}`);
                continue;
            }
            const extra = ops.filter((o) => !may.has(ALL) && !may.has(o));
            if (extra.length) out.push(`allows ${principal} ${extra.join(", ")} on ${resource}; the model grants it ${[...may].join(", ")}`);
        }
    }
    return out;
}
