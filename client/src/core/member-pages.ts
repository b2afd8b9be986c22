// The members panel's list: a conversation's members fetched page by page in join order
// (`GET /api/conversations/:id/members`), so a group of thousands opens as fast as one of three.
import type { Member, MembersResponse } from "@messenger/protocol";
import { createStore } from "../stores/store";

export interface MemberPagesState {
  members: readonly Member[];
  /** More to load (the server's cursor), or null when all are here. */
  next: string | null;
  loading: boolean;
  error: unknown;
}

export function createMemberPages(
  fetchPage: (cursor: string | null, limit: number) => Promise<MembersResponse>,
  pageSize = 50,
) {
  const state = createStore<MemberPagesState>({ members: [], next: null, loading: false, error: null });
  // A reload overtakes a page still in flight: only the latest request's answer counts.
  let generation = 0;

  async function load(cursor: string | null, limit: number) {
    const mine = ++generation;
    state.update((s) => ({ ...s, loading: true, error: null }));
    try {
      const page = await fetchPage(cursor, limit);
      if (mine !== generation) return;
      state.update((s) => {
        const before = cursor ? s.members : [];
        const seen = new Set(before.map((m) => m.user.id));
        return {
          members: [...before, ...page.members.filter((m) => !seen.has(m.user.id))],
          next: page.nextCursor,
          loading: false,
          error: null,
        };
      });
    } catch (error) {
      if (mine === generation) state.update((s) => ({ ...s, loading: false, error }));
    }
  }

  return {
    state,
    /** The next page, if there is one and none is loading. */
    more: () => {
      const s = state.get();
      return s.next && !s.loading ? load(s.next, pageSize) : Promise.resolve();
    },
    /** From the start again (membership changed), as many as were shown (at least one page). */
    reload: () => load(null, Math.min(200, Math.max(pageSize, state.get().members.length))),
  };
}
export type MemberPages = ReturnType<typeof createMemberPages>;
