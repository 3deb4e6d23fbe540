/** Types of scripts/demo-text.mjs (the demo's closing text), for its unit test. */
export declare const DEMO_PAGES: ReadonlyArray<{ path: string; asset: string; what: string }>;
export declare function imagesBuilt(classNames: readonly string[], repositories: readonly string[]): number;
export declare function tryItText(base: string, fetcherId: string): string;
