import type { TraceRef } from '../../../domain/types.js';
import type { LightstepBackendConfig } from '../backend-config.js';
import type { BackendModule } from '../backend-module.js';
import { createLightstepClient, probeLightstep } from './lightstep-api.js';
import { parseLightstepLink } from './parse-lightstep-link.js';

/** Stored traces live about 7 days (trace-backends.md §1): say so when one is gone. */
const NOT_FOUND = 'This trace is no longer stored: Lightstep keeps stored traces for about 7 days.';

/** Lightstep (ServiceNow Cloud Observability): projects are its grant scopes. */
export const lightstepBackend: BackendModule<LightstepBackendConfig> = {
  kind: 'lightstep',
  product: 'Lightstep',
  recogniser(config) {
    return (url) => {
      const link = parseLightstepLink(url, config.appUrls);
      if (link === undefined) return undefined;
      const ref: TraceRef = {
        url: link.url,
        backendId: config.id,
        scope: link.project,
        lookup: { kind: 'span', spanId: link.seedSpanId },
        display: { product: 'Lightstep', where: `project ${link.project}`, notFound: NOT_FOUND },
      };
      return link.selectedSpanPrefix === undefined ? ref : { ...ref, selectedSpanPrefix: link.selectedSpanPrefix };
    };
  },
  client: createLightstepClient,
  domains: (config) => config.appUrls.map((origin) => new URL(origin).hostname),
  probe: probeLightstep,
};
