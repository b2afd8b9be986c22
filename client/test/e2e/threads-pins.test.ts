// Threads, pins and document previews in a real browser against the real services: a reply in a thread
// shows in the thread panel and as the root's count, never in the main list, and the other person's open
// thread catches up after their network comes back; a pin shows for both; a PDF shows its first page
// and opens in the in-app viewer.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { minimalPdf } from "@messenger/common/testing";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, type OpenedApp, pairInDirect, type Stack, screenshot, sendText, startStack } from "./harness";

const chatOf = (page: Page) => page.getByTestId("message-list");
const rowOf = (page: Page, text: string) =>
  chatOf(page).locator("[data-testid=message][data-id]").filter({ hasText: text });
const panelOf = (page: Page) => page.getByTestId("thread-panel");

async function replyInThread(page: Page, text: string) {
  const input = panelOf(page).getByTestId("thread-input");
  await input.fill(text);
  await input.press("Enter");
}

describe("web client end to end: threads, pins and documents", () => {
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

  test("a thread reply shows in the panel and as the root's count, not in the main list, and catches up after a reconnect", async () => {
    await sendText(ben.page, "Who books the venue?");
    const root = rowOf(ana.page, "Who books the venue?");
    await root.waitFor();
    await root.hover();
    await root.getByTestId("reply-in-thread").click();
    await panelOf(ana.page).getByTestId("thread-root").filter({ hasText: "Who books the venue?" }).waitFor();
    await replyInThread(ana.page, "I will, on Friday");
    await panelOf(ana.page).getByTestId("thread-reply").filter({ hasText: "I will, on Friday" }).waitFor();

    // Ben: the root says "1 reply"; the reply itself is not in the conversation's list.
    const benRoot = rowOf(ben.page, "Who books the venue?");
    await benRoot.getByTestId("thread-summary").filter({ hasText: "1 reply" }).waitFor();
    await rowOf(ana.page, "Who books the venue?")
      .getByTestId("thread-summary")
      .filter({ hasText: "1 reply" })
      .waitFor();
    assert.equal(await chatOf(ben.page).getByText("I will, on Friday").count(), 0, "not in Ben's main list");
    assert.equal(await chatOf(ana.page).getByText("I will, on Friday").count(), 0, "nor in Ana's");

    await benRoot.getByTestId("thread-summary").click();
    await panelOf(ben.page).getByTestId("thread-reply").filter({ hasText: "I will, on Friday" }).waitFor();

    // Ben's network drops; Ana replies twice meanwhile; when it is back, Ben's open thread has both.
    await ben.context.setOffline(true);
    await ben.page.getByTestId("connection-state").and(ben.page.locator("[data-state=offline]")).waitFor();
    await replyInThread(ana.page, "Booked the lighthouse");
    await replyInThread(ana.page, "Deposit paid");
    await panelOf(ana.page).getByTestId("thread-reply").filter({ hasText: "Deposit paid" }).waitFor();
    await ben.context.setOffline(false);
    await panelOf(ben.page)
      .getByTestId("thread-reply")
      .filter({ hasText: "Deposit paid" })
      .waitFor({ timeout: 30_000 });
    assert.deepEqual(
      await panelOf(ben.page)
        .getByTestId("thread-reply")
        .allTextContents()
        .then((all) => all.map((s) => /I will|Booked|Deposit/.exec(s)?.[0])),
      ["I will", "Booked", "Deposit"],
      "every reply once, in order",
    );
    await benRoot.getByTestId("thread-summary").filter({ hasText: "3 replies" }).waitFor();
    assert.equal(await chatOf(ben.page).getByText("Deposit paid").count(), 0);
    await screenshot(ben.page, "14-thread-panel");

    // A reply sent also to the conversation shows in both.
    await panelOf(ana.page).getByLabel("Also send to the conversation").check();
    await replyInThread(ana.page, "Decided: the lighthouse");
    await rowOf(ben.page, "Decided: the lighthouse").waitFor();
    await panelOf(ben.page).getByTestId("thread-reply").filter({ hasText: "Decided: the lighthouse" }).waitFor();
    await panelOf(ben.page).getByRole("button", { name: "Close thread" }).click();
    await panelOf(ben.page).waitFor({ state: "detached" });
  });

  test("a pin shows for both people and in the pinned list", async () => {
    await sendText(ana.page, "Office code is 4321");
    const row = rowOf(ana.page, "Office code is 4321");
    await row.hover();
    await row.getByTestId("pin-button").click();
    await rowOf(ben.page, "Office code is 4321").getByTestId("pinned-mark").waitFor();
    await row.getByTestId("pinned-mark").waitFor();
    await ben.page.getByTestId("pins-button").click();
    await ben.page
      .getByTestId("pins-list")
      .getByTestId("message-card")
      .filter({ hasText: "Office code is 4321" })
      .waitFor();
    await ben.page.keyboard.press("Escape");
  });

  test("a PDF shows its first page as a thumbnail and opens in the viewer", async () => {
    await ben.page
      .getByTestId("file-input")
      .setInputFiles({ name: "Venue contract.pdf", mimeType: "application/pdf", buffer: minimalPdf() });
    await ben.page.locator('[data-testid=upload][data-status="done"]').waitFor();
    await ben.page.getByRole("button", { name: "Send" }).click();
    const thumb = chatOf(ana.page).getByTestId("pdf-thumbnail").last();
    await thumb.waitFor();
    await ana.page.waitForFunction(() => {
      const img = [...document.querySelectorAll<HTMLImageElement>("[data-testid=pdf-thumbnail]")].at(-1);
      return !!img && img.complete && img.naturalWidth > 0;
    });
    assert.match((await thumb.getAttribute("src")) ?? "", /^\/api\/media\/.+\/thumbnail/);
    await screenshot(ana.page, "15-pdf-thumbnail");

    await chatOf(ana.page).getByTestId("pdf-attachment").last().click();
    await ana.page.locator('[data-testid=pdf-viewer][data-pages="1"]').waitFor();
    // The page is drawn: the canvas has the page's red lower half.
    await ana.page.waitForFunction(() => {
      const c = document.querySelector<HTMLCanvasElement>("[data-testid=pdf-canvas]");
      if (!c || c.width === 0) return false;
      const [r, g, b] = c.getContext("2d")!.getImageData(c.width / 2, Math.floor(c.height * 0.85), 1, 1).data;
      return r! > 200 && g! < 80 && b! < 80;
    });
    await screenshot(ana.page, "16-pdf-viewer");
    await ana.page.keyboard.press("Escape");
  });
});
