import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Histogram, Registry } from 'prom-client';
import { finalize, type Observable } from 'rxjs';

/** Request latency by route and status, for /metrics. */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  private readonly seconds: Histogram;

  constructor(@Inject(Registry) registry: Registry) {
    this.seconds = new Histogram({
      name: 'gateway_http_request_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const stop = this.seconds.startTimer({ method: request.method, route: (request.route as { path?: string } | undefined)?.path ?? 'unknown' });
    return next.handle().pipe(finalize(() => stop({ status: String(response.statusCode) })));
  }
}
