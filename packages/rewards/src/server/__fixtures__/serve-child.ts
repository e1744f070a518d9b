// A reward server in its own process, with the default limits, for tests and benches that
// measure its memory (RSS) from outside. Arguments: [preset] [token]. Prints its URL as one
// JSON line; stops on SIGTERM.
import { createRewardServer } from '../reward-server';

const server = createRewardServer({ preset: process.argv[2] ?? 'facial-r1', token: process.argv[3] });
const { url } = await server.listen();
console.log(JSON.stringify({ url, pid: process.pid }));
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
