'use strict';
// Small helpers shared by the two peer servers.
const http = require('node:http');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

// POST a JSON body over a pooled keep-alive connection; resolves {status, body}.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function postJson(host, port, path, body, timeoutMs) {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, method: 'POST', agent, timeout: timeoutMs,
                               headers: { 'content-type': 'application/json', 'content-length': data.length } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          let parsed = null;
          try { parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { /* not JSON */ }
          resolve({ status: res.statusCode, body: parsed });
        });
      });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

module.exports = { arg, postJson };
