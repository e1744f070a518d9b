// Child process for the crash test: appends records 0..count-1 (skipping ids already in the
// file) as fast as it can. The test SIGKILLs it mid-run.
import { createJsonlAppender } from '../jsonl-appender';

const [file, countText] = process.argv.slice(2);
const count = Number(countText);
const appender = await createJsonlAppender<{ id: string; payload: string }>(file!, {
  key: (record) => record.id,
});
for (let index = 0; index < count; index += 1) {
  const id = `sample-${String(index).padStart(5, '0')}`;
  if (appender.has(id)) continue;
  await appender.append({ id, payload: 'x'.repeat(200 + (index % 50)) });
}
await appender.close();
process.stdout.write('done\n');
