// Test driver: calls the task forwarder's handler the way the Lambda runtime does and prints what Step Functions would
// see: the result, or the error type (the Error's name) and message. Input on stdin: {functionName, event}.
'use strict';
const forwarder = require(process.argv[2]);
let input = '';
process.stdin.on('data', d => { input += d; });
process.stdin.on('end', async () => {
  const { functionName, event } = JSON.parse(input);
  try {
    const result = await forwarder.handler(event, { functionName });
    process.stdout.write(JSON.stringify({ ok: true, result }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, errorType: e.name, errorMessage: e.message }));
  }
});
