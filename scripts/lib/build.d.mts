export interface Workspace {
  dir: string;
  name: string;
  builds: boolean;
  deps: string[];
}
export function workspaces(root: string): Promise<Workspace[]>;
export function buildChanged(opts: { root: string; force?: boolean; say?: (line: string) => void }): Promise<string[]>;
