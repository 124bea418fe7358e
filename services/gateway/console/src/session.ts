import { createGatewayClient, createNotifierClient, type GatewayClient, type NotifierClient } from '@chorus/api-client';

/** What the tab remembers: the API key and the notifier's address, in sessionStorage (gone when the tab closes). */
export interface Session {
  apiKey: string;
  notifierUrl: string;
  gateway: GatewayClient;
  notifier: NotifierClient;
}

const KEY = 'chorus.console.apiKey';
const NOTIFIER = 'chorus.console.notifierUrl';

export function defaultNotifierUrl(): string {
  // The demo and the local stack put the notifier four ports above the gateway (3000 → 3004).
  const port = Number(location.port || (location.protocol === 'https:' ? 443 : 80));
  return `${location.protocol}//${location.hostname}:${port + 4}`;
}

export function openSession(apiKey: string, notifierUrl: string): Session {
  return {
    apiKey,
    notifierUrl,
    gateway: createGatewayClient({ baseUrl: location.origin, apiKey }),
    notifier: createNotifierClient({ baseUrl: notifierUrl, apiKey }),
  };
}

export function savedSession(): Session | undefined {
  const apiKey = sessionStorage.getItem(KEY);
  return apiKey ? openSession(apiKey, sessionStorage.getItem(NOTIFIER) ?? defaultNotifierUrl()) : undefined;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, session.apiKey);
  sessionStorage.setItem(NOTIFIER, session.notifierUrl);
}

export function forgetSession(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(NOTIFIER);
}
