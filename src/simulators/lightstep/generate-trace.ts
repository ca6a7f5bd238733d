/**
 * Synthetic traces for the Lightstep simulator.
 *
 * This module deliberately shares no code with the product (it may only use node built-ins), so
 * that a bug in the product's model or parser cannot be mirrored by the simulator and hidden.
 */

/** OpenTelemetry-style span kind, written to the `span.kind` tag as Lightstep tracers do. */
export type SimSpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

/** One span as the simulator stores it. Times are epoch microseconds. */
export interface SimSpan {
  /** 16 lowercase hex characters. */
  spanId: string;
  /** Absent on the root span. */
  parentId?: string;
  service: string;
  operation: string;
  startMicros: number;
  endMicros: number;
  isError: boolean;
  kind?: SimSpanKind;
  /**
   * Extra span tags, serialised next to `parent_span_guid` / `span.kind`. Optional and not produced
   * by {@link generateTrace} (one object per span would double the memory of huge traces); the
   * hand-written sample trace uses it for realistic HTTP/DB/error tags.
   */
  tags?: Record<string, string | number | boolean>;
}

/** A stored trace: its id (16 lowercase hex, Lightstep's 64-bit trace GUID) and its spans. */
export interface SimTrace {
  traceId: string;
  spans: SimSpan[];
}

/** Options for {@link generateTrace}. */
export interface GenerateTraceOptions {
  /** Exact number of spans to produce (integer >= 1). */
  spans: number;
  /** PRNG seed; the same options always produce the same trace. Default 1. */
  seed?: number;
  /** Number of distinct services (1..65535). Default 8. The first 16 have realistic names, the rest are `service-N`. */
  services?: number;
  /** Probability that a span is an error span, 0..1. Default 0.01. */
  errorRate?: number;
  /** Root span start, epoch µs. Default a fixed instant so output is reproducible. */
  startMicros?: number;
}

/** 2024-11-14T22:13:20Z: fixed so that generated traces are byte-for-byte reproducible. */
const DEFAULT_START_MICROS = 1_731_622_400_000_000;

/** mulberry32: tiny, fast, good-enough 32-bit PRNG; returns floats in [0, 1). Tests' fuzzers use it too. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * murmur3's fmix32 finaliser. Every step (xor-shift, multiply by an odd constant) is a bijection
 * on 32-bit integers, so distinct inputs give distinct outputs: used to make span ids that look
 * random yet are guaranteed unique without a 1M-entry Set.
 */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Char codes of '0'..'9', 'a'..'f'. */
const HEX_CODES = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

function hexDigit(n: number, shift: number): number {
  return HEX_CODES[(n >>> shift) & 15] as number;
}

/**
 * 16 lowercase hex chars for two 32-bit halves. One fromCharCode call yields a flat string; the
 * obvious `toString(16).padStart(8, '0')` twice was the single biggest cost of a 1M-span trace.
 */
function hex16(hi: number, lo: number): string {
  return String.fromCharCode(
    hexDigit(hi, 28), hexDigit(hi, 24), hexDigit(hi, 20), hexDigit(hi, 16),
    hexDigit(hi, 12), hexDigit(hi, 8), hexDigit(hi, 4), hexDigit(hi, 0),
    hexDigit(lo, 28), hexDigit(lo, 24), hexDigit(lo, 20), hexDigit(lo, 16),
    hexDigit(lo, 12), hexDigit(lo, 8), hexDigit(lo, 4), hexDigit(lo, 0),
  );
}

interface ServiceProfile {
  name: string;
  /** Operations of server spans (incoming requests). */
  endpoints: string[];
  /** Operations of internal spans. */
  internals: string[];
  /** Operations of leaf client spans to a datastore / cache. */
  datastore: string[];
  /** Operation used by callers' client spans, one per endpoint. */
  clientOps: string[];
}

const KNOWN_SERVICES: ReadonlyArray<[string, string[], string[], string[]]> = [
  ['frontend', ['GET /', 'GET /checkout', 'GET /product/{id}', 'POST /cart', 'GET /search'], ['render page', 'load session', 'build view model'], ['redis GET session']],
  ['api-gateway', ['POST /api/orders', 'GET /api/cart', 'GET /api/products', 'POST /api/checkout'], ['authenticate', 'route request', 'check rate limit'], ['redis INCR ratelimit']],
  ['auth-service', ['POST /token/verify', 'GET /users/{id}/roles'], ['verify jwt', 'load signing keys'], ['SELECT users', 'redis GET token']],
  ['cart-service', ['GET /carts/{id}', 'POST /carts/{id}/items'], ['merge carts', 'compute totals'], ['redis GET cart', 'redis SET cart']],
  ['catalog-service', ['GET /products', 'GET /products/{id}'], ['resolve variants', 'apply locale'], ['SELECT products', 'SELECT prices']],
  ['inventory-service', ['POST /reservations', 'GET /stock/{sku}'], ['allocate warehouse', 'check availability'], ['SELECT stock_levels', 'UPDATE stock_levels']],
  ['payment-service', ['POST /charges', 'POST /refunds'], ['charge card', 'tokenize card', 'fraud score'], ['INSERT payments', 'SELECT payment_methods']],
  ['order-service', ['POST /orders', 'GET /orders/{id}'], ['validate order', 'persist order', 'compute tax'], ['INSERT orders', 'SELECT orders']],
  ['shipping-service', ['POST /quotes', 'POST /shipments'], ['rate shop', 'build label'], ['SELECT carriers']],
  ['email-service', ['POST /send'], ['render template', 'send smtp'], ['SELECT templates']],
  ['recommendation-service', ['GET /recommendations'], ['score candidates', 'load model'], ['redis GET recs']],
  ['search-service', ['GET /search'], ['parse query', 'rank results'], ['elasticsearch search']],
  ['user-service', ['GET /users/{id}', 'PATCH /users/{id}'], ['load profile', 'merge preferences'], ['SELECT users', 'UPDATE users']],
  ['pricing-service', ['POST /quote'], ['apply promotions', 'convert currency'], ['SELECT promotions']],
  ['fraud-detection', ['POST /assess'], ['evaluate rules', 'score model'], ['SELECT risk_signals']],
  ['notification-service', ['POST /notify'], ['fan out channels', 'render push'], ['INSERT notifications']],
];

const TOPICS = ['orders.created', 'payments.settled', 'inventory.updated', 'emails.outbound', 'events.audit'];

/** Builds the service table once per trace; every operation string is shared, not per span. */
function buildServices(count: number): ServiceProfile[] {
  const out: ServiceProfile[] = [];
  for (let i = 0; i < count; i++) {
    const known = KNOWN_SERVICES[i];
    const name = known ? known[0] : `service-${i}`;
    const endpoints = known ? known[1] : ['POST /process', 'GET /status'];
    const internals = known ? known[2] : ['handle request', 'compute', 'validate input'];
    const datastore = known ? known[3] : [`SELECT ${name.replace(/-/g, '_')}`];
    const clientOps = endpoints.map((e) => {
      const space = e.indexOf(' ');
      return `${e.slice(0, space)} ${name}${e.slice(space + 1)}`;
    });
    out.push({ name, endpoints, internals, datastore, clientOps });
  }
  return out;
}

function pick<T>(items: readonly T[], r: number): T {
  // Callers only pass non-empty tables, so the index is always in range.
  return items[Math.floor(r * items.length)] as T;
}

/**
 * Generates a deterministic, realistically shaped trace with exactly `options.spans` spans.
 *
 * Shape: a root server span; each expanded span gets 1–8 children (skewed towards few), rarely a
 * batch fan-out of 50–500 children; children are sequential or parallel and always lie inside their
 * parent's time window; cross-service calls appear as client→server pairs, async work as
 * producer→consumer pairs (consumers are kept inside the producer window so that "child within
 * parent" holds everywhere), and datastore calls as leaf client spans. Depth is capped at 12–20.
 *
 * Iterative (no recursion) and allocation-light: 1,000,000 spans take a second or two.
 */
export function generateTrace(options: GenerateTraceOptions): SimTrace {
  const total = options.spans;
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`spans must be an integer >= 1, got ${total}`);
  // Capped so service indexes fit the Uint16Array below.
  const serviceCount = Math.min(65_535, Math.max(1, Math.floor(options.services ?? 8)));
  const errorRate = Math.min(1, Math.max(0, options.errorRate ?? 0.01));
  const start0 = Math.floor(options.startMicros ?? DEFAULT_START_MICROS);
  const rand = mulberry32(options.seed ?? 1);
  const services = buildServices(serviceCount);

  const traceHi = Math.floor(rand() * 4294967296);
  const traceLo = Math.floor(rand() * 4294967296) || 1; // never the all-zero (invalid) id
  const traceId = hex16(traceHi, traceLo);
  const idSalt = Math.floor(rand() * 4294967296);
  const maxDepth = 12 + Math.floor(rand() * 9);

  const spans: SimSpan[] = [];
  // Parallel typed arrays instead of extra object fields keep 1M-span traces small.
  const depth = new Uint8Array(total);
  const svcIndex = new Uint16Array(total);
  // Spans waiting to get children. Picked either LIFO (goes deep) or at random (goes wide).
  const work: number[] = [];

  const makeId = (index: number): string => {
    const lo = fmix32((index + idSalt) >>> 0);
    let hi = Math.floor(rand() * 4294967296);
    if (lo === 0 && hi === 0) hi = 1;
    return hex16(hi, lo);
  };

  const add = (parent: number, svc: number, operation: string, kind: SimSpanKind, s: number, e: number, isError: boolean): number => {
    const index = spans.length;
    const p = spans[parent] as SimSpan;
    spans.push({ spanId: makeId(index), parentId: p.spanId, service: (services[svc] as ServiceProfile).name, operation, startMicros: s, endMicros: e, isError, kind });
    depth[index] = (depth[parent] as number) + 1;
    svcIndex[index] = svc;
    return index;
  };

  // Root: a long-enough window that deep nesting still has µs to spare on big traces.
  const rootDuration = Math.floor((20_000 + rand() * 1_500_000) * Math.max(1, Math.sqrt(total / 100)));
  const frontend = services[0] as ServiceProfile;
  spans.push({
    spanId: makeId(0),
    service: frontend.name,
    operation: pick(frontend.endpoints, rand()),
    startMicros: start0,
    endMicros: start0 + rootDuration,
    isError: rand() < errorRate,
    kind: 'server',
  });
  work.push(0);

  const otherService = (cur: number): number => {
    let t = Math.floor(rand() * (serviceCount - 1));
    if (t >= cur) t++;
    return t;
  };

  while (spans.length < total) {
    let parent: number;
    if (work.length === 0) {
      // Everything reachable became a leaf before the budget ran out: attach more children to a
      // random span that still has depth to spare (the root always qualifies).
      parent = 0;
      for (let tries = 0; tries < 8; tries++) {
        const candidate = Math.floor(rand() * spans.length);
        if ((depth[candidate] as number) < maxDepth - 1) {
          parent = candidate;
          break;
        }
      }
    } else {
      let at = work.length - 1;
      if (rand() < 0.5) at = Math.floor(rand() * work.length);
      parent = work[at] as number;
      work[at] = work[work.length - 1] as number;
      work.pop();
      const d = depth[parent] as number;
      // Leaves get likelier with depth so the tree tapers instead of being a perfect bush.
      if (parent !== 0 && rand() < 0.2 + (0.55 * d) / maxDepth) continue;
    }

    const p = spans[parent] as SimSpan;
    const pDepth = depth[parent] as number;
    const pSvc = svcIndex[parent] as number;
    const profile = services[pSvc] as ServiceProfile;
    const remaining = total - spans.length;
    const wide = remaining >= 100 && rand() < 0.003;
    let k = wide ? 50 + Math.floor(rand() * 451) : 1 + Math.floor(Math.pow(rand(), 1.6) * 8);
    if (k > remaining) k = remaining;
    const sequential = wide || rand() < 0.6;
    const ps = p.startMicros;
    const dur = p.endMicros - ps;
    const slot = dur / k;
    const canRecurse = pDepth + 1 < maxDepth;
    const batchOfQueries = wide && rand() < 0.5;

    for (let i = 0; i < k && spans.length < total; i++) {
      let s: number;
      let e: number;
      if (sequential) {
        s = ps + slot * i + slot * 0.1 * rand();
        e = s + (ps + slot * (i + 1) - s) * (0.5 + 0.45 * rand());
      } else {
        s = ps + dur * 0.1 * rand();
        e = s + (p.endMicros - s) * (0.3 + 0.65 * rand());
      }
      s = Math.min(Math.max(Math.floor(s), ps), p.endMicros);
      e = Math.min(Math.max(Math.floor(e), s), p.endMicros);
      const isError = rand() < errorRate;

      if (batchOfQueries) {
        add(parent, pSvc, pick(profile.datastore, rand()), 'client', s, e, isError);
        continue;
      }
      const r = rand();
      const room = total - spans.length;
      if (serviceCount > 1 && room >= 2 && pDepth + 2 < maxDepth && r < 0.25) {
        // Client span in the caller, server span in the callee, shifted by network latency.
        const target = otherService(pSvc);
        const tp = services[target] as ServiceProfile;
        const ep = Math.floor(rand() * tp.endpoints.length);
        const serverError = rand() < errorRate;
        const client = add(parent, pSvc, tp.clientOps[ep] as string, 'client', s, e, isError || (serverError && rand() < 0.8));
        const lag = Math.floor((e - s) * 0.05 * rand());
        const server = add(client, target, tp.endpoints[ep] as string, 'server', s + lag, e - lag, serverError);
        if (pDepth + 2 < maxDepth - 1) work.push(server);
      } else if (serviceCount > 1 && room >= 2 && pDepth + 2 < maxDepth && r < 0.3) {
        const target = otherService(pSvc);
        const topic = pick(TOPICS, rand());
        const producer = add(parent, pSvc, `publish ${topic}`, 'producer', s, e, isError);
        const qs = s + Math.floor((e - s) * 0.2 * rand());
        const consumer = add(producer, target, `process ${topic}`, 'consumer', qs, e, rand() < errorRate);
        if (pDepth + 2 < maxDepth - 1) work.push(consumer);
      } else if (r < 0.5) {
        add(parent, pSvc, pick(profile.datastore, rand()), 'client', s, e, isError);
      } else {
        const child = add(parent, pSvc, pick(profile.internals, rand()), 'internal', s, e, isError);
        if (canRecurse && !wide) work.push(child);
        else if (canRecurse && rand() < 0.05) work.push(child);
      }
    }
  }

  return { traceId, spans };
}

/** Trace id of {@link sampleCheckoutTrace}. */
export const SAMPLE_TRACE_ID = '4bf92f3577b34da6';
/** Root span (`frontend GET /checkout`) of {@link sampleCheckoutTrace}: a good seed span for links. */
export const SAMPLE_TRACE_SEED_SPAN = '3f2a9c7d1e8b4a01';
/**
 * The failing `charge card` span of {@link sampleCheckoutTrace}. It has a leading zero on purpose:
 * some link builders format span ids with `%x` and drop it, which exercises left-padding.
 */
export const SAMPLE_TRACE_SELECTED_SPAN = '0c4e7a91d2b35f68';
/** Start of {@link sampleCheckoutTrace} unless overridden: 2025-06-15T13:06:40.123Z. */
export const SAMPLE_TRACE_START_MICROS = 1_749_992_800_123_000;

/**
 * A small hand-written checkout trace (15 spans, 6 services) for demos and readable tests:
 * `frontend GET /checkout` → api-gateway → cart (redis), inventory (two SQL calls) and
 * payment, where `charge card` fails (card declined) and the error propagates up to the gateway;
 * payment-service also publishes a `payment.failed` event consumed by order-service.
 *
 * @param startMicros shifts the whole trace (e.g. to "now" so `at_micros` in demo links looks
 *   recent); ids never change.
 */
export function sampleCheckoutTrace(startMicros: number = SAMPLE_TRACE_START_MICROS): SimTrace {
  const t0 = Math.floor(startMicros);
  const ms = (n: number): number => t0 + Math.round(n * 1000);
  const span = (
    spanId: string,
    parentId: string | undefined,
    service: string,
    operation: string,
    kind: SimSpanKind,
    fromMs: number,
    toMs: number,
    isError: boolean,
    tags?: Record<string, string | number | boolean>,
  ): SimSpan => {
    const s: SimSpan = { spanId, service, operation, startMicros: ms(fromMs), endMicros: ms(toMs), isError, kind };
    if (parentId !== undefined) s.parentId = parentId;
    if (tags !== undefined) s.tags = tags;
    return s;
  };
  const ROOT = SAMPLE_TRACE_SEED_SPAN;
  const GW_CLIENT = '8e1d4b6a2c9f7302';
  const GW = 'b7c3e5f1a9d20483';
  const CART_CLIENT = '5a9e1c3d7f2b6a14';
  const CART = 'd2f4a6c8e0b13525';
  const INV_CLIENT = '91b3d5f7a2c4e636';
  const INV = 'e6a8c0b2d4f61747';
  const PAY_CLIENT = '27c9e1a3b5d78858';
  const PAY = 'f8b0d2e4a6c89969';
  const PUBLISH = '6d1f3b5a7c9e2a7a';
  return {
    traceId: SAMPLE_TRACE_ID,
    spans: [
      span(ROOT, undefined, 'frontend', 'GET /checkout', 'server', 0, 412.6, true, { 'http.method': 'GET', 'http.route': '/checkout', 'http.status_code': 502 }),
      span(GW_CLIENT, ROOT, 'frontend', 'POST api-gateway/api/checkout', 'client', 3.1, 409.8, true, { 'http.method': 'POST', 'http.status_code': 502 }),
      span(GW, GW_CLIENT, 'api-gateway', 'POST /api/checkout', 'server', 4.0, 408.9, true, { 'http.method': 'POST', 'http.route': '/api/checkout', 'http.status_code': 502 }),
      span(CART_CLIENT, GW, 'api-gateway', 'GET cart-service/carts/{id}', 'client', 17.0, 58.4, false, { 'http.method': 'GET', 'http.status_code': 200 }),
      span(CART, CART_CLIENT, 'cart-service', 'GET /carts/{id}', 'server', 18.2, 57.1, false, { 'http.method': 'GET', 'http.route': '/carts/{id}', 'http.status_code': 200 }),
      span('a3c5e7b9d1f30c9c', CART, 'cart-service', 'redis GET cart', 'client', 19.0, 22.7, false, { 'db.system': 'redis', 'db.statement': 'GET cart:7f3e' }),
      span(INV_CLIENT, GW, 'api-gateway', 'POST inventory-service/reservations', 'client', 59.0, 151.3, false, { 'http.method': 'POST', 'http.status_code': 201 }),
      span(INV, INV_CLIENT, 'inventory-service', 'POST /reservations', 'server', 60.4, 150.0, false, { 'http.method': 'POST', 'http.route': '/reservations', 'http.status_code': 201 }),
      span('3e5a7c9b1d2f4dad', INV, 'inventory-service', 'SELECT stock_levels', 'client', 61.2, 98.6, false, { 'db.system': 'postgresql', 'db.statement': 'SELECT sku, qty FROM stock_levels WHERE sku = ANY($1) FOR UPDATE' }),
      span('b9d1f3a5c7e90ebe', INV, 'inventory-service', 'UPDATE stock_levels', 'client', 99.5, 148.7, false, { 'db.system': 'postgresql', 'db.statement': 'UPDATE stock_levels SET qty = qty - $2 WHERE sku = $1' }),
      span(PAY_CLIENT, GW, 'api-gateway', 'POST payment-service/charges', 'client', 152.0, 407.5, true, { 'http.method': 'POST', 'http.status_code': 402 }),
      span(PAY, PAY_CLIENT, 'payment-service', 'POST /charges', 'server', 153.1, 406.2, true, { 'http.method': 'POST', 'http.route': '/charges', 'http.status_code': 402 }),
      span(SAMPLE_TRACE_SELECTED_SPAN, PAY, 'payment-service', 'charge card', 'client', 155.0, 396.8, true, {
        'peer.service': 'stripe',
        'http.status_code': 402,
        error: true,
        'error.message': 'card_declined: insufficient_funds',
      }),
      span(PUBLISH, PAY, 'payment-service', 'publish payment.failed', 'producer', 397.3, 404.9, false, { 'messaging.system': 'kafka', 'messaging.destination': 'payment.failed' }),
      span('4c6e8a0b2d4f1b8b', PUBLISH, 'order-service', 'process payment.failed', 'consumer', 399.0, 404.1, false, { 'messaging.system': 'kafka', 'messaging.operation': 'process' }),
    ],
  };
}
