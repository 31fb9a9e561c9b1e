import type { Env } from "../runbooks";

/** The targets a stack can run on, and the one each environment runs on unless its stack says otherwise. */
export const TARGETS = ["docker", "kubernetes", "aws"] as const;
export type Target = (typeof TARGETS)[number];

/** The target each environment runs on unless its stack says otherwise. */
export const DEFAULT_TARGET: Readonly<Record<Env, Target>> = { local: "docker", staging: "kubernetes", production: "aws" };
