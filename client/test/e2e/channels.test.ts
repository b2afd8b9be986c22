// Channels, mentions and notification levels in real browsers against the real services: Dana makes
// a public and a private channel; Bob's "Browse channels" shows the public one only, he joins it and
// everyone sees the notice; at level "mentions" a plain message notifies Bob of nothing while
// "@bob" (typed with the composer's autocomplete) is highlighted for him and notifies him; an invite
// link lets Bob into the private group; an archived channel is read-only until unarchived.
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  conversationItem,
  launchBrowser,
  type OpenedApp,
  openApp,
  type Stack,
  screenshot,
  sendText,
  signUp,
  startStack,
  uniqueName,
} from "./harness";

const notice = (page: Page, text: string) => page.getByTestId("system-notice").filter({ hasText: text });

/** From the list: a new channel with a topic, public or private, opened. */
async function createChannel(page: Page, title: string, topic: string, visibility: "Public" | "Private") {
  await page.getByRole("button", { name: "New channel" }).click();
  const dialog = page.getByRole("dialog", { name: "New group" });
  await dialog.getByLabel("Group name").fill(title);
  await dialog.getByLabel("Topic (optional)").fill(topic);
  await dialog.getByLabel(new RegExp(`^${visibility} —`)).check();
  await dialog.getByRole("button", { name: "Create group" }).click();
  await page.getByTestId("chat-title").filter({ hasText: title }).waitFor();
}

/**
 * Records the page's desktop notifications, and lets the test say whether the tab is hidden. Plain
 * JavaScript text: a function from this file would carry the test compiler's helpers into the page.
 */
const SPY_ON_NOTIFICATIONS = `
  window.__notified = [];
  window.__hidden = false;
  Object.defineProperty(document, "visibilityState", { get: () => (window.__hidden ? "hidden" : "visible") });
  window.Notification = class {
    static permission = "granted";
    static requestPermission() { return Promise.resolve("granted"); }
    constructor(title, options) { window.__notified.push({ title, body: (options && options.body) || "" }); }
    close() {}
  };
`;

const notified = (page: Page) =>
  page.evaluate(() => (window as unknown as { __notified: { title: string; body: string }[] }).__notified);

describe("web client end to end: channels, mentions, notification levels", () => {
  let stack: Stack;
  let browser: Browser;
  let dana: OpenedApp;
  let bob: OpenedApp;
  const bobName = uniqueName("bob");
  /** The chat-service of this checkout serves channels (GET /api/channels exists: 401 without a token). */
  let served = false;

  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    served = (await fetch(`${stack.baseUrl}/api/channels`)).status !== 404;
    [dana, bob] = await Promise.all([openApp(browser, stack.baseUrl), openApp(browser, stack.baseUrl)]);
    await bob.context.addInitScript({ content: SPY_ON_NOTIFICATIONS });
    await bob.page.reload();
    await Promise.all([
      signUp(dana.page, { username: uniqueName("dana"), displayName: "Dana Scully" }),
      signUp(bob.page, { username: bobName, displayName: "Bob Rivera" }),
    ]);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("browse shows public channels but not private ones; joining opens it and everyone sees the notice", async (t) => {
    if (!served) return t.skip("this chat-service has no channels yet (GET /api/channels is 404)");
    await createChannel(dana.page, "Design reviews", "Weekly critique of new screens", "Public");
    await createChannel(dana.page, "Secret roadmap", "Only for the few", "Private");
    await dana.page.getByTestId("chat-topic").filter({ hasText: "Only for the few" }).waitFor();

    await bob.page.getByRole("button", { name: "Browse channels" }).click();
    const dialog = bob.page.getByRole("dialog", { name: "Browse channels" });
    const row = dialog.getByTestId("channel-row").filter({ hasText: "Design reviews" });
    await row.filter({ hasText: "Weekly critique of new screens" }).filter({ hasText: "1 member" }).waitFor();
    await dialog.getByLabel("Search channels").fill("roadmap");
    await dialog.getByText("No channels found").waitFor();
    await dialog.getByLabel("Search channels").fill("design");
    await row.waitFor();
    await screenshot(bob.page, "16-browse-channels");

    await row.getByRole("button", { name: "Join Design reviews" }).click();
    await dialog.waitFor({ state: "detached" });
    await bob.page.getByTestId("chat-title").filter({ hasText: "Design reviews" }).waitFor();
    await notice(bob.page, "Bob Rivera joined").waitFor();
    await bob.page.getByTestId("channels-section").getByText("Design reviews").waitFor();
    if ((await bob.page.getByText("Secret roadmap").count()) !== 0) throw new Error("Bob sees the private channel");

    // Dana, in the channel, sees it live as a quiet notice.
    await conversationItem(dana.page, "Design reviews").click();
    await notice(dana.page, "Bob Rivera joined").waitFor();
    await dana.page.getByTestId("members-button").filter({ hasText: "2 members" }).waitFor();
  });

  test("at level mentions: a plain message notifies nobody, @bob is highlighted and notifies Bob", async (t) => {
    if (!served) return t.skip("this chat-service has no mentions yet");
    // Bob lowers the channel to mentions only, then looks at another tab.
    await bob.page.getByTestId("notification-menu").click();
    await bob.page.getByRole("menuitemradio", { name: "Only @mentions and direct messages" }).click();
    await bob.page.getByTestId("notification-menu").and(bob.page.locator("[data-level=mentions]")).waitFor();
    await bob.page.evaluate(() => {
      (window as unknown as { __hidden: boolean }).__hidden = true;
    });

    await sendText(dana.page, "A plain update for everyone");
    // The autocomplete: "@bo" offers Bob; Tab puts the username in.
    const box = dana.page.getByTestId("composer-input");
    await box.fill("Could you look at this, @bo");
    await dana.page.getByTestId("mention-option").filter({ hasText: "Bob Rivera" }).waitFor();
    await box.press("Tab");
    await dana.page.waitForFunction(
      (name) =>
        (document.querySelector("[data-testid=composer-input]") as HTMLTextAreaElement).value.endsWith(`@${name} `),
      bobName,
    );
    await box.pressSequentially("today?");
    await box.press("Enter");

    // For Bob the row and his @name are marked; for Dana (not mentioned) they are not.
    const mentionRow = bob.page.locator(".row.mentioned").filter({ hasText: "today?" });
    await mentionRow.locator(".mention.me", { hasText: `@${bobName}` }).waitFor();
    await dana.page.getByTestId("message").filter({ hasText: "today?" }).locator(".mention").waitFor();
    if ((await dana.page.locator(".row.mentioned").count()) !== 0) throw new Error("Dana's own message is marked");

    // Both messages have arrived at Bob's; only the mention made a notification.
    await bob.page.getByTestId("message").filter({ hasText: "A plain update for everyone" }).waitFor();
    const calls = await notified(bob.page);
    if (calls.length !== 1 || !calls[0]!.body.includes("today?"))
      throw new Error(`expected one notification for the mention, got ${JSON.stringify(calls)}`);
    await bob.page.evaluate(() => {
      (window as unknown as { __hidden: boolean }).__hidden = false;
    });
    await screenshot(bob.page, "17-mention-highlighted");
  });

  test("an invite link lets Bob into a private group; archiving makes a channel read-only for everyone", async (t) => {
    if (!served) return t.skip("this chat-service has no invite links yet");
    // Dana, admin of the private group, makes an invite link in its settings.
    await conversationItem(dana.page, "Secret roadmap").click();
    await dana.page.getByTestId("chat-title").filter({ hasText: "Secret roadmap" }).waitFor();
    await dana.page.getByRole("button", { name: "Conversation settings" }).click();
    const settings = dana.page.getByRole("dialog", { name: "Settings of Secret roadmap" });
    await settings.getByRole("button", { name: "Create invite link" }).click();
    const link = await settings.getByTestId("invite").locator("code").textContent();
    if (!link?.includes("/invite/")) throw new Error(`no invite link shown: ${link}`);
    await screenshot(dana.page, "18-conversation-settings");
    await dana.page.keyboard.press("Escape");

    // Bob opens it: what the group is, and Join.
    await bob.page.goto(new URL(link).pathname);
    const landing = bob.page.getByRole("dialog", { name: "Secret roadmap" });
    await landing.getByText("1 member").waitFor();
    await landing.getByRole("button", { name: "Join" }).click();
    await bob.page.getByTestId("chat-title").filter({ hasText: "Secret roadmap" }).waitFor();
    await dana.page.getByTestId("members-button").filter({ hasText: "2 members" }).waitFor();
    if (new URL(bob.page.url()).pathname !== "/") throw new Error("the invite path stayed in the address");

    // Dana archives the public channel: read-only for Bob, with a notice in the timeline.
    await conversationItem(dana.page, "Design reviews").click();
    await dana.page.getByRole("button", { name: "Conversation settings" }).click();
    const design = dana.page.getByRole("dialog", { name: "Settings of Design reviews" });
    await design.getByRole("button", { name: "Archive" }).click();
    await design.getByTestId("settings-confirm").getByRole("button", { name: "Archive" }).click();
    await conversationItem(bob.page, "Design reviews").click();
    await bob.page.getByTestId("archived-notice").waitFor();
    await notice(bob.page, "Dana Scully archived the conversation").waitFor();
    if ((await bob.page.getByTestId("composer-input").count()) !== 0) throw new Error("Bob can still write");

    // Unarchived, it takes messages again.
    await design.getByRole("button", { name: "Unarchive" }).click();
    await bob.page.getByTestId("composer-input").waitFor();
    await notice(bob.page, "Dana Scully unarchived the conversation").waitFor();
    await dana.page.keyboard.press("Escape");
  });
});
