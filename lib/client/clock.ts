'use client';
import { useSyncExternalStore } from 'react';

/** One ticking clock shared by every live age on the page (a single interval, not one per row). */
let now = 0;
let timer: ReturnType<typeof setInterval> | null = null;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (timer === null) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

function getSnapshot() {
  if (now === 0) now = Date.now();
  return now;
}

/** Milliseconds since the epoch, updated every second; 0 while rendering on the server. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, getSnapshot, () => 0);
}

/** A server-computed age advanced by the time since the data arrived (immune to client clock skew). */
export function liveAgeSeconds(ageSeconds: number, dataUpdatedAt: number, now: number): number {
  if (!now || !dataUpdatedAt) return ageSeconds;
  return ageSeconds + Math.max(0, Math.floor((now - dataUpdatedAt) / 1000));
}
