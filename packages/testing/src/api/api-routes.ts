/**
 * Routes of the Loki endpoints this folder answers (those Grafana's Loki data source and Logs
 * Drilldown call besides queries), and how their errors are written.
 */
import type { HttpAnswer } from '../internal-types';
import type { ApiRequest } from './api-request';
import { handleBuildInfo } from './build-info';
import { handleDetectedFields, handleDetectedFieldValues } from './detected-fields';
import { handleDetectedLabels } from './detected-labels';
import { handleFormatQuery } from './format-query';
import { handleIndexStats } from './index-stats';
import { BadRequest } from './loki-params';
import { handleVolume, handleVolumeRange } from './volume';

/** An endpoint: whether it needs a tenant (`X-Scope-OrgID` with auth on), and its handler. */
export interface ApiRoute {
  needsTenant: boolean;
  handle(req: ApiRequest): HttpAnswer;
}

const PREFIX = '/loki/api/v1/';
const FIELD_VALUES_PATH = /^\/loki\/api\/v1\/detected_field\/([^/]+)\/values$/;

const ROUTES: Record<string, ApiRoute> = {
  'status/buildinfo': { needsTenant: false, handle: (req) => handleBuildInfo(req.lokiVersion) },
  format_query: { needsTenant: false, handle: (req) => handleFormatQuery(req.params) },
  'index/stats': { needsTenant: true, handle: handleIndexStats },
  'index/volume': { needsTenant: true, handle: handleVolume },
  'index/volume_range': { needsTenant: true, handle: handleVolumeRange },
  detected_labels: { needsTenant: true, handle: handleDetectedLabels },
  detected_fields: { needsTenant: true, handle: handleDetectedFields },
  // Loki's pattern ingester is off by default: its querier answers 404 with an empty body.
  patterns: { needsTenant: true, handle: () => ({ status: 404, body: '' }) },
};

/** The route of `path`, if this folder answers it. */
export function apiRoute(path: string): ApiRoute | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  const route = ROUTES[path.slice(PREFIX.length)];
  if (route) return route;
  const field = FIELD_VALUES_PATH.exec(path)?.[1];
  if (field === undefined) return undefined;
  return { needsTenant: true, handle: (req) => handleDetectedFieldValues(req, decodeURIComponent(field)) };
}

/** Runs a route; a `BadRequest` becomes Loki's plain-text 400. */
export function answerApi(route: ApiRoute, req: ApiRequest): HttpAnswer {
  try {
    return route.handle(req);
  } catch (err) {
    if (err instanceof BadRequest) return { status: 400, body: err.message };
    throw err;
  }
}
