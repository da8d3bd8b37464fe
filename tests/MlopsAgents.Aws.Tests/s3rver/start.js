// Starts s3rver on 127.0.0.1 with an OS-chosen port and prints {"port": N} once it listens.
// It stops when its standard input closes, so the test fixture that spawned it never leaves it running.
'use strict';
const S3rver = require('s3rver');

const directory = process.argv[2];
if (!directory) {
  console.error('usage: node start.js <data-directory>');
  process.exit(2);
}

const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, resetOnClose: true });
server.run().then(
  ({ port }) => console.log(JSON.stringify({ port })),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
process.stdin.resume();
