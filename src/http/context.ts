import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { AppDeps } from '../deps.js';

/** What middleware attaches to every request. */
export type AppEnv = {
  Variables: {
    deps: AppDeps;
    requestId: string;
    log: Logger;
    /** Set by `authenticate` on every /v1 route that needs a key. */
    principal: Principal;
  };
};
