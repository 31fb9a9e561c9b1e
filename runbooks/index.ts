import { bunty } from "./bunty";
import { formulaPm } from "./formula-pm";
import { gravitypm } from "./gravitypm";
import { personalFinanceHub } from "./personal-finance-hub";
import { pfmCommunity } from "./pfm-community";
import { APP_IDS, parseRunbook, type AppId, type Runbook } from "./schema";

export * from "./schema";

const RAW: Record<AppId, Runbook> = {
    "pfm-community": pfmCommunity,
    "formula-pm": formulaPm,
    "personal-finance-hub": personalFinanceHub,
    bunty,
    gravitypm,
};

const parsed = new Map<AppId, Runbook>();

/** The validated runbook data of one app; invalid data throws with every problem listed. */
export function getRunbook(app: AppId): Runbook {
    let rb = parsed.get(app);
    if (!rb) {
        rb = Object.freeze(parseRunbook(RAW[app])) as Runbook;
        parsed.set(app, rb);
    }
    return rb;
}

export function allRunbooks(): Runbook[] {
    return APP_IDS.map(getRunbook);
}

/**
 * A runbook field a component cannot do without; throws naming the app and the field.
 * (Not `require`: a top-level function of that name breaks CommonJS emit, TS2441.)
 */
export function requireField<T>(value: T | undefined, app: string, field: string): T {
    if (value === undefined) throw new Error(`${app}: \`${field}\` is required for this component`);
    return value;
}
