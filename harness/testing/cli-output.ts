/** For tests that run the CLI: where the run's results.json went, from the `results:` line it prints. */
export function resultsPath(stderr: string): string {
  const match = /^results: (\S+)/m.exec(stderr);
  if (!match?.[1]) throw new Error(`no results line in:\n${stderr}`);
  return match[1];
}
