/** A subscribed topic has no `@EventPattern` handler: refused at boot, since its messages would be consumed by nobody. */
export class MissingHandlerError extends Error {
  readonly code = 'TRANSPORT.MISSING_HANDLER';
  constructor(topics: readonly { key: string; topic: string }[], transport: string) {
    super(
      `the ${transport} transport subscribes to ${topics.map((t) => `${t.topic} (pattern "${t.key}")`).join(', ')} but no handler is declared for ` +
        `${topics.length === 1 ? 'it' : 'them'}; add @EventPattern('<pattern>') to a controller method, or remove the topic from the subscription`,
    );
    this.name = 'MissingHandlerError';
  }
}
