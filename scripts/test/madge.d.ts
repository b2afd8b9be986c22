// The part of madge's API (it ships no types) that import-cycles.test.ts uses.
declare module "madge" {
  interface MadgeConfig {
    baseDir?: string;
    fileExtensions?: string[];
    tsConfig?: string;
  }
  interface MadgeInstance {
    /** Each module mapped to the modules it imports (paths relative to baseDir). */
    obj(): Record<string, string[]>;
    /** Every import cycle, as the list of modules along it. */
    circular(): string[][];
  }
  export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeInstance>;
}
