import * as os from "os";

/**
 * At most `size` tasks at once: each program run is a node process compiling and running the
 * whole program, so on a 2-core CI machine more than two at a time only adds contention.
 */
export function pool(size = Number(process.env.RUNBOOK_RUNTIME_JOBS) || os.cpus().length) {
    let running = 0;
    const waiting: (() => void)[] = [];
    return async <T>(task: () => Promise<T>): Promise<T> => {
        if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
        running++;
        try {
            return await task();
        } finally {
            running--;
            waiting.shift()?.();
        }
    };
}
