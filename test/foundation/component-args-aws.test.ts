import test from "ava";
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";

/**
 * Components take narrow Args (issue #17, item 7), on the AWS target and the platform's own
 * components (components/*.ts): read with the TypeScript compiler's parser, no component's
 * constructor Args (with every interface it extends) nor the target's scope has a member whose type
 * is the whole runbook (`Runbook`, or the stack's context that carries it), and every such member
 * has a doc comment. Slices (`Runbook["data"]`, `NonNullable<Runbook["data"]["kafka"]>`) are what
 * Args should hold. Only the target's root takes the stack's context: it builds every child's
 * Args from it (components/targets/aws/args.ts). No AWS component module but the ones that build
 * Args reads `.runbook` at all.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const AWS_DIR = "components/targets/aws";
/** The roots: they take the stack (`PlatformArgs`, `TargetArgs`) and build their children's Args from it. */
const ROOTS = new Set(["Platform", "AwsPlatform"]);
/** Interfaces that are the target's scope: checked whether or not a component's Args extends them. */
const SCOPES = ["AwsScope", "AwsDataServiceArgs", "AwsDatabaseArgs"];
/** Where the AWS target turns the runbook into Args: the only AWS modules that may read `.runbook`. */
const ARGS_BUILDERS = ["args.ts", "index.ts", "data-services.ts"];
/** Types that are, or carry, the whole runbook. */
const WHOLE = new Set(["Runbook", "PlatformContext", "PlatformArgs", "TargetArgs"]);

type Decl = ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
interface Problem {
    readonly where: string;
    readonly problem: string;
}

/** `Runbook` used as a type of its own; `Runbook["x"]` (an indexed access) is a slice and allowed. */
function wholeTypesIn(node: ts.Node): string[] {
    const out: string[] = [];
    const visit = (n: ts.Node) => {
        if (ts.isIndexedAccessTypeNode(n)) return visit(n.indexType);
        if (ts.isTypeReferenceNode(n)) {
            const name = ts.isIdentifier(n.typeName) ? n.typeName.text : n.typeName.right.text;
            if (WHOLE.has(name)) out.push(name);
        }
        if (ts.isTypeQueryNode(n)) return;
        ts.forEachChild(n, visit);
    };
    visit(node);
    return out;
}

const hasDoc = (n: ts.Node) => ts.getJSDocCommentsAndTags(n).some((d) => ts.isJSDoc(d) && (typeof d.comment === "string" ? d.comment.trim().length > 0 : !!d.comment?.length));
const typeName = (t: ts.TypeNode | ts.ExpressionWithTypeArguments): string | undefined => {
    const e = ts.isExpressionWithTypeArguments(t) ? t.expression : ts.isTypeReferenceNode(t) ? t.typeName : undefined;
    if (!e) return undefined;
    if (ts.isIdentifier(e)) return e.text;
    if (ts.isQualifiedName(e)) return e.right.text;
    if (ts.isPropertyAccessExpression(e)) return e.name.text;
    return undefined;
};

/**
 * The problems of a set of sources: every component class's constructor Args and the named scope
 * interfaces, each resolved through `extends`, intersections and type aliases across the sources.
 */
export function argsProblems(sources: Readonly<Record<string, string>>, scopes: readonly string[] = SCOPES): Problem[] {
    const decls = new Map<string, Decl>();
    const classes: { file: string; cls: ts.ClassDeclaration }[] = [];
    for (const [file, text] of Object.entries(sources)) {
        const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
        for (const s of sf.statements) {
            if (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) decls.set(s.name.text, s);
            if (ts.isClassDeclaration(s) && s.heritageClauses?.some((h) => h.types.some((t) => typeName(t) === "ComponentResource"))) classes.push({ file, cls: s });
        }
    }
    const problems: Problem[] = [];
    const members = (where: string, list: readonly ts.TypeElement[]) => {
        for (const m of list) {
            const name = m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) ? m.name.text : m.getText();
            if (!hasDoc(m)) problems.push({ where: `${where}.${name}`, problem: "has no doc comment" });
            const whole = ts.isPropertySignature(m) && m.type ? wholeTypesIn(m.type) : [];
            if (whole.length) problems.push({ where: `${where}.${name}`, problem: `is typed with the whole ${whole.join(", ")}: take the slice it reads` });
        }
    };
    const seen = new Set<string>();
    const checkType = (where: string, t: ts.TypeNode): void => {
        if (ts.isTypeLiteralNode(t)) {
            members(where, t.members);
        } else if (ts.isIntersectionTypeNode(t)) {
            t.types.forEach((c) => checkType(where, c));
        } else if (ts.isParenthesizedTypeNode(t)) {
            checkType(where, t.type);
        } else if (wholeTypesIn(t).length) {
            problems.push({ where, problem: `is the whole ${wholeTypesIn(t).join(", ")}` });
        } else {
            const name = typeName(t);
            if (name) checkDecl(name);
        }
    };
    const checkDecl = (name: string): void => {
        const d = decls.get(name);
        if (seen.has(name) || !d) return;
        seen.add(name);
        if (ts.isTypeAliasDeclaration(d)) {
            checkType(name, d.type);
            return;
        }
        members(name, d.members);
        for (const h of d.heritageClauses ?? []) {
            for (const t of h.types) {
                const base = typeName(t);
                if (base && WHOLE.has(base)) problems.push({ where: name, problem: `extends the whole ${base}` });
                else if (base) checkDecl(base);
            }
        }
    };
    for (const { file, cls } of classes) {
        const className = cls.name?.text ?? "(anonymous)";
        if (ROOTS.has(className)) continue;
        const ctor = cls.members.find(ts.isConstructorDeclaration);
        const argsType = ctor?.parameters[1]?.type;
        if (!argsType) continue;
        checkType(`${path.basename(file)} ${className}(args)`, argsType);
    }
    for (const s of scopes) {
        if (!decls.has(s)) problems.push({ where: s, problem: "scope interface not found" });
        checkDecl(s);
    }
    return problems;
}

const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");
const awsFiles = fs.readdirSync(path.join(ROOT, AWS_DIR)).filter((f) => f.endsWith(".ts"));
const platformFiles = fs.readdirSync(path.join(ROOT, "components")).filter((f) => f.endsWith(".ts"));

test("the checker finds a whole runbook and an undocumented member, through extends and intersections", (t) => {
    const problems = argsProblems(
        {
            "scope.ts": ["export interface S {", "    /** ok */", "    readonly region: string;", "    readonly runbook: Runbook;", "}"].join("\n"),
            "a.ts": [
                "export interface AArgs extends S {",
                "    /** slice */",
                "    readonly data: Runbook['data'];",
                "    readonly bare: number;",
                "    /** whole in a union */",
                "    readonly rb?: Runbook | undefined;",
                "}",
                "export class A extends pulumi.ComponentResource {",
                "    constructor(name: string, args: AArgs & {",
                "        /** the stack */",
                "        ctx: PlatformContext;",
                "    }) { super('', name, {}); }",
                "}",
                "export class Fine extends pulumi.ComponentResource {",
                "    constructor(name: string, args: {",
                "        /** slice */",
                "        readonly services: readonly Runbook['services'][number][];",
                "    }) { super('', name, {}); }",
                "}",
            ].join("\n"),
        },
        ["S"],
    );
    t.deepEqual(problems.map((p) => `${p.where} ${p.problem.split(":")[0]}`).sort(), [
        "AArgs.bare has no doc comment",
        "AArgs.rb is typed with the whole Runbook",
        "S.runbook has no doc comment",
        "S.runbook is typed with the whole Runbook",
        "a.ts A(args).ctx is typed with the whole PlatformContext",
    ]);
});

test("AWS components and the platform's own take narrow, documented Args", (t) => {
    const sources = Object.fromEntries([...awsFiles.map((f) => `${AWS_DIR}/${f}`), ...platformFiles.map((f) => `components/${f}`)].map((f) => [f, read(f)]));
    const problems = argsProblems(sources);
    t.deepEqual(problems.map((p) => `${p.where} ${p.problem}`), []);
    // The checker saw the components: every AWS component class is found.
    const classes = Object.values(sources).join("\n").match(/class \w+ extends pulumi\.ComponentResource/g) ?? [];
    t.true(classes.length >= 18, `found ${classes.length} component classes`);
});

test("no AWS component module reads the runbook: only the Args builders do", (t) => {
    const readers = awsFiles.filter((f) => !ARGS_BUILDERS.includes(f) && /\.runbook\b|\breadonly runbook\b|\brunbook: (rb|Runbook)\b/.test(read(`${AWS_DIR}/${f}`)));
    t.deepEqual(readers, []);
});
