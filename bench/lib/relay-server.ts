import { WebSocketServer } from 'ws';

/**
 * The baseline for bench:collab: a bare WebSocket relay that sends every frame it receives to every
 * connection, with no authentication, ordering, transform or database. Prints its port as JSON.
 */
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('connection', (socket) => {
  socket.on('message', (data) => {
    const text = data.toString();
    for (const peer of server.clients) peer.send(text);
  });
});
server.on('listening', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
