/**
 * The part of CloudWatch metric math the platform's alarm expressions use, evaluated one period at a
 * time, as the CloudWatch user guide ("Using math expressions with CloudWatch metrics") defines it:
 * arithmetic, comparisons (1 for true, 0 for false), AND / OR, IF(condition, then, else) and
 * FILL(m, value). A metric with no datapoint in the period is missing; an expression over a missing
 * metric is missing (FILL turns it into its value): the alarm then applies its treatMissingData.
 * Written from the guide, not from the code under test, so a wrong expression shows as a wrong value.
 */

type Value = number | undefined;

const FUNCS = {
    IF: (c: Value, a: Value, b: Value): Value => (c === undefined ? undefined : c !== 0 ? a : b),
    FILL: (m: Value, v: Value): Value => (m === undefined ? v : m),
};

/** The expression's value for one period, given each metric id's datapoint (undefined: none). */
export function evaluate(expression: string, values: Readonly<Record<string, Value>>): Value {
    const tokens = expression.match(/\s*(>=|<=|!=|==|[()+\-*/,<>]|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?(?:e[+-]?\d+)?)/g);
    if (!tokens || tokens.join("").replace(/\s/g, "") !== expression.replace(/\s/g, "")) throw new Error(`cannot read ${expression}`);
    const ts = tokens.map((t) => t.trim());
    let i = 0;
    const peek = () => ts[i];
    const take = (want?: string) => {
        const t = ts[i++];
        if (want !== undefined && t !== want) throw new Error(`${expression}: expected ${want} at ${t}`);
        return t;
    };
    const bin = (a: Value, b: Value, f: (x: number, y: number) => number): Value => (a === undefined || b === undefined ? undefined : f(a, b));
    const or = (): Value => {
        let v = and();
        while (peek() === "OR") {
            take();
            v = bin(v, and(), (x, y) => Number(x !== 0 || y !== 0));
        }
        return v;
    };
    const and = (): Value => {
        let v = cmp();
        while (peek() === "AND") {
            take();
            v = bin(v, cmp(), (x, y) => Number(x !== 0 && y !== 0));
        }
        return v;
    };
    const cmp = (): Value => {
        const v = sum();
        const ops: Record<string, (x: number, y: number) => boolean> = { ">": (x, y) => x > y, "<": (x, y) => x < y, ">=": (x, y) => x >= y, "<=": (x, y) => x <= y, "==": (x, y) => x === y, "!=": (x, y) => x !== y };
        const op = peek();
        if (op && ops[op]) {
            take();
            return bin(v, sum(), (x, y) => Number(ops[op](x, y)));
        }
        return v;
    };
    const sum = (): Value => {
        let v = prod();
        while (peek() === "+" || peek() === "-") {
            const op = take();
            v = bin(v, prod(), (x, y) => (op === "+" ? x + y : x - y));
        }
        return v;
    };
    const prod = (): Value => {
        let v = atom();
        while (peek() === "*" || peek() === "/") {
            const op = take();
            v = bin(v, atom(), (x, y) => (op === "*" ? x * y : x / y));
        }
        return v;
    };
    const atom = (): Value => {
        const t = take();
        if (t === "(") {
            const v = or();
            take(")");
            return v;
        }
        if (t === "-") return bin(0, atom(), (x, y) => x - y);
        if (/^\d/.test(t)) return Number(t);
        if (t in FUNCS) {
            take("(");
            const args: Value[] = [or()];
            while (peek() === ",") {
                take();
                args.push(or());
            }
            take(")");
            return (FUNCS[t as keyof typeof FUNCS] as (...a: Value[]) => Value)(...args);
        }
        if (!(t in values)) throw new Error(`${expression}: no value given for ${t}`);
        return values[t];
    };
    const v = or();
    if (i !== ts.length) throw new Error(`${expression}: trailing ${ts.slice(i).join(" ")}`);
    return v;
}

/** Whether an alarm breaches in a period: the value against its threshold, a missing value by treatMissingData. */
export function breaches(alarm: { comparison: "GreaterThanThreshold" | "LessThanThreshold"; threshold: number; treatMissingData: string }, value: Value): boolean | "missing" {
    if (value === undefined) return alarm.treatMissingData === "breaching" ? true : alarm.treatMissingData === "notBreaching" ? false : "missing";
    return alarm.comparison === "GreaterThanThreshold" ? value > alarm.threshold : value < alarm.threshold;
}
