import * as fs from "fs";
import * as path from "path";
import ts from "typescript";

/**
 * The narrow-Args check of test/foundation/component-args.test.ts, as functions over source text
 * (so its fixtures can be inline): issue #17, item 7.
 */

export const ROOT = path.resolve(__dirname, "..", "..");

/** Whole-runbook and whole-stack types no component's Args may hold. */
const WHOLE_TYPES = new Set(["Runbook", "PlatformContext"]);
/** `<interface>.<member>` allowed to hold one anyway. */
const ALLOWED_WHOLE = new Set(["PlatformArgs.context"]);

export interface Source {
    /** Repository-relative path, for messages. */
    readonly file: string;
    readonly text: string;
}

/** The .ts files a HELD entry names, repository-relative, sorted. */
export function heldFiles(entry: string, root = ROOT): string[] {
    const recursive = entry.endsWith("/**");
    const dir = entry.replace(/\/(\*\*|\*\.ts)$/, "");
    if (dir === entry) throw new Error(`HELD entry ${entry}: allowed: <folder>/** or <folder>/*.ts`);
    const walk = (rel: string): string[] =>
        fs
            .readdirSync(path.join(root, rel), { withFileTypes: true })
            .flatMap((e) => (e.isDirectory() ? (recursive ? walk(`${rel}/${e.name}`) : []) : e.name.endsWith(".ts") ? [`${rel}/${e.name}`] : []));
    return walk(dir).sort();
}

interface Declared {
    readonly file: string;
    readonly name: string;
    readonly members: readonly ts.TypeElement[];
    readonly extends: readonly string[];
    readonly sf: ts.SourceFile;
}

function declarations(sources: readonly Source[]): { types: Map<string, Declared>; classes: { file: string; sf: ts.SourceFile; node: ts.ClassDeclaration }[] } {
    const types = new Map<string, Declared>();
    const classes: { file: string; sf: ts.SourceFile; node: ts.ClassDeclaration }[] = [];
    for (const { file, text } of sources) {
        const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
        for (const node of sf.statements) {
            if (ts.isInterfaceDeclaration(node)) {
                const ext = (node.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(sf)));
                types.set(node.name.text, { file, name: node.name.text, members: node.members, extends: ext, sf });
            } else if (ts.isTypeAliasDeclaration(node)) {
                // `type A = B`, `type A = { … }`, `type A = B & { … }`: the literals' members, the references as extended.
                const parts = ts.isIntersectionTypeNode(node.type) ? node.type.types : [node.type];
                const members = parts.flatMap((p) => (ts.isTypeLiteralNode(p) ? [...p.members] : []));
                const ext = parts.flatMap((p) => (ts.isTypeReferenceNode(p) ? [p.typeName.getText(sf)] : []));
                if (members.length || ext.length) types.set(node.name.text, { file, name: node.name.text, members, extends: ext, sf });
            } else if (ts.isClassDeclaration(node) && node.name) {
                const base = (node.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(sf)));
                if (base.some((b) => /(^|\.)ComponentResource$/.test(b))) classes.push({ file, sf, node });
            }
        }
    }
    return { types, classes };
}

/** The whole-runbook or whole-stack types a member's type names, outside an indexed access (a slice). */
function wholeTypesIn(member: ts.Node): string[] {
    const found: string[] = [];
    const visit = (node: ts.Node, inSlice: boolean): void => {
        if (ts.isIndexedAccessTypeNode(node)) return visit(node.objectType, true), visit(node.indexType, inSlice);
        if (ts.isTypeReferenceNode(node) && !inSlice) {
            const name = ts.isIdentifier(node.typeName) ? node.typeName.text : node.typeName.right.text;
            if (WHOLE_TYPES.has(name)) found.push(name);
        }
        ts.forEachChild(node, (child) => visit(child, false));
    };
    visit(member, false);
    return found;
}

const memberName = (m: ts.TypeElement, sf: ts.SourceFile) => (m.name ? m.name.getText(sf) : m.getText(sf).split("\n")[0]);
const lineOf = (node: ts.Node, sf: ts.SourceFile) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
const hasDoc = (m: ts.Node) => ts.getJSDocCommentsAndTags(m).some((d) => ts.isJSDoc(d) && typeof d.comment === "string" && d.comment.trim().length > 0);

export interface Findings {
    /** One line per broken rule, `<file>:<line>: <what>`. */
    readonly problems: string[];
    /** Component classes seen, as `<file>: <class>(<Args type>)`. */
    readonly components: string[];
    /** Constructor Args types not declared in the sources given. */
    readonly unresolved: string[];
}

/** Both rules over `sources`; interfaces are resolved among them only. */
export function componentArgsFindings(sources: readonly Source[]): Findings {
    const { types, classes } = declarations(sources);
    const problems: string[] = [];
    for (const decl of types.values()) {
        if (!/(Args|Scope)$/.test(decl.name)) continue;
        for (const m of decl.members) {
            const key = `${decl.name}.${memberName(m, decl.sf)}`;
            for (const whole of wholeTypesIn(m)) {
                if (!ALLOWED_WHOLE.has(key)) problems.push(`${decl.file}:${lineOf(m, decl.sf)}: ${key} holds the whole ${whole}; give it the slices and derived settings it uses`);
            }
        }
    }
    const components: string[] = [];
    const unresolved: string[] = [];
    for (const { file, sf, node } of classes) {
        const ctor = node.members.find(ts.isConstructorDeclaration);
        const param = ctor?.parameters.find((p) => p.name.getText(sf) === "args") ?? ctor?.parameters[1];
        const typeName = param?.type && ts.isTypeReferenceNode(param.type) ? param.type.typeName.getText(sf) : undefined;
        components.push(`${file}: ${node.name!.text}(${typeName ?? "no Args"})`);
        if (!ctor || !param) continue;
        if (!typeName) {
            problems.push(`${file}:${lineOf(param, sf)}: ${node.name!.text}'s constructor Args are not a named interface`);
            continue;
        }
        const seen = new Set<string>();
        const check = (name: string): void => {
            if (seen.has(name)) return;
            seen.add(name);
            const decl = types.get(name);
            if (!decl) {
                if (name === typeName) unresolved.push(name);
                return;
            }
            for (const m of decl.members) if (!hasDoc(m)) problems.push(`${decl.file}:${lineOf(m, decl.sf)}: ${decl.name}.${memberName(m, decl.sf)} (Args of ${node.name!.text}) has no doc comment`);
            decl.extends.forEach(check);
        };
        check(typeName);
    }
    return { problems: [...new Set(problems)].sort(), components: components.sort(), unresolved: [...new Set(unresolved)].sort() };
}
