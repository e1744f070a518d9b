import { main } from './cli';

process.exitCode = await main();
