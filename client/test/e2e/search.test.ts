// Message search in a real browser against the real services: from the sidebar (across conversations)
// and inside the open conversation; a result far back in the history is loaded around, brought into
// view and highlighted; no results and errors are said in words. Ana uses the browser; Ben and Cyd
// write from the client core in Node (the same code as the app), so a long history is quick to make.
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { sendAll } from "../core-harness";
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

const chatOf = (page: Page) => page.getByTestId("message-list");
const messageRow = (page: Page, text: string) =>
  chatOf(page).locator("[data-testid=message][data-id]").filter({ hasText: text });

/** Waits until the message row with `text` is highlighted and entirely inside the visible message list. */
async function shownAndHighlighted(page: Page, text: string) {
  await messageRow(page, text).and(page.locator(".row.highlighted")).waitFor();
  await page.waitForFunction((t) => {
    const row = [...document.querySelectorAll(".row.highlighted")].find((r) => r.textContent?.includes(t));
    const box = row?.getBoundingClientRect();
    const list = document.querySelector("[data-testid=message-list]")?.getBoundingClientRect();
    return !!box && !!list && box.top >= list.top - 1 && box.bottom <= list.bottom + 1;
  }, text);
}

describe("web client end to end: message search", () => {
  let stack: Stack;
  let browser: Browser;
  let ana: OpenedApp;
  const anaName = uniqueName("ana");
  const writers: NodeWriter[] = [];

  /** Someone who writes from Node with the app's own client core. */
  async function writer(username: string, displayName: string) {
    const w = await nodeWriter(stack.baseUrl, username, displayName);
    writers.push(w);
    return w.client;
  }

  before(async () => {
    // Ben writes 150 messages in a burst: more than the default per-user send rate allows.
    [stack, browser] = await Promise.all([startStack({ chatEnv: { SEND_RATE_PER_SECOND: "1000" } }), launchBrowser()]);
    ana = await openApp(browser, stack.baseUrl);
    await signUp(ana.page, { username: anaName, displayName: "Ana Torres" });
  });

  after(async () => {
    for (const w of writers) w.stop();
    await browser?.close();
    await stack?.stop();
  });

  test("from the sidebar: a message far back is found, loaded around, shown and highlighted; back to the newest", async () => {
    const ben = await writer(uniqueName("ben"), "Ben Okafor");
    const anaId = (await ben.searchUsers(anaName))[0]!.id;
    const dm = await ben.startDirect(anaId);
    await sendAll(ben, dm.id, [
      ...Array.from({ length: 12 }, (_, i) => `earlier note ${i + 1}`),
      "Shall we book the lighthouse venue for the offsite?",
      ...Array.from({ length: 80 }, (_, i) => `update ${i + 1}: nothing new`),
      "The budget for the offsite is approved",
      ...Array.from({ length: 70 }, (_, i) => `update ${i + 81}: nothing new`),
    ]);
    // All of it unread: it opens at the first one; Mark as read, then down to the newest.
    await conversationItem(ana.page, "Ben Okafor").click();
    await ana.page.getByTestId("unread-divider").waitFor();
    await ana.page.getByRole("button", { name: "Mark as read" }).click();
    await ana.page.getByTestId("jump-latest").click();
    await chatOf(ana.page).getByText("update 150: nothing new").waitFor();

    // Keyboard only: type, arrow down to the first result, Enter.
    const search = ana.page.getByLabel("Search people and messages");
    await search.fill("Lighthouse");
    const result = ana.page.getByTestId("message-result").filter({ hasText: "lighthouse venue" });
    await result.locator("mark", { hasText: "lighthouse" }).waitFor();
    await result.filter({ hasText: "Ben Okafor" }).waitFor();
    await search.press("ArrowDown");
    await ana.page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "message-result");
    await ana.page.keyboard.press("Enter");

    await shownAndHighlighted(ana.page, "lighthouse venue");
    await chatOf(ana.page).and(ana.page.locator("[data-window=older]")).waitFor();
    await screenshot(ana.page, "13-message-search");
    // Briefly: the highlight goes away by itself.
    await messageRow(ana.page, "lighthouse venue").and(ana.page.locator(".row.highlighted")).waitFor({
      state: "detached",
    });

    // Esc clears the search: the conversation list is back.
    await search.press("Escape");
    await conversationItem(ana.page, "Ben Okafor").waitFor();

    // A message that arrives meanwhile is not shown under old history, but is there back at the newest.
    await sendAll(ben, dm.id, ["Are you there?"]);
    await conversationItem(ana.page, "Ben Okafor").getByText("Are you there?").waitFor();
    await ana.page.getByTestId("jump-latest").click();
    await chatOf(ana.page).getByText("Are you there?").waitFor();
    await chatOf(ana.page).and(ana.page.locator("[data-window=latest]")).waitFor();
    await ana.page.getByTestId("jump-latest").waitFor({ state: "detached" });
  });

  test("inside a conversation: only its messages; no results and errors are said clearly", async () => {
    const cyd = await writer(uniqueName("cyd"), "Cyd Park");
    const anaId = (await cyd.searchUsers(anaName))[0]!.id;
    const dm = await cyd.startDirect(anaId);
    await sendAll(cyd, dm.id, ["Cyd's budget question: who signs off?"]);
    await conversationItem(ana.page, "Cyd Park").waitFor();

    // The sidebar finds both conversations' budget messages …
    const sidebar = ana.page.getByLabel("Search people and messages");
    await sidebar.fill("budget");
    await ana.page.getByTestId("message-result").filter({ hasText: "Cyd's budget question" }).waitFor();
    await ana.page.getByTestId("message-result").filter({ hasText: "budget for the offsite" }).waitFor();
    await sidebar.press("Escape");

    // … the search inside Ben's conversation only Ben's.
    await conversationItem(ana.page, "Ben Okafor").click();
    await ana.page.getByTestId("chat-title").filter({ hasText: "Ben Okafor" }).waitFor();
    await ana.page.getByRole("button", { name: "Search in this conversation" }).click();
    const field = ana.page.getByLabel("Search messages in Ben Okafor");
    await field.fill("budget");
    const results = ana.page.getByTestId("chat").getByTestId("message-result");
    await results.filter({ hasText: "budget for the offsite" }).waitFor();
    await ana.page
      .getByTestId("chat")
      .getByTestId("message-results")
      .and(ana.page.locator("[data-status=done]"))
      .waitFor();
    if ((await results.count()) !== 1) throw new Error("only the open conversation's messages are listed");
    await results.first().click();
    await shownAndHighlighted(ana.page, "budget for the offsite");
    await field.waitFor({ state: "detached" });

    // Reopened, it keeps the query; a word that is nowhere says so.
    await ana.page.getByRole("button", { name: "Search in this conversation" }).click();
    await results.filter({ hasText: "budget for the offsite" }).waitFor();
    await field.fill("xylophone");
    await ana.page.getByTestId("chat").getByText("No messages found").waitFor();

    // No network: the search says it failed and why, instead of showing nothing.
    await ana.context.setOffline(true);
    await field.fill("offsite");
    await ana.page
      .getByTestId("chat")
      .getByRole("alert")
      .filter({ hasText: "Search failed: Can't reach the server" })
      .waitFor();
    await ana.context.setOffline(false);
    await ana.page.getByTestId("connection-state").and(ana.page.locator("[data-state=connected]")).waitFor();
    await field.fill("offsite budget");
    await results.filter({ hasText: "budget for the offsite" }).waitFor();
    await field.press("Escape");
    await field.waitFor({ state: "detached" });
  });
});
