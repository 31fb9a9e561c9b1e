import YAML from "yaml";

/**
 * What a GitHub Actions workflow of this repository must hold to (issue 15): every third-party
 * action pinned by a full commit SHA (with the version it is, as a comment, for updates); and a
 * workflow that pull requests trigger gives secrets only to jobs in a protected environment that
 * never run a fork's branch, with a read-only token everywhere else.
 */

interface Job {
    readonly if?: string;
    readonly environment?: string | { name?: string };
    readonly permissions?: string | Record<string, string>;
    readonly uses?: string;
    readonly steps?: readonly { uses?: string }[];
}
interface Workflow {
    readonly on?: unknown;
    readonly permissions?: string | Record<string, string>;
    readonly jobs?: Record<string, Job>;
}

const SHA_PIN = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+(\/[^@\s]+)?@[0-9a-f]{40}$/;

const triggers = (on: unknown): string[] => (typeof on === "string" ? [on] : Array.isArray(on) ? on.map(String) : on && typeof on === "object" ? Object.keys(on) : []);

const writes = (p: Job["permissions"]): string[] => (p === "write-all" ? ["write-all"] : p && typeof p === "object" ? Object.entries(p).filter(([, v]) => v === "write").map(([k]) => k) : []);

export function workflowProblems(file: string, text: string): string[] {
    const wf = YAML.parse(text) as Workflow;
    const out: string[] = [];
    // Every `uses:` line: a local action or a Docker image is ours/pinned by digest elsewhere; a remote action is pinned by SHA.
    for (const [i, line] of text.split("\n").entries()) {
        const m = line.match(/^\s*(?:-\s+)?uses:\s*([^\s#]+)\s*(#\s*(\S+))?/);
        if (!m) continue;
        const ref = m[1].replace(/^["']|["']$/g, "");
        if (ref.startsWith("./") || ref.startsWith("docker://")) continue;
        if (!SHA_PIN.test(ref)) out.push(`${file}:${i + 1}: ${ref} is not pinned by a full commit SHA`);
        else if (!m[3]) out.push(`${file}:${i + 1}: ${ref} has no "# <version>" comment saying which release the SHA is`);
    }
    const on = triggers(wf.on);
    if (on.includes("pull_request_target")) out.push(`${file}: pull_request_target runs with the base repository's secrets and a write token; use pull_request`);
    if (on.includes("pull_request")) {
        const top = writes(wf.permissions);
        if (wf.permissions === undefined) out.push(`${file}: no workflow-level permissions: the token gets the repository's defaults (possibly write-all); set contents: read`);
        if (top.length) out.push(`${file}: workflow-level permissions grant write (${top.join(", ")}) to every job, including those running the pull request's code without review`);
        for (const [name, job] of Object.entries(wf.jobs ?? {})) {
            const jobText = YAML.stringify(job);
            const env = typeof job.environment === "string" ? job.environment : job.environment?.name;
            const usesSecrets = /\$\{\{[^}]*\bsecrets\./.test(jobText) || /secrets:\s*inherit/.test(jobText);
            if (usesSecrets && !env) out.push(`${file}: job ${name} reads secrets outside a protected environment: a branch's code could print them`);
            if ((usesSecrets || writes(job.permissions).includes("id-token")) && !/github\.event\.pull_request\.head\.repo\.full_name\s*==\s*github\.repository/.test(job.if ?? "")) {
                out.push(`${file}: job ${name} holds credentials but may run a fork's branch (its if: must require head.repo.full_name == github.repository)`);
            }
            if (writes(job.permissions).includes("id-token") && !env) out.push(`${file}: job ${name} can mint cloud credentials (id-token: write) outside a protected environment`);
        }
    }
    return out;
}
