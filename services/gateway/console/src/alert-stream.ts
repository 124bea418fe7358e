import type { GatewaySchemas } from '@chorus/api-client';

export type StreamedAlert = Omit<GatewaySchemas['StoredDriftAlert'], 'occurrences' | 'lastSeenAt' | 'lastEventAt' | 'lastValue' | 'acknowledgedAt' | 'acknowledgedBy' | 'acknowledgedNote' | 'publishedAt' | 'rerank'>;

export interface StreamStatus {
  state: 'connecting' | 'live' | 'reconnecting' | 'refused';
  detail?: string;
}

/**
 * The notifier's Server-Sent Events alert stream, read with fetch (EventSource cannot send the API key). After a drop
 * it reconnects with `Last-Event-ID: <last alert sequence>`, so the notifier replays what was missed. `stop` ends it.
 */
export function followAlerts(
  notifierUrl: string,
  apiKey: string,
  query: URLSearchParams,
  onAlert: (alert: StreamedAlert, sequence: string) => void,
  onStatus: (status: StreamStatus) => void,
): { stop: () => void } {
  let lastEventId: string | undefined;
  let stopped = false;
  let controller: AbortController | undefined;

  const connect = async (): Promise<void> => {
    controller = new AbortController();
    onStatus({ state: lastEventId ? 'reconnecting' : 'connecting' });
    const response = await fetch(`${notifierUrl}/v1/alerts/stream?${query}`, {
      headers: { authorization: `Bearer ${apiKey}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
      const detail = body.code ? `${body.code}: ${body.message}` : `HTTP ${response.status}`;
      if (response.status === 401 || response.status === 403 || response.status === 400) {
        onStatus({ state: 'refused', detail });
        stopped = true;
      }
      throw new Error(detail);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = { id: undefined as string | undefined, event: 'message', data: [] as string[] };
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) {
            if (line.startsWith(': live')) onStatus({ state: 'live' });
            continue;
          }
          const colon = line.indexOf(':');
          const name = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (name === 'id') fields.id = text;
          else if (name === 'event') fields.event = text;
          else if (name === 'data') fields.data.push(text);
        }
        if (fields.event === 'drift-alert' && fields.id) {
          lastEventId = fields.id;
          onAlert(JSON.parse(fields.data.join('\n')) as StreamedAlert, fields.id);
        }
      }
    }
  };

  void (async () => {
    while (!stopped) {
      try {
        await connect();
      } catch (error) {
        if (stopped) return;
        onStatus({ state: 'reconnecting', detail: (error as Error).message });
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  })();

  return {
    stop: () => {
      stopped = true;
      controller?.abort();
    },
  };
}
