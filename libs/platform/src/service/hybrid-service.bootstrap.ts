import type { INestApplication, InjectionToken } from '@nestjs/common';
import type { CustomTransportStrategy, MicroserviceOptions, NestMicroservice } from '@nestjs/microservices';
import { HandlerErrorFilter } from '../transport/handler-error.filter';

/**
 * Starts a background service: its consumer as a Nest microservice on the transport the module provides (so
 * `@EventPattern` handlers are bound to it), then the HTTP side (`/health`, `/metrics`). The lifecycle hooks run before
 * the transport listens, so providers are ready when the first batch arrives; a transport that refuses to start
 * (a subscribed topic without a handler) rejects this. The HTTP side's global guards and filters stay on the HTTP side
 * (an API-key guard has no business with a Kafka batch); handler errors reach the transport unchanged.
 */
export async function startHybridService(app: INestApplication, transport: InjectionToken, http: { port: number; host?: string }): Promise<void> {
  // Deferred so the filter is in place when the handlers are bound (filters are resolved then, not per call); the
  // application's init below runs the lifecycle hooks once, for both sides.
  const microservice = app.connectMicroservice<MicroserviceOptions>({ strategy: app.get<CustomTransportStrategy>(transport) }, { deferInitialization: true }) as NestMicroservice;
  microservice.useGlobalFilters(new HandlerErrorFilter());
  microservice.setIsInitHookCalled(true);
  await app.init();
  await app.startAllMicroservices();
  await (http.host === undefined ? app.listen(http.port) : app.listen(http.port, http.host));
}

/** Start a service with its transport as above, or HTTP only when it has none (a notifier without the consumer role). */
export async function startService(app: INestApplication, transport: InjectionToken | undefined, http: { port: number; host?: string }): Promise<void> {
  if (transport !== undefined) await startHybridService(app, transport, http);
  else await (http.host === undefined ? app.listen(http.port) : app.listen(http.port, http.host));
}
