// Group members in a real browser against the real services, three people in three browser profiles:
// the admin adds someone, who sees the group appear live; the admin removes them, and it disappears
// for them live; a member leaves; removing and leaving are confirmed; a failure is said in words.
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  conversationItem,
  createGroup,
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

const membersDialog = (page: Page, title: string) => page.getByRole("dialog", { name: `Members of ${title}` });
const memberRow = (page: Page, name: string) => page.getByTestId("member").filter({ hasText: name });
const header = (page: Page) => page.getByTestId("members-button");

describe("web client end to end: group members", () => {
  let stack: Stack;
  let browser: Browser;
  let ada: OpenedApp;
  let ben: OpenedApp;
  let cyd: OpenedApp;
  const cydName = uniqueName("cyd");
  const benName = uniqueName("ben");

  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    [ada, ben, cyd] = await Promise.all([
      openApp(browser, stack.baseUrl),
      openApp(browser, stack.baseUrl),
      openApp(browser, stack.baseUrl),
    ]);
    await Promise.all([
      signUp(ada.page, { username: uniqueName("ada"), displayName: "Ada Lovelace" }),
      signUp(ben.page, { username: benName, displayName: "Ben Okafor" }),
      signUp(cyd.page, { username: cydName, displayName: "Cyd Park" }),
    ]);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("the admin adds someone: the group appears for them live, everyone sees the new member", async () => {
    await createGroup(ada.page, "Launch", [{ query: benName, displayName: "Ben Okafor" }]);
    await sendText(ada.page, "Welcome to the launch group");
    await conversationItem(ben.page, "Launch").click();
    await header(ben.page).filter({ hasText: "2 members" }).waitFor();

    // The member count in the header opens the members panel: roles and presence.
    await header(ada.page).filter({ hasText: "2 members" }).click();
    const panel = membersDialog(ada.page, "Launch");
    await memberRow(ada.page, "Ada Lovelace").filter({ hasText: "Admin" }).filter({ hasText: "(you)" }).waitFor();
    await memberRow(ada.page, "Ben Okafor").filter({ hasText: "Online" }).waitFor();

    await panel.getByLabel("Add people").fill(cydName);
    await panel.getByRole("button", { name: "Add Cyd Park" }).click();
    await memberRow(ada.page, "Cyd Park").waitFor();
    await panel.getByLabel("Add people").and(ada.page.locator("input:placeholder-shown")).waitFor();

    // Cyd did nothing: the group is just there, with its history.
    await conversationItem(cyd.page, "Launch").click();
    await cyd.page.getByTestId("message-list").getByText("Welcome to the launch group").waitFor();
    await header(ben.page).filter({ hasText: "3 members" }).waitFor();
    await memberRow(ada.page, "Cyd Park").filter({ hasText: "Online" }).waitFor();
    await screenshot(ada.page, "14-group-members");
  });

  test("the admin removes someone after confirming: the group disappears for them live", async () => {
    const panel = membersDialog(ada.page, "Launch");
    await panel.getByRole("button", { name: "Remove Cyd Park from the group" }).click();
    const confirm = ada.page.getByTestId("members-confirm");
    await confirm.getByText("Remove Cyd Park from “Launch”?").waitFor();
    // Cancel (also the focused choice) keeps everyone.
    await ada.page.keyboard.press("Enter");
    await confirm.waitFor({ state: "detached" });
    await memberRow(ada.page, "Cyd Park").waitFor();

    await panel.getByRole("button", { name: "Remove Cyd Park from the group" }).click();
    await confirm.getByRole("button", { name: "Remove" }).click();
    await memberRow(ada.page, "Cyd Park").waitFor({ state: "detached" });

    // Cyd had it open: it closes, says why, and the group is no longer listed.
    await cyd.page
      .getByTestId("membership-notice")
      .filter({ hasText: "You are no longer a member of “Launch”." })
      .waitFor();
    await conversationItem(cyd.page, "Launch").waitFor({ state: "detached" });
    await cyd.page.getByTestId("chat").waitFor({ state: "detached" });
    await header(ben.page).filter({ hasText: "2 members" }).waitFor();
  });

  test("a failure to remove is said in words, and nothing changes", async () => {
    await ada.context.setOffline(true);
    const panel = membersDialog(ada.page, "Launch");
    await panel.getByRole("button", { name: "Remove Ben Okafor from the group" }).click();
    await ada.page.getByTestId("members-confirm").getByRole("button", { name: "Remove" }).click();
    await panel.getByRole("alert").filter({ hasText: "Could not remove Ben Okafor: Can't reach the server" }).waitFor();
    await ada.context.setOffline(false);
    await memberRow(ada.page, "Ben Okafor").waitFor();
    await ada.page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
  });

  test("a member leaves after confirming: gone for them, the others see one member fewer", async () => {
    await header(ben.page).filter({ hasText: "2 members" }).click();
    const panel = membersDialog(ben.page, "Launch");
    await memberRow(ben.page, "Ada Lovelace").filter({ hasText: "Admin" }).waitFor();
    // Only admins remove people.
    if ((await panel.getByRole("button", { name: /^Remove / }).count()) !== 0)
      throw new Error("a member is offered to remove others");
    await panel.getByRole("button", { name: "Leave group" }).click();
    await ben.page.getByTestId("members-confirm").getByText("Leave “Launch”?").waitFor();
    await ben.page.getByTestId("members-confirm").getByRole("button", { name: "Leave group" }).click();

    await ben.page.getByTestId("membership-notice").filter({ hasText: "You left “Launch”." }).waitFor();
    await conversationItem(ben.page, "Launch").waitFor({ state: "detached" });
    await header(ada.page).filter({ hasText: "1 member" }).waitFor();
    // A reload does not bring it back.
    await ben.page.reload();
    await ben.page.getByTestId("me-name").waitFor();
    await ben.page.getByTestId("connection-state").and(ben.page.locator("[data-state=connected]")).waitFor();
    if ((await conversationItem(ben.page, "Launch").count()) !== 0) throw new Error("the group came back");
  });
});
