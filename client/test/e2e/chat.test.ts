// The daily loop in a real browser against the real services: two people in two browser profiles.
// Tests run in order and share the two pages (Chromium is heavy: one browser for the whole file).
// Media (photos, videos, refused uploads) is in media.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  allSent,
  conversationItem,
  createGroup,
  launchBrowser,
  type OpenedApp,
  openApp,
  type Stack,
  screenshot,
  sendText,
  signUp,
  startDirect,
  startStack,
  uniqueName,
} from "./harness";

/** The open chat's message list (the conversation list repeats the latest text as a preview). */
const chatOf = (page: Page) => page.getByTestId("message-list");

/** Texts of the messages shown in the open chat, top to bottom. */
const shownTexts = (page: Page) => page.getByTestId("message-body").allTextContents();

describe("web client end to end: chat", () => {
  let stack: Stack;
  let browser: Browser;
  let ana: OpenedApp;
  let ben: OpenedApp;
  const anaName = uniqueName("ana");
  const benName = uniqueName("ben");

  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    [ana, ben] = await Promise.all([openApp(browser, stack.baseUrl), openApp(browser, stack.baseUrl)]);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("two people sign up, start a DM and exchange messages", async () => {
    await signUp(ana.page, { username: anaName, displayName: "Ana Torres" });
    await signUp(ben.page, { username: benName, displayName: "Ben Okafor" });
    await screenshot(ana.page, "00-signed-in-empty");

    await startDirect(ben.page, anaName.slice(0, 5), "Ana Torres");
    await sendText(ben.page, "Hi Ana! Are we still on for the 3pm review?");
    // Ben's own message goes pending → sent without leaving the screen.
    await ben.page
      .getByTestId("message-status")
      .and(ben.page.locator("[data-status=sent],[data-status=delivered],[data-status=seen]"))
      .first()
      .waitFor();

    // Ana, on her list, gets the conversation with a preview, an unread badge and the count in the tab title.
    const item = conversationItem(ana.page, "Ben Okafor");
    await item.getByTestId("unread-badge").filter({ hasText: "1" }).waitFor();
    await item.getByTestId("conversation-preview").filter({ hasText: "3pm review" }).waitFor();
    await ana.page.waitForFunction(() => document.title.startsWith("(1)"));

    await item.click();
    await chatOf(ana.page).getByText("Are we still on for the 3pm review?").waitFor();
    await ana.page.waitForFunction(() => !document.title.startsWith("("));
    await sendText(ana.page, "Yes — see https://example.com/agenda for the agenda");
    await chatOf(ben.page).getByText("see https://example.com/agenda").waitFor();
    const link = ben.page.getByRole("link", { name: "https://example.com/agenda" });
    assert.equal(await link.getAttribute("href"), "https://example.com/agenda");
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
  });

  test("markup in a message is shown as text, never rendered as HTML", async () => {
    await sendText(ben.page, "<b>bold?</b> <img src=x onerror=\"document.title='pwned'\">");
    await chatOf(ana.page).getByText("<b>bold?</b>").waitFor();
    assert.equal(await ana.page.locator(".body b, .body img").count(), 0);
    assert.notEqual(await ana.page.title(), "pwned");
  });

  test("the sender sees the typing indicator and then 'Seen'", async () => {
    await ana.page.getByTestId("composer-input").pressSequentially("typing slowly", { delay: 20 });
    await ben.page.getByTestId("typing-indicator").filter({ hasText: "Ana Torres is typing…" }).waitFor();
    await screenshot(ben.page, "01-typing-indicator");
    await ana.page.getByTestId("composer-input").fill("");
    await ana.page.getByTestId("composer-input").blur();
    await ben.page.getByTestId("typing-indicator").filter({ hasText: /^$/ }).waitFor();

    await sendText(ben.page, "Great, see you there");
    // Ana has the chat open and visible: Ben's last message turns "seen".
    await ben.page.getByTestId("seen-receipt").filter({ hasText: "Seen" }).waitFor();
    await ben.page.locator('[data-testid=message-status][data-status="seen"]').last().waitFor();
    await screenshot(ben.page, "02-dm-seen");
  });

  test("reply with a quote, react, edit and delete", async () => {
    const sent = (page: Page, text: string) =>
      chatOf(page).locator("[data-testid=message][data-id]").filter({ hasText: text });
    const target = sent(ana.page, "Great, see you there");
    await target.hover();
    await target.getByRole("button", { name: "Reply" }).click();
    await ana.page.getByTestId("composer-mode").filter({ hasText: "Replying to Ben Okafor" }).waitFor();
    await sendText(ana.page, "Booked room 4");
    const reply = sent(ben.page, "Booked room 4");
    await reply.getByTestId("reply-quote").filter({ hasText: "Great, see you there" }).waitFor();

    await reply.hover();
    await reply.getByRole("button", { name: "React" }).click();
    await reply.getByRole("menuitem", { name: "🎉" }).click();
    await sent(ana.page, "Booked room 4").getByTestId("reaction").filter({ hasText: "🎉 1" }).waitFor();

    const own = sent(ana.page, "Booked room 4");
    await own.hover();
    await own.getByRole("button", { name: "Edit" }).click();
    await ana.page.getByTestId("composer-input").fill("Booked room 5 (4 was taken)");
    await ana.page.getByTestId("composer-input").press("Enter");
    await sent(ben.page, "Booked room 5 (4 was taken)").getByText("(edited)").waitFor();
    await screenshot(ben.page, "03-reply-reaction-edit");

    await sendText(ben.page, "oops, wrong chat");
    const oops = sent(ben.page, "oops, wrong chat");
    await oops.hover();
    await oops.getByRole("button", { name: "Delete" }).click();
    await ben.page.getByRole("dialog", { name: "Delete" }).getByRole("button", { name: "Delete" }).click();
    await sent(ana.page, "This message was deleted").waitFor();
    assert.equal(await chatOf(ana.page).getByText("oops, wrong chat").count(), 0);
  });

  test("a reload keeps history and unread counts", async () => {
    // Ana steps back to the list; Ben writes twice.
    await ana.page.goto("/#/");
    await ana.page.getByTestId("conversation-item").first().waitFor();
    await sendText(ben.page, "One more thing:");
    await sendText(ben.page, "bring the Q3 numbers please");
    const item = conversationItem(ana.page, "Ben Okafor");
    await item.getByTestId("unread-badge").filter({ hasText: "2" }).waitFor();

    await ana.page.reload();
    await conversationItem(ana.page, "Ben Okafor").getByTestId("unread-badge").filter({ hasText: "2" }).waitFor();
    await ana.page.waitForFunction(() => document.title.startsWith("(2)"));
    await screenshot(ana.page, "04-list-unread-after-reload");

    await ben.page.reload();
    await chatOf(ben.page).getByText("bring the Q3 numbers please").waitFor();
    const texts = await shownTexts(ben.page);
    assert.deepEqual(texts.slice(-3), [
      "Booked room 5 (4 was taken)",
      "One more thing:",
      "bring the Q3 numbers please",
    ]);
    assert.equal(texts.filter((t) => t === "One more thing:").length, 1);

    await conversationItem(ana.page, "Ben Okafor").click();
    await chatOf(ana.page).getByText("bring the Q3 numbers please").waitFor();
    await conversationItem(ana.page, "Ben Okafor").getByTestId("unread-badge").waitFor({ state: "detached" });
  });

  test("offline, messages arrive meanwhile; on reconnect all appear once, in order, and unsent ones go out", async () => {
    await ana.context.setOffline(true);
    await ana.page.getByTestId("connection-state").and(ana.page.locator("[data-state=offline]")).waitFor();

    // Written while offline: shown at once as pending.
    await sendText(ana.page, "(sent from the train)");
    await ana.page.locator('[data-pending="true"] [data-status="pending"]').waitFor();

    const burst = Array.from({ length: 6 }, (_, i) => `update ${i + 1} of 6`);
    for (const text of burst) await sendText(ben.page, text);
    await chatOf(ben.page).getByText("update 6 of 6").waitFor();
    await allSent(ben.page);
    await screenshot(ana.page, "05-offline");

    await ana.context.setOffline(false);
    await ana.page.getByTestId("connection-state").and(ana.page.locator("[data-state=connected]")).waitFor();
    await chatOf(ana.page).getByText("update 6 of 6").waitFor();
    await allSent(ana.page);

    const texts = await shownTexts(ana.page);
    const got = texts.filter((t) => t.startsWith("update "));
    assert.deepEqual(got, burst, "every message once, in order");
    const seqs = await ana.page
      .locator("[data-testid=message][data-seq]")
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))));
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    assert.equal(new Set(seqs).size, seqs.length, "no seq shown twice");

    // The message typed offline reached Ben exactly once.
    await chatOf(ben.page).getByText("(sent from the train)").waitFor();
    assert.equal((await shownTexts(ben.page)).filter((t) => t === "(sent from the train)").length, 1);
    // And Ben sees Ana online again.
    await ben.page.getByTestId("presence-line").filter({ hasText: "Online" }).waitFor();
  });

  test("a group: created with a title and members, messages show the sender and who has seen them", async () => {
    await createGroup(ben.page, "Design review", [{ query: anaName, displayName: "Ana Torres" }]);
    await sendText(ben.page, "Kick-off: mockups are in the drive");

    await conversationItem(ana.page, "Design review").getByTestId("unread-badge").filter({ hasText: "1" }).waitFor();
    await conversationItem(ana.page, "Design review").click();
    const msg = chatOf(ana.page)
      .locator("[data-testid=message][data-id]")
      .filter({ hasText: "mockups are in the drive" });
    await msg.locator(".sender").filter({ hasText: "Ben Okafor" }).waitFor();
    await ben.page.getByTestId("seen-receipt").filter({ hasText: "Seen by Ana Torres" }).waitFor();
    await screenshot(ben.page, "10-group-seen-by");
  });

  test("Spanish on a phone-width screen", async () => {
    await ana.page.setViewportSize({ width: 390, height: 760 });
    // One pane at a time: back to the list (where the settings are), then into the DM.
    await ana.page.getByRole("button", { name: "Back to conversations" }).click();
    await ana.page.getByLabel("Language").selectOption("es");
    await ana.page.getByLabel("Buscar personas y mensajes").waitFor();
    await screenshot(ana.page, "11-phone-list-es");
    await conversationItem(ana.page, "Ben Okafor").click();
    await chatOf(ana.page).getByText("update 6 of 6").waitFor();
    await ana.page.getByPlaceholder("Escribe un mensaje…").waitFor();
    await screenshot(ana.page, "12-phone-chat-es");
    // A reply's quote jumps to the original, scrolled into view and highlighted.
    await chatOf(ana.page).getByTestId("reply-quote").first().click();
    const highlighted = chatOf(ana.page).locator(".row.highlighted");
    await highlighted.filter({ hasText: "Great, see you there" }).waitFor();
    await ana.page.waitForFunction(() => {
      const row = document.querySelector(".row.highlighted")?.getBoundingClientRect();
      const list = document.querySelector("[data-testid=message-list]")?.getBoundingClientRect();
      return !!row && !!list && row.top >= list.top - 1 && row.bottom <= list.bottom + 1;
    });
    // The choice is remembered across reloads.
    await ana.page.reload();
    await ana.page.getByPlaceholder("Escribe un mensaje…").waitFor();
  });
});
