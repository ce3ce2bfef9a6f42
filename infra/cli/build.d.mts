/** The folder of the current build of the CLI, or undefined when there is none or a source changed. */
export function currentBuild(dist?: string): string | undefined;
/** Builds the CLI into `dist` (default dist/cli) and makes it current; resolves to its folder. */
export function buildCli(dist?: string): Promise<string>;
/** dist/cli in the repository. */
export const cliDist: string;
