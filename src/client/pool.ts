/** Kept so existing imports of "client/pool.js" work: the pool lives in client/pool/ (one job per file). */
export * from "./pool/index.js";
