// Which public notice (公示) a project is in, or last held, for its public pages and the printed
// notice: the lifecycle keeps every notice in `context.notices` ({kind, startedAt, endsAt}, the last
// being the current one while in a notice state). Projects whose context predates that list held
// one notice, the proposal's: it started when the project entered `public_notice` (its history) and
// ends at `context.noticeEndsAt`.
import { NOTICE_KINDS, isNoticeStage, type NoticeKind, type NoticeRecord } from '../../workflows/project/index.js';

/** The facts of a project's context this reads (and nothing personal). */
export interface NoticeFacts {
  notices?: NoticeRecord[] | null;
  noticeEndsAt?: string | null;
}

export interface CurrentNotice extends NoticeRecord {
  /** the notice runs now (the project is in a notice state, or its period has not ended) */
  running: boolean;
}

/** States in which a notice runs: those that take objections, as the workflow says. */
export const isNoticeState = isNoticeStage;

const isKind = (k: unknown): k is NoticeKind => (NOTICE_KINDS as readonly unknown[]).includes(k);

/**
 * The notice running now, else the last one held; null when the project never had one.
 * `history` is the project's stage changes, oldest first ({at, to}); `now` an ISO instant.
 */
export function lastNotice(facts: NoticeFacts, history: ReadonlyArray<{ at: string; to: string }>, state: string, now: string): CurrentNotice | null {
  const list = Array.isArray(facts.notices) ? facts.notices.filter((n) => isKind(n?.kind) && typeof n.startedAt === 'string' && typeof n.endsAt === 'string') : [];
  let notice: NoticeRecord | null = list.at(-1) ?? null;
  if (!notice) {
    const entered = [...history].reverse().find((h) => h.to === 'public_notice');
    if (!entered || !facts.noticeEndsAt) return null;
    notice = { kind: 'proposal', startedAt: entered.at, endsAt: facts.noticeEndsAt };
  }
  const t = Date.parse(now);
  const running = isNoticeState(state) || (t >= Date.parse(notice.startedAt) && t < Date.parse(notice.endsAt));
  return { kind: notice.kind, startedAt: notice.startedAt, endsAt: notice.endsAt, running };
}
