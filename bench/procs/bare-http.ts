/** The ceiling: node:http answering 200 without reading the body (node discards it for keep-alive). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}/slack/events` });
});
process.on('disconnect', () => process.exit(0));
