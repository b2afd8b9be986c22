// Unread in a real browser against the real services: a conversation with 120 unread opens at the
// "New messages" line, not at the bottom; the read position (here and on the server) follows the
// scrolling instead of jumping to the end on open; "Jump to first unread" and "Mark as read". Ben uses
// the browser; Ana writes from the client core in Node, so a long history is quick to make.
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { myMember } from "../../src/stores/conversations";
import { sendAll, until } from "../core-harness";
import {
  conversationItem,
  launchBrowser,
  type NodeWriter,
  nodeWriter,
  type OpenedApp,
  openApp,
  type Stack,
  screenshot,
  signUp,
  startStack,
  uniqueName,
} from "./harness";

const list = (page: Page) => page.getByTestId("message-list");
const row = (page: Page, text: string) =>
  list(page)
    .locator("[data-testid=message][data-id]")
    .filter({ has: page.getByText(text, { exact: true }) });

/** Is the row with exactly `text` inside the visible part of the message list? */
const onScreen = (page: Page, text: string) =>
  page.evaluate((t) => {
    const rows = [...document.querySelectorAll("[data-testid=message]")];
    const r = rows.find((x) => x.querySelector("[data-testid=message-body]")?.textContent === t);
    const box = r?.getBoundingClientRect();
    const view = document.querySelector("[data-testid=message-list]")?.getBoundingClientRect();
    return !!box && !!view && box.bottom > view.top && box.top < view.bottom;
  }, text);

describe("web client end to end: unread", () => {
  let stack: Stack;
  let browser: Browser;
  let ben: OpenedApp;
  let ana: NodeWriter;
  const benName = uniqueName("ben");

  before(async () => {
    [stack, browser] = await Promise.all([startStack({ chatEnv: { SEND_RATE_PER_SECOND: "1000" } }), launchBrowser()]);
    ben = await openApp(browser, stack.baseUrl);
    await signUp(ben.page, { username: benName, displayName: "Ben Okafor" });
    ana = await nodeWriter(stack.baseUrl, uniqueName("ana"), "Ana Torres");
  });

  after(async () => {
    ana?.stop();
    await browser?.close();
    await stack?.stop();
  });

  test("120 unread: it opens at the New messages line, and the read position follows the scrolling", async () => {
    const benId = (await ana.client.searchUsers(benName))[0]!.id;
    const dm = await ana.client.startDirect(benId);
    await sendAll(ana.client, dm.id, ["Morning! Read this one already"]);
    await conversationItem(ben.page, "Ana Torres").click();
    await row(ben.page, "Morning! Read this one already").waitFor();
    const benRead = () => myMember(ana.client.stores.conversations.byId(dm.id)!, benId)?.lastReadSeq ?? 0;
    await until(ana.client, () => benRead() === 1, "Ben read the first message");

    // Ben looks elsewhere while Ana writes a lot.
    await ben.page.evaluate(() => {
      location.hash = "";
    });
    await ben.page.getByTestId("chat").waitFor({ state: "detached" });
    await sendAll(
      ana.client,
      dm.id,
      Array.from({ length: 120 }, (_, i) => `news ${i + 1}`),
    );
    await conversationItem(ben.page, "Ana Torres").getByTestId("unread-badge").filter({ hasText: "99+" }).waitFor();

    await conversationItem(ben.page, "Ana Torres").click();
    // The line sits right above the first unread message, which is on screen; the newest is not.
    const divider = ben.page.getByTestId("unread-divider");
    await divider.waitFor();
    await row(ben.page, "news 1").waitFor();
    const above = await ben.page.evaluate(() => {
      const line = document.querySelector("[data-testid=unread-divider]");
      return line?.nextElementSibling?.querySelector("[data-testid=message-body]")?.textContent;
    });
    if (above !== "news 1") throw new Error(`the line is above "${above}", not above the first unread`);
    if (!(await onScreen(ben.page, "news 1"))) throw new Error("the first unread message is not on screen");
    if (await onScreen(ben.page, "news 120")) throw new Error("it opened at the bottom");
    await ben.page.getByTestId("unread-bar").filter({ hasText: "unread messages" }).waitFor();
    await screenshot(ben.page, "15-unread-divider");

    // What is on screen is read, no more: the server has Ben's position somewhere in the first screen.
    await until(ana.client, () => benRead() > 2, "Ben's position moved past the first screen's messages");
    const firstScreen = benRead();
    if (firstScreen >= 121) throw new Error("opening read everything");

    // Scrolling down a screen moves it on, still not to the end.
    await list(ben.page).hover();
    await ben.page.mouse.wheel(0, 500);
    await until(ana.client, () => benRead() > firstScreen, "the position follows one screen of scrolling");
    if (benRead() >= 121) throw new Error("one screen of scrolling read everything");

    // Jump to first unread brings the line back into view.
    await ben.page.mouse.wheel(0, 800);
    await ben.page.getByRole("button", { name: "Jump to first unread" }).click();
    await ben.page.waitForFunction(() => {
      const line = document.querySelector("[data-testid=unread-divider]")?.getBoundingClientRect();
      const view = document.querySelector("[data-testid=message-list]")?.getBoundingClientRect();
      return !!line && !!view && line.top >= view.top - 1 && line.bottom <= view.bottom;
    });

    // Mark as read: all of it, at once; the bar goes away, the line stays where it was.
    await ben.page.getByRole("button", { name: "Mark as read" }).click();
    await ben.page.getByTestId("unread-bar").waitFor({ state: "detached" });
    await conversationItem(ben.page, "Ana Torres").getByTestId("unread-badge").waitFor({ state: "detached" });
    await until(ana.client, () => benRead() === 121, "the server has Ben's position at the end");
    await divider.waitFor();
  });

  test("scrolling to the bottom reads the rest", async () => {
    const cyd = await nodeWriter(stack.baseUrl, uniqueName("cyd"), "Cyd Park");
    try {
      const benId = (await cyd.client.searchUsers(benName))[0]!.id;
      const dm = await cyd.client.startDirect(benId);
      await sendAll(
        cyd.client,
        dm.id,
        Array.from({ length: 60 }, (_, i) => `line ${i + 1}`),
      );
      await conversationItem(ben.page, "Cyd Park").getByTestId("unread-badge").filter({ hasText: "60" }).waitFor();
      await conversationItem(ben.page, "Cyd Park").click();
      await row(ben.page, "line 1").waitFor();
      const benRead = () => myMember(cyd.client.stores.conversations.byId(dm.id)!, benId)?.lastReadSeq ?? 0;
      await until(cyd.client, () => benRead() > 0, "the first screen read");
      if (benRead() >= 60) throw new Error("opening read everything");
      await list(ben.page).hover();
      // Page by page to the newest (the window pages on as it goes).
      for (let i = 0; i < 30 && !(await onScreen(ben.page, "line 60")); i++) await ben.page.mouse.wheel(0, 1200);
      await row(ben.page, "line 60").waitFor();
      await until(cyd.client, () => benRead() === 60, "read to the end by scrolling");
      await conversationItem(ben.page, "Cyd Park").getByTestId("unread-badge").waitFor({ state: "detached" });
    } finally {
      cyd.stop();
    }
  });
});
