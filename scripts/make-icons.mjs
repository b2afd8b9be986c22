// Regenerates the web app's PNG icons (client/public/icons) from the SVG mark: `node scripts/make-icons.mjs`.
// The PNGs are committed (the client's build needs no image tooling); run this after changing the mark.
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const out = join(dirname(fileURLToPath(import.meta.url)), "../client/public/icons");
const bubble = (fill) =>
  `<path d="M16 20h32a4 4 0 0 1 4 4v16a4 4 0 0 1-4 4H30l-10 8v-8h-4a4 4 0 0 1-4-4V24a4 4 0 0 1 4-4z" fill="${fill}"/>`;
const svg = (body) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">${body}</svg>`);

const icons = {
  // "any": rounded square, as the favicon.
  "icon-192.png": [svg(`<rect width="64" height="64" rx="14" fill="#1f6feb"/>${bubble("#fff")}`), 192],
  "icon-512.png": [svg(`<rect width="64" height="64" rx="14" fill="#1f6feb"/>${bubble("#fff")}`), 512],
  // "maskable": full bleed, the mark inside the 80 % safe zone.
  "icon-maskable-512.png": [
    svg(
      `<rect width="64" height="64" fill="#1f6feb"/><g transform="translate(9.6 9.6) scale(0.7)">${bubble("#fff")}</g>`,
    ),
    512,
  ],
  // Notification badge (Android status bar): white on transparent, the system tints it.
  "badge-96.png": [svg(`<g transform="translate(-6.4 -8) scale(1.2)">${bubble("#fff")}</g>`), 96],
};

await mkdir(out, { recursive: true });
for (const [name, [source, size]] of Object.entries(icons)) {
  await sharp(source, { density: 72 * (size / 64) })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toFile(join(out, name));
  console.log(`icons/${name} (${size}×${size})`);
}
