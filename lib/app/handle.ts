import { handle as handleAtEdge, type Handler as EdgeHandler } from '../edge/handle.js';
import { appContext, type AppContext } from './app-context.js';

export type Handler = EdgeHandler<AppContext>;

/**
 * A function under api/: the handler gets the instance's context (opened on first use), and the
 * edge turns its errors into HTTP. The app composes the edge, so the edge never imports the app.
 */
export function handle(handler: Handler): (request: Request) => Promise<Response> {
  return handleAtEdge(appContext, handler);
}
