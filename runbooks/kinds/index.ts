import { OBJECT_STORAGE_SIGNALS } from "./object-storage";
import { RABBITMQ_SIGNALS } from "./rabbitmq";

export { rabbitmqSchema } from "./rabbitmq";

/** The signals of the data kinds that have a module of their own, spread into `SIGNALS` (runbooks/schema.ts) in one line. */
export const KIND_SIGNALS = { ...RABBITMQ_SIGNALS, ...OBJECT_STORAGE_SIGNALS } as const;
