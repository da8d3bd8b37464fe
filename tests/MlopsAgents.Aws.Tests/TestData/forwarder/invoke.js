// Test driver: calls the task forwarder's handler the way the Lambda runtime does and prints what Step Functions would
// see: the result, or the error type (the Error's name) and message. Input on stdin: {functionName, event, repeat?};
// repeat > 1 invokes the same warm module again, as a reused Lambda environment does, and prints the last outcome.
// Each invocation gets Lambda's context: the function name and the time left (remainingMs, else a 900 s timeout).
'use strict';
const forwarder = require(process.argv[2]);
let input = '';
process.stdin.on('data', d => { input += d; });
process.stdin.on('end', async () => {
  const { functionName, event, repeat, remainingMs } = JSON.parse(input);
  let outcome;
  for (let i = 0; i < (repeat || 1); i++) {
    try {
      const started = Date.now();
      const context = { functionName, getRemainingTimeInMillis: () => (remainingMs ?? 900000) - (Date.now() - started) };
      outcome = { ok: true, result: await forwarder.handler(event, context) };
    } catch (e) {
      outcome = { ok: false, errorType: e.name, errorMessage: e.message };
    }
  }
  outcome.secretReads = globalThis.secretReads ?? 0;
  process.stdout.write(JSON.stringify(outcome));
});
