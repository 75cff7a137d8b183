// linkscreen's Lambda runner for Node.js: loads the skill's handler once and invokes it for
// every request linkscreen sends, the way AWS Lambda reuses a warm container.
// Protocol: one JSON request per stdin line {"id", "event", "timeoutMs"}; answers are stdout
// lines starting with the marker below. Anything else the handler prints is its log.
'use strict';
const path = require('path');
const readline = require('readline');

const MARK = '\u001eLINKSCREEN ';
const [file, exportName, functionName] = process.argv.slice(2);
const write = process.stdout.write.bind(process.stdout);
function send(msg) {
  write(MARK + JSON.stringify(msg) + '\n');
}
function describe(e) {
  if (e instanceof Error) return e.stack || String(e);
  try { return typeof e === 'string' ? e : JSON.stringify(e); } catch (_) { return String(e); }
}

let handler;
try {
  const mod = require(path.resolve(file));
  handler = mod[exportName];
} catch (e) {
  send({ type: 'load_error', error: describe(e) });
  process.exit(3);
}
if (typeof handler !== 'function') {
  send({ type: 'load_error', error: `${path.basename(file)} exports ${exportName} as ${typeof handler}, not a function` });
  process.exit(3);
}
send({ type: 'ready' });

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let req;
  try { req = JSON.parse(line); } catch (e) { return; }
  const { id, event, timeoutMs } = req;
  const deadline = Date.now() + (timeoutMs || 8000);
  let settled = false;
  const done = (err, result) => {
    if (settled) return;
    settled = true;
    if (err) send({ id, error: describe(err) });
    else send({ id, result: result === undefined ? null : result });
  };
  const context = {
    functionName: functionName || 'linkscreen-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName || 'linkscreen-local'}`,
    memoryLimitInMB: '128',
    awsRequestId: String(id),
    logGroupName: `/aws/lambda/${functionName || 'linkscreen-local'}`,
    logStreamName: 'linkscreen',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    succeed: (r) => done(null, r),
    fail: (e) => done(e || new Error('context.fail')),
    done: (e, r) => done(e, r),
  };
  try {
    const r = handler(event, context, done);
    if (r && typeof r.then === 'function') r.then((v) => done(null, v), (e) => done(e || new Error('rejected')));
  } catch (e) {
    done(e);
  }
});
rl.on('close', () => process.exit(0));
