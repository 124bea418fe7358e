import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Where the console is served. */
export const CONSOLE_PATH = '/console';

/**
 * Serves the console (services/gateway/console, bundled by `npm run build` into GATEWAY_CONSOLE_DIR) at /console.
 * The files are public: they hold no data, and every call they make carries the API key typed into the page. Without a
 * build the path answers 404 saying how to make one.
 */
export function mountConsole(app: NestExpressApplication, directory: string): void {
  const root = resolve(directory);
  app.useStaticAssets(root, { prefix: CONSOLE_PATH, index: 'index.html', fallthrough: true, maxAge: 0 });
  app.use(CONSOLE_PATH, (_request: Request, response: Response, next: NextFunction) => {
    if (existsSync(join(root, 'index.html'))) return next();
    response.status(404).json({ code: 'CONSOLE.NOT_BUILT', message: `the console is not built in ${root}: run \`npm run build\` (or set GATEWAY_CONSOLE_DIR)` });
  });
}
