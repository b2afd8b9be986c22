// Rich messages in a real browser against the real services: formatting, the composer's limit and
// keys, the emoji picker and reactions, attachments in the order chosen, the gallery, and media that
// reload by themselves after a network drop.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MESSAGE_BODY_MAX } from "@messenger/protocol";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import {
  launchBrowser,
  type OpenedApp,
  PASSWORD,
  pairInDirect,
  type Stack,
  screenshot,
  sendText,
  startStack,
  uniqueName,
} from "./harness";

const chatOf = (page: Page) => page.getByTestId("message-list");
const sent = (page: Page, text: string) =>
  chatOf(page).locator("[data-testid=message][data-id]").filter({ hasText: text });

/** A JPEG of `side`² pixels in one colour: bigger ones take media-service longer to process. */
const photo = (side: number, r: number) =>
  sharp({ create: { width: side, height: side, channels: 3, background: { r, g: 90, b: 160 } } })
    .jpeg()
    .toBuffer();

describe("web client end to end: rich messages", () => {
  let stack: Stack;
  let browser: Browser;
  let ana: OpenedApp;
  let ben: OpenedApp;

  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    ({ ana, ben } = await pairInDirect(browser, stack.baseUrl));
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("bold, a code block, a list and a link render as strong, pre code, li and a", async () => {
    await sendText(
      ben.page,
      "**Release** is _today_ :rocket:\n- build\n- `npm test`\n\n```ts\nconst ok: boolean = true;\n```\nsee [the notes](https://example.com/notes)",
    );
    const body = sent(ana.page, "Release").getByTestId("message-body");
    await body.locator("strong", { hasText: "Release" }).waitFor();
    assert.equal(await body.locator("em").textContent(), "today");
    assert.deepEqual(await body.locator("li").allTextContents(), ["build", "npm test"]);
    assert.equal(await body.locator("pre code").textContent(), "const ok: boolean = true;");
    // Highlighted once highlight.js has loaded, in a monospace font, with a copy button.
    await body.locator("pre code .hljs-keyword").first().waitFor();
    const font = await body.locator("pre code").evaluate((el) => getComputedStyle(el).fontFamily);
    assert.match(font, /mono/i);
    await body.getByRole("button", { name: "Copy code" }).waitFor();
    const link = body.getByRole("link", { name: "the notes" });
    assert.equal(await link.getAttribute("href"), "https://example.com/notes");
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
    assert.match((await body.textContent()) ?? "", /🚀/);
    // The conversation list previews it as plain text.
    await ana.page.getByTestId("conversation-preview").filter({ hasText: "Release is today 🚀 build" }).waitFor();
    await screenshot(ana.page, "15-formatted-message");
  });

  test("<script> and javascript: links stay text", async () => {
    await sendText(
      ben.page,
      "<script>document.title='pwned'</script> [click me](javascript:alert(1)) javascript:alert(2) [x](data:text/html,hi)",
    );
    const body = sent(ana.page, "click me").getByTestId("message-body");
    await body.waitFor();
    assert.match((await body.textContent()) ?? "", /<script>document\.title='pwned'<\/script>/);
    assert.equal(await body.locator("script, a").count(), 0);
    assert.notEqual(await ana.page.title(), "pwned");
  });

  test("the counter refuses 4,001 characters without cutting them; Up edits my last message", async () => {
    const box = ana.page.getByTestId("composer-input");
    await box.fill("a".repeat(MESSAGE_BODY_MAX + 1));
    const counter = ana.page.getByTestId("length-counter");
    await counter.filter({ hasText: "Too long by 1 characters" }).waitFor();
    assert.equal(await ana.page.getByRole("button", { name: "Send" }).isDisabled(), true);
    await box.press("Enter");
    assert.equal((await box.inputValue()).length, MESSAGE_BODY_MAX + 1, "nothing is cut");
    // A paste far over the limit is kept whole too.
    await box.fill("b".repeat(5000));
    assert.equal((await box.inputValue()).length, 5000);
    await counter.filter({ hasText: "Too long by 1000 characters" }).waitFor();
    // Back at the limit it goes, whole.
    await box.fill("c".repeat(MESSAGE_BODY_MAX));
    await counter.filter({ hasText: "0 characters left" }).waitFor();
    await box.press("Enter");
    await sent(ben.page, "cccc").waitFor();
    assert.equal((await sent(ben.page, "cccc").getByTestId("message-body").textContent())?.length, MESSAGE_BODY_MAX);

    await sendText(ana.page, "Lunch at noon?");
    await sent(ana.page, "Lunch at noon?")
      .locator("[data-status=sent],[data-status=delivered],[data-status=seen]")
      .waitFor();
    await box.press("ArrowUp");
    await ana.page.getByTestId("composer-mode").filter({ hasText: "Editing" }).waitFor();
    assert.equal(await box.inputValue(), "Lunch at noon?");
    await box.press("Escape");
    await ana.page.getByTestId("composer-mode").waitFor({ state: "detached" });
    assert.equal(await box.inputValue(), "");
  });

  test("Ctrl+K jumps to a person; Esc closes it", async () => {
    const cleo = uniqueName("cleo");
    const res = await fetch(`${stack.baseUrl}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: cleo, password: PASSWORD, displayName: "Cleo Park" }),
    });
    assert.equal(res.status, 201);
    await ana.page.keyboard.press("Control+K");
    const input = ana.page.getByTestId("quick-switcher-input");
    await input.waitFor();
    await ana.page.keyboard.press("Escape");
    await input.waitFor({ state: "detached" });

    await ana.page.keyboard.press("Control+K");
    await input.fill("Cleo");
    await ana.page.getByTestId("quick-switcher-choice").filter({ hasText: "Cleo Park" }).waitFor();
    await input.press("Enter");
    await ana.page.getByTestId("chat-title").filter({ hasText: "Cleo Park" }).waitFor();
    await ana.page.keyboard.press("Control+K");
    await input.fill("Ben");
    await ana.page.getByTestId("quick-switcher-choice").filter({ hasText: "Ben Okafor" }).waitFor();
    await input.press("Enter");
    await ana.page.getByTestId("chat-title").filter({ hasText: "Ben Okafor" }).waitFor();
  });

  test("an emoji picked in the picker is a reaction the other member sees; the composer inserts one", async () => {
    await sendText(ben.page, "Who brings the cake?");
    const target = sent(ana.page, "Who brings the cake?");
    await target.hover();
    await target.getByRole("button", { name: "React" }).click();
    await target.getByRole("menuitem", { name: "More emoji" }).click();
    const picker = ana.page.getByTestId("emoji-picker");
    await picker.locator("input[type=search]").fill("unicorn");
    await picker.locator(`button[aria-label="🦄"]`).first().click();
    await picker.waitFor({ state: "detached" });
    await sent(ben.page, "Who brings the cake?").getByTestId("reaction").filter({ hasText: "🦄 1" }).waitFor();

    await ben.page.getByRole("button", { name: "Insert emoji" }).click();
    const benPicker = ben.page.getByTestId("emoji-picker");
    await benPicker.locator("input[type=search]").fill("tada");
    await benPicker.locator(`button[aria-label="🎉"]`).first().click();
    await ben.page.waitForFunction(
      () => document.querySelector<HTMLTextAreaElement>("[data-testid=composer-input]")?.value === "🎉",
    );
    // Recently used comes back next time.
    await ben.page.getByRole("button", { name: "Insert emoji" }).click();
    await benPicker.locator('[aria-label="🎉"]').first().waitFor();
    await ben.page.keyboard.press("Escape");
    await benPicker.waitFor({ state: "detached" });
    await ben.page.getByTestId("composer-input").fill("");
  });

  test("four files keep the order chosen, for both people and after a reload; the gallery steps through them", async () => {
    // The first file chosen is the largest, so it finishes processing last.
    const files = await Promise.all(
      [3000, 300, 900, 200].map(async (side, i) => ({
        name: `${i + 1}-plan.jpg`,
        mimeType: "image/jpeg",
        buffer: await photo(side, 40 * i),
      })),
    );
    await ben.page.getByTestId("file-input").setInputFiles(files);
    await ben.page.waitForFunction(
      () => document.querySelectorAll('[data-testid=upload][data-status="done"]').length === 4,
    );
    await ben.page.getByRole("button", { name: "Send" }).click();
    const names = files.map((f) => f.name);
    const shown = (page: Page) =>
      sent(page, "")
        .filter({ has: page.locator('[alt="1-plan.jpg"]') })
        .getByTestId("image-thumbnail");
    await shown(ana.page).nth(3).waitFor();
    assert.deepEqual(await shown(ana.page).evaluateAll((els) => els.map((e) => e.getAttribute("alt"))), names);
    assert.deepEqual(await shown(ben.page).evaluateAll((els) => els.map((e) => e.getAttribute("alt"))), names);
    await ana.page.reload();
    await shown(ana.page).nth(3).waitFor();
    assert.deepEqual(await shown(ana.page).evaluateAll((els) => els.map((e) => e.getAttribute("alt"))), names);

    await shown(ana.page).nth(1).click();
    const position = ana.page.getByTestId("gallery-position");
    await position.filter({ hasText: "2-plan.jpg" }).waitFor();
    await ana.page.keyboard.press("ArrowRight");
    await position.filter({ hasText: "3-plan.jpg" }).waitFor();
    await ana.page.getByRole("button", { name: "Previous" }).click();
    await ana.page.getByRole("button", { name: "Previous" }).click();
    await position.filter({ hasText: "1-plan.jpg" }).waitFor();
    assert.equal(await ana.page.getByRole("button", { name: "Previous" }).isDisabled(), true);
    const download = ana.page.getByTestId("download-original");
    assert.equal(await download.textContent(), " Download original");
    assert.equal(await download.getAttribute("download"), "1-plan.jpg");
    // Larger than the shown size: the full-resolution copy.
    assert.match((await download.getAttribute("href")) ?? "", /^\/api\/media\/[0-9a-f-]+\/original$/);
    await screenshot(ana.page, "16-gallery");
    await ana.page.keyboard.press("Escape");
    await position.waitFor({ state: "detached" });
  });

  test("a photo that failed to load during a network drop loads by itself when the network is back", async () => {
    const full = ana.page.getByTestId("image-full");
    await ana.context.setOffline(true);
    await ana.page.getByTestId("connection-state").and(ana.page.locator("[data-state=offline]")).waitFor();
    // Opened while offline: the full-size photo (never loaded before) fails.
    await sent(ana.page, "").getByRole("button", { name: "Open 4-plan.jpg full size" }).click();
    await full.waitFor();
    await ana.page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>("[data-testid=image-full]");
      return !!img && img.complete && img.naturalWidth === 0;
    });
    await ana.context.setOffline(false);
    await ana.page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>("[data-testid=image-full]");
      return !!img && img.complete && img.naturalWidth > 0;
    });
    await ana.page.keyboard.press("Escape");
    await full.waitFor({ state: "detached" });

    // A photo arriving while the network is failing: its thumbnail in the timeline fails, then loads
    // when the network is back, without scrolling or reopening anything.
    const thumbnails = "**/api/media/*/thumbnail";
    await ana.page.route(thumbnails, (route) => route.abort("internetdisconnected"));
    await ben.page
      .getByTestId("file-input")
      .setInputFiles({ name: "5-late.jpg", mimeType: "image/jpeg", buffer: await photo(400, 200) });
    await ben.page.locator('[data-testid=upload][data-status="done"]').waitFor();
    await ben.page.getByRole("button", { name: "Send" }).click();
    const loaded = (ok: boolean) =>
      ana.page.waitForFunction((ok) => {
        const img = document.querySelector<HTMLImageElement>('[data-testid=image-thumbnail][alt="5-late.jpg"]');
        return !!img && img.complete && (ok ? img.naturalWidth > 0 : img.naturalWidth === 0);
      }, ok);
    await loaded(false);
    await ana.context.setOffline(true);
    await ana.page.unroute(thumbnails);
    await ana.context.setOffline(false);
    await loaded(true);
  });
});
