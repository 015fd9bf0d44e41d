// Types of lib/bin/dist.mjs (plain JavaScript, so that the launcher runs before anything is compiled).
export declare const ENTRIES: string[];
export declare function hashTree(root: string, inputs: readonly string[]): string;
export declare function ensureDist(root?: string, say?: (m: string) => void): Promise<void>;
