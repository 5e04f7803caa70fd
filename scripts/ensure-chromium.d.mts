// Types for scripts/ensure-chromium.mjs, so TypeScript tests can import it.
import type { BrowserContext } from 'playwright-core';

export declare const CHROMIUM_PATH: string;
export declare const CHROMIUM_ARGS: string[];
export declare function ensureChromium(opts?: { log?: (message: string) => void }): string;
export declare function launchChromium(opts?: { viewport?: { width: number; height: number } }): Promise<{ context: BrowserContext; close(): Promise<void> }>;
