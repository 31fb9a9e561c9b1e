import type { Source } from "./schema";

/** Returns a function that cites a section of one seed: `at("Alert Thresholds", "Disk Critical: > 95% disk usage")`. */
export function citing(seed: string): (section: string, quote: string) => Source {
    return (section, quote) => ({ seed, section, quote });
}
