// node-hello: an Azure Functions custom handler in Node.js using only the `http` core module.
//
// The functions host POSTs each invocation to http://127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT/{FunctionName}
// with {"Data": {<trigger binding name>: {Url, Method, Query, Headers, Params, Body}}, "Metadata": {...}}
// and expects {"Outputs": {<http output name>: {statusCode, body, headers}}, "Logs": [], "ReturnValue": ...}.
// When the http output binding is named "$return", the response goes in ReturnValue instead.
'use strict';
const http = require('http');

const greeting = process.env.GREETING || 'Hi'; // an app setting from local.settings.json

function httpResponse(statusCode, body, contentType) {
  return { statusCode, body, headers: { 'Content-Type': contentType } };
}

function parseBody(body) {
  if (typeof body !== 'string' || body === '') return body;
  try { return JSON.parse(body); } catch { return undefined; }
}

const functions = {
  // GET/POST /api/hello/{name?}   (anonymous; output binding "res")
  hello({ Data }) {
    const req = Data.req;
    const body = parseBody(req.Body);
    const name = req.Params?.name || req.Query?.name || (body && body.name) || 'world';
    return {
      Outputs: { res: httpResponse(200, `${greeting}, ${name}!`, 'text/plain; charset=utf-8') },
      Logs: [`hello: greeted ${name}`],
      ReturnValue: null,
    };
  },

  // GET /api/items/{id:int}   (authLevel function: needs ?code= or x-functions-key)
  item({ Data }) {
    const id = Number(Data.req.Params.id);
    const item = { id, name: `item ${id}`, price: (id % 100) + 0.99 };
    return {
      Outputs: { res: httpResponse(200, JSON.stringify(item), 'application/json') },
      Logs: [`item: looked up ${id}`],
      ReturnValue: null,
    };
  },

  // GET /api/info   (trigger binding "request", http output "$return")
  info({ Data, Metadata }) {
    const info = {
      node: process.version,
      workerId: process.env.FUNCTIONS_CUSTOMHANDLER_WORKER_ID || null,
      function: Metadata?.sys?.MethodName,
      url: Data.request.Url,
    };
    return {
      Outputs: {},
      Logs: [],
      ReturnValue: httpResponse(200, JSON.stringify(info), 'application/json'),
    };
  },
};

function send(res, status, payload) {
  const data = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const name = req.url.split('?')[0].replace(/^\/+|\/+$/g, '');
    const fn = Object.hasOwn(functions, name) ? functions[name] : undefined;
    if (req.method !== 'POST' || !fn) {
      send(res, 404, { Outputs: {}, Logs: [`no function ${name}`], ReturnValue: null });
      return;
    }
    let invocation;
    try {
      invocation = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      send(res, 400, { Outputs: {}, Logs: ['invocation body is not JSON'], ReturnValue: null });
      return;
    }
    try {
      send(res, 200, fn(invocation));
    } catch (err) {
      send(res, 500, { Outputs: {}, Logs: [`${name} failed: ${err.message}`], ReturnValue: null });
    }
  });
});
server.keepAliveTimeout = 120_000; // the host keeps its connections to the worker open

const port = Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT);
server.listen(port, '127.0.0.1', () => console.error(`node-hello: listening on 127.0.0.1:${port}`));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections?.();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
