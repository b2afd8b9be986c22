import type { User } from "@messenger/protocol";
import { useEffect, useState } from "react";
import { CallLayer, CallsProvider } from "../calls/index.js";
import { createChatClient } from "../core/client";
import { useI18n } from "../i18n";
import { usePwa } from "../pwa/usePwa";
import { AdminPage } from "./AdminPage";
import { useAttention } from "./attention";
import { ChatView } from "./ChatView";
import { ClientContext, useAuth, useStore } from "./hooks";
import { InviteLanding, inviteFromPath } from "./InviteLanding";
import { conversationFromHash, openConversation, type Page, pageFromHash } from "./navigation";
import { NotificationPrompt, useNotifications } from "./notifications";
import { ProfileCard, ProfileCardContext } from "./ProfileCard";
import { QuickSwitcher } from "./QuickSwitcher";
import { SettingsPage } from "./SettingsPage";
import { Sidebar } from "./Sidebar";
import { ThreadPanel } from "./threads/ThreadPanel";

/** The signed-in app: one chat client (REST + socket + stores) for the session's lifetime. */
export function Messenger() {
  const auth = useAuth();
  const { lang } = useI18n();
  const [client] = useState(() =>
    createChatClient({
      auth,
      isVisible: () => document.visibilityState === "visible",
      readWhatIsShown: true,
      isOnline: () => navigator.onLine,
      outboxStorage: localStorage,
    }),
  );
  const me = useStore(auth.session, (s) => s?.user);
  const activeId = useStore(client.stores.active);
  const [page, setPage] = useState<Page | null>(pageFromHash);
  const [card, setCard] = useState<User | null>(null);
  const [invite] = useState(inviteFromPath);

  useEffect(() => {
    void client.start();
    const online = () => client.networkChanged(true);
    const offline = () => client.networkChanged(false);
    const visibility = () => client.visibilityChanged();
    window.addEventListener("online", online);
    window.addEventListener("offline", offline);
    document.addEventListener("visibilitychange", visibility);
    window.addEventListener("focus", visibility);
    return () => {
      window.removeEventListener("online", online);
      window.removeEventListener("offline", offline);
      document.removeEventListener("visibilitychange", visibility);
      window.removeEventListener("focus", visibility);
      client.stop();
    };
  }, [client]);

  // The open conversation follows the URL (navigation.ts).
  useEffect(() => {
    const sync = () => {
      setPage(pageFromHash());
      void client.open(conversationFromHash()).catch(() => undefined);
    };
    sync();
    window.addEventListener("hashchange", sync);
    return () => window.removeEventListener("hashchange", sync);
  }, [client]);

  // The open conversation went away (I left, or was removed): the URL no longer points at it.
  useEffect(
    () =>
      client.stores.membershipNotice.subscribe(() => {
        const notice = client.stores.membershipNotice.get();
        if (notice && conversationFromHash() === notice.conversationId) openConversation(null);
      }),
    [client],
  );

  useAttention(client);
  useNotifications(client);
  usePwa(client, auth, lang);

  if (!me) return null;
  return (
    <ClientContext.Provider value={client}>
      <CallsProvider socket={client.socket} apiFetch={auth.apiFetch} me={me} lang={lang}>
        <ProfileCardContext.Provider value={setCard}>
          <div className="app" data-view={activeId || page ? "chat" : "list"}>
            <Sidebar />
            <main className="chat-pane">
              {page === "settings" ? (
                <SettingsPage />
              ) : page === "admin" ? (
                <AdminPage />
              ) : activeId ? (
                <ChatView key={activeId} conversationId={activeId} />
              ) : (
                <EmptyPane client={client} />
              )}
              {!page && activeId && <ThreadPanel conversationId={activeId} />}
            </main>
          </div>
          {card && <ProfileCard user={card} onClose={() => setCard(null)} />}
        </ProfileCardContext.Provider>
        <NotificationPrompt />
        <QuickSwitcher />
        {invite && <InviteLanding code={invite} />}
        <CallLayer />
      </CallsProvider>
    </ClientContext.Provider>
  );
}

function EmptyPane({ client }: { client: ReturnType<typeof createChatClient> }) {
  const { t } = useI18n();
  const notice = useStore(client.stores.membershipNotice);
  return (
    <div className="empty-pane">
      <div>
        {notice && (
          <p className="membership-notice" role="status" data-testid="membership-notice">
            {t(notice.reason === "left" ? "members.left" : "members.removed", { title: notice.title })}
          </p>
        )}
        <p>{t("chat.empty")}</p>
      </div>
    </div>
  );
}
