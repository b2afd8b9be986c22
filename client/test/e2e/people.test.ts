// People and administration in a real browser against the real services: a status and a new name set
// on the settings page reach a colleague's screen live and show on the profile card; the owner's admin
// console deactivates a colleague, whose open app signs out and whose next sign-in is refused.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import {
  createGroup,
  launchBrowser,
  type OpenedApp,
  openApp,
  PASSWORD,
  type Stack,
  screenshot,
  sendText,
  signUp,
  startStack,
  uniqueName,
} from "./harness";

describe("web client end to end: people and administration", () => {
  let stack: Stack;
  let browser: Browser;
  let ada: OpenedApp;
  let ben: OpenedApp;
  const benName = uniqueName("ben");

  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    [ada, ben] = await Promise.all([openApp(browser, stack.baseUrl), openApp(browser, stack.baseUrl)]);
    // The first account owns the workspace.
    await signUp(ada.page, { username: uniqueName("ada"), displayName: "Ada Lovelace" });
    await signUp(ben.page, { username: benName, displayName: "Ben Okafor" });
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("a status and a new name set in settings reach a colleague live and show on the profile card", async () => {
    await createGroup(ada.page, "Launch", [{ query: benName, displayName: "Ben Okafor" }]);
    await sendText(ada.page, "Morning all");
    await ben.page.getByTestId("conversation-item").filter({ hasText: "Launch" }).click();
    await ben.page.getByRole("button", { name: "Show Ada Lovelace's profile" }).first().waitFor();

    await ada.page.getByTestId("open-settings").click();
    const settings = ada.page.getByTestId("settings-page");
    await settings.getByLabel("Your name").fill("Ada King");
    await settings.getByLabel("Time zone").selectOption("Europe/Madrid");
    await settings.getByRole("button", { name: "Save" }).first().click();
    await settings.getByLabel("Status emoji").fill("🌴");
    await settings.getByLabel("Status text").fill("On holiday");
    await settings.getByRole("region", { name: "Status" }).getByRole("button", { name: "Save" }).click();
    await ada.page.getByTestId("me-name").filter({ hasText: "Ada King" }).waitFor();
    await ada.page.locator(".sidebar-header").filter({ hasText: "On holiday" }).waitFor();

    // Ben's open conversation shows the new name without a reload; the card shows status and local time.
    await ben.page.getByRole("button", { name: "Show Ada King's profile" }).first().click();
    const card = ben.page.getByTestId("profile-card");
    await card.getByRole("heading", { name: "Ada King" }).waitFor();
    await ben.page.getByTestId("profile-status").filter({ hasText: "On holiday" }).waitFor();
    assert.match((await ben.page.getByTestId("profile-time").textContent()) ?? "", /Local time \d{2}:\d{2}/);
    await screenshot(ben.page, "15-profile-card");
    await ben.page.getByRole("button", { name: "Close" }).click();
  });

  test("dark theme switches the colours through CSS variables", async () => {
    await ada.page.getByRole("radio", { name: "Dark" }).check();
    const bg = () => ada.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(await bg(), "rgb(15, 18, 22)");
    await screenshot(ada.page, "16-settings-dark");
    await ada.page.getByRole("radio", { name: "Light" }).check();
    assert.equal(await bg(), "rgb(245, 246, 248)");
  });

  test("the owner deactivates a colleague in the admin console: their app signs out, sign-in is refused", async () => {
    await ada.page.getByTestId("open-admin").click();
    const row = ada.page.getByTestId("admin-user").filter({ hasText: `@${benName}` });
    await row.getByRole("button", { name: "Deactivate" }).click();
    await row.getByRole("button", { name: "Reactivate" }).waitFor();
    await screenshot(ada.page, "17-admin-console");

    // Ben's app loses its session and shows the sign-in page.
    await ben.page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: 15_000 });
    await ben.page.getByLabel("Username").fill(benName);
    await ben.page.getByLabel("Password").fill(PASSWORD);
    await ben.page.getByRole("button", { name: "Sign in" }).click();
    await ben.page
      .getByRole("alert")
      .filter({ hasText: "This account was deactivated by an administrator." })
      .waitFor();

    await ada.page.getByRole("tab", { name: "Audit log" }).click();
    await ada.page.locator('[data-testid="audit-entry"][data-action="user_deactivated"]').waitFor();
  });
});
