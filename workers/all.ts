// A worker process: runs every background job (BullMQ) and nothing else. `npm run worker`.
process.env.ROLE = 'worker';
await import('../src/main.js');
