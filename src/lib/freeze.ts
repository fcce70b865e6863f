// Objects kept and handed to many readers (a read cache's answers, the engine's shared snapshot
// parts) are frozen all the way down: a reader that changed one would change every later reader's,
// so a change throws instead.
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
