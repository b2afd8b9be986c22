// markdown-it-emoji ships its data table without types.
declare module "markdown-it-emoji/lib/data/full.mjs" {
  const shortcodes: Record<string, string>;
  export default shortcodes;
}
